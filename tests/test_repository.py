"""The repository as committed: no tracked file keeps the markers of an unresolved merge (the README
once did, in "What the portal does today")."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A conflict's opening, base (diff3) and closing lines. Written as repetitions, so that this file
# does not hold the markers it looks for; the separator line alone is left out: seven "=" also
# underline a heading, and a conflict always has its opening and closing lines.
MARKER = re.compile(rb"^(?:%s|%s|%s)(?: |$)" % (b"<" * 7, rb"\|" * 7, b">" * 7), re.MULTILINE)


def _tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout
    return [ROOT / name for name in listing.decode().split("\0") if name]


def _is_binary(content: bytes) -> bool:
    return b"\0" in content[:8000]  # git's own test


def test_no_tracked_file_has_merge_conflict_markers():
    found = []
    for path in _tracked_files():
        if not path.is_file():  # deleted in the work tree, or a submodule
            continue
        content = path.read_bytes()
        if _is_binary(content):
            continue
        for match in MARKER.finditer(content):
            line = content.count(b"\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == [], "merge-conflict markers left in: " + ", ".join(found)


def test_the_markers_are_recognised_and_this_file_has_none():
    opening, closing = b"<" * 7 + b" HEAD\n", b">" * 7 + b" indicators\n"
    assert len(MARKER.findall(b"text\n" + opening + b"ours\n" + b"=" * 7 + b"\ntheirs\n" + closing)) == 2
    assert not MARKER.search(b"Title\n" + b"=" * 7 + b"\n" + b"<" * 8 + b"\n")  # a heading, a longer run
    assert not MARKER.search(Path(__file__).read_bytes())
