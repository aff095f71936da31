"""core.uploads: stored files read back through one helper; a file missing on disk is a clear,
logged refusal (410), never a server error."""

import logging

import pytest

from core.errors import StoredFileMissing
from core.uploads import stored_file_open, stored_file_read
from tests.certificates.factories import seal_for

pytestmark = pytest.mark.django_db


def test_a_stored_file_is_read_back(org_a):
    seal = seal_for(org_a)
    assert stored_file_read(seal.file).startswith(b"\x89PNG")
    with stored_file_open(seal.file) as handle:
        assert handle.read(4) == b"\x89PNG"


def test_a_file_missing_on_disk_is_a_410_with_a_clear_message_and_is_logged(org_a, caplog):
    seal = seal_for(org_a)
    seal.file.storage.delete(seal.file.name)
    with caplog.at_level(logging.ERROR, logger="core.uploads"), pytest.raises(StoredFileMissing) as missing:
        stored_file_read(seal.file)
    assert missing.value.status == 410 and missing.value.code == "file_missing"
    assert "文件在服务器上缺失" in str(missing.value.message)
    (record,) = [r for r in caplog.records if r.name == "core.uploads"]
    assert "organizations.OrgSeal" in record.getMessage() and str(seal.pk) in record.getMessage()


def test_a_record_without_a_file_name_is_missing_too(org_a):
    seal = seal_for(org_a)
    seal.file.name = ""
    with pytest.raises(StoredFileMissing):
        stored_file_open(seal.file)
