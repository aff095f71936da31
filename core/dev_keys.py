"""Development key pairs (the issuing keys outside production): generated on first use into the var
folder and kept, never committed."""

import os
import time
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def dev_key_pair(key_path: Path, cert_path: Path, generate: Callable[[Path, Path], None], *,
                 what: str) -> tuple[Path, Path]:
    """The key and certificate at ``key_path`` and ``cert_path``, made by ``generate`` the first time.
    Processes starting together wait for the one making them: it links the certificate first and
    moves the key in place after."""
    for _attempt in range(50):
        if cert_path.exists() and key_path.exists():
            return key_path, cert_path
        if not cert_path.exists():
            generate(key_path, cert_path)
        else:  # another process linked the certificate and is about to move its key in place
            time.sleep(0.05)
    raise ImproperlyConfigured(f"the development {what} in {key_path.parent} is incomplete")


def dev_key_pair_write(key_path: Path, cert_path: Path, key_pem: bytes, cert_pem: bytes) -> None:
    """Put a freshly made pair in place, the key readable by its owner only. The certificate is the
    marker: whoever links it first wins, and only then moves its key in (``dev_key_pair`` waits)."""
    tmp_key, tmp_cert = key_path.with_suffix(f".{os.getpid()}.tmp"), cert_path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    tmp_cert.write_bytes(cert_pem)
    try:
        os.link(tmp_cert, cert_path)
    except FileExistsError:
        pass
    else:
        os.replace(tmp_key, key_path)
    finally:
        for tmp in (tmp_key, tmp_cert):
            tmp.unlink(missing_ok=True)
