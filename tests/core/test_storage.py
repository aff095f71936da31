"""Every stored file goes through Django's storage API (issue 18, item 7): with the default storage
swapped for an in-memory one and MEDIA_ROOT pointing at a folder that cannot exist, a seal upload,
issuance with the PDF's download, complaint evidence, a monthly report and a file import all work,
and nothing touches the local disk. That is what lets an object store (STORAGE_BACKEND=s3) replace
the local folder when web and worker processes run on several machines."""

import datetime
import importlib
import os

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse

from assessments.models import FilingImport, MonthlyReport
from assessments.reports import services as reports
from certificates.issuance.models import IssuedCertificate
from organizations.seals.models import OrgSeal
from tests.assessments.conftest import actor, certificate  # noqa: F401  (fixtures)
from tests.assessments.test_imports import good_rows, institutions, run, xlsx_file  # noqa: F401  (fixtures)
from tests.certificates.factories import issue_now
from tests.organizations.factories import sample_pdf, sample_png, seal_upload
from tests.organizations.test_complaints import file_complaint, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory_storage(settings, tmp_path, monkeypatch):
    """The default storage in memory; MEDIA_ROOT under a read-only folder; the local file storage
    refusing any use, so a code path that still goes to the disk fails loudly."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    settings.MEDIA_ROOT = locked / "media"
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}

    def refusing(name):
        original = getattr(FileSystemStorage, name)

        def refuse(storage, *args, **kwargs):
            # A file storage on MEDIA_ROOT (no location of its own); the static files' finders keep theirs.
            if storage._location is None:
                raise AssertionError(f"a stored file went to the local file system ({name} {args})")
            return original(storage, *args, **kwargs)
        return refuse

    for name in ("_save", "_open", "path", "listdir", "delete", "exists"):
        monkeypatch.setattr(FileSystemStorage, name, refusing(name))
    yield locked
    locked.chmod(0o700)


def test_the_portals_stored_files_never_touch_the_local_disk(
        memory_storage, as_user, org_a, org_a_user, hubei, hubei_institution, student_user, hubei_user, ministry_user,
        actor, certificate, good_rows):  # noqa: F811  (the fixtures imported above)
    from django.core.files.storage import InMemoryStorage

    assert isinstance(OrgSeal._meta.get_field("file").storage.open.__self__, InMemoryStorage)

    # A seal uploaded through the org's form, then shown back through its view.
    response = as_user(org_a_user).post(f"/orgs/{org_a.pk}/seal/upload/",
                                        {"file": seal_upload(), "printed_mm": "40"})
    assert response.status_code == 302
    seal = OrgSeal.objects.get(org=org_a)
    assert default_storage.exists(seal.file.name)
    shown = as_user(org_a_user).get(f"/orgs/{org_a.pk}/seal/v1/")
    assert shown.status_code == 200 and b"".join(shown.streaming_content).startswith(b"\x89PNG")

    # Issuance renders the certificate with that seal (read from storage) and stores the PDF; the
    # holder downloads it, streamed from storage by the view.
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[student_user.person],
                          institution=hubei_institution)
    issued = IssuedCertificate.objects.get(pk=issued.pk)
    assert issued.pdf and default_storage.exists(issued.pdf.name)
    download = as_user(student_user).get(reverse("issued:pdf", args=[issued.number]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content) if download.streaming else download.content
    assert content.startswith(b"%PDF-")
    with default_storage.open(issued.pdf.name, "rb") as stored:
        assert stored.read() == content

    # Complaint evidence (an image scrubbed of its metadata, and a PDF).
    complaint = file_complaint(org_a, evidence=[upload("收费通知.png", sample_png()), upload("收据.pdf", sample_pdf())])
    evidence = list(complaint.evidence.order_by("pk"))
    assert len(evidence) == 2 and all(default_storage.exists(e.file.name) for e in evidence)

    # The monthly report: its PDF and XLSX, downloaded through the ministry's page.
    report = reports.monthly_report_request(actor=None, month=datetime.date(2020, 10, 1), enqueue=False)
    report = reports.monthly_report_generate(report_id=report.pk)
    assert report.status == MonthlyReport.Status.DONE
    assert default_storage.exists(report.pdf.name) and default_storage.exists(report.xlsx.name)
    pdf = as_user(ministry_user).get(reverse("assessments:report_pdf", args=[2020, 10]))
    assert pdf.status_code == 200
    assert (b"".join(pdf.streaming_content) if pdf.streaming else pdf.content).startswith(b"%PDF-")

    # A file import: the upload is stored, then read back by the import job.
    record = run(actor(hubei_user), xlsx_file(good_rows))
    assert record.status == FilingImport.Status.SUCCEEDED, record.message
    assert default_storage.exists(record.file.name)

    # Nothing was written under MEDIA_ROOT (it could not even be created) nor anywhere in its parent.
    assert not os.path.exists(memory_storage / "media")
    assert list(memory_storage.iterdir()) == []


def test_the_s3_backend_is_configured_from_the_environment(monkeypatch):
    """STORAGE_BACKEND=s3 and the S3_* variables give a private django-storages S3 storage with no
    signed URLs (downloads go through the portal's views); missing credentials refuse to start."""
    import pilot.settings as pilot_settings

    environment = {"STORAGE_BACKEND": "s3", "S3_BUCKET": "pilot-files", "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
                   "S3_ACCESS_KEY_ID": "portal", "S3_SECRET_ACCESS_KEY": "secret-for-tests", "S3_REGION": "cn-north-1",
                   "S3_PREFIX": "/portal/"}
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    try:
        configured = importlib.reload(pilot_settings).STORAGES["default"]
        assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
        options = configured["OPTIONS"]
        assert options["bucket_name"] == "pilot-files" and options["endpoint_url"] == "http://127.0.0.1:9000"
        assert options["location"] == "portal" and options["region_name"] == "cn-north-1"
        assert options["default_acl"] == "private" and options["querystring_auth"] is False
        from storages.backends.s3 import S3Storage

        storage = S3Storage(**options)  # the options are ones the backend accepts
        assert storage.bucket_name == "pilot-files" and storage.location == "portal"

        monkeypatch.delenv("S3_SECRET_ACCESS_KEY")
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured, match="S3_SECRET_ACCESS_KEY"):
            importlib.reload(pilot_settings)
    finally:
        for key in environment:
            monkeypatch.delenv(key, raising=False)
        importlib.reload(pilot_settings)


@pytest.fixture
def s3_storage(settings, monkeypatch, tmp_path):
    """The S3 backend as STORAGE_BACKEND=s3 configures it, on moto's in-process S3 (no network)."""
    moto = pytest.importorskip("moto")
    import boto3

    import pilot.settings as pilot_settings

    environment = {"STORAGE_BACKEND": "s3", "S3_BUCKET": "pilot-drill", "S3_ACCESS_KEY_ID": "testing",
                   "S3_SECRET_ACCESS_KEY": "testing", "S3_REGION": "us-east-1", "S3_PREFIX": "portal"}
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    try:
        configured = importlib.reload(pilot_settings).STORAGES["default"]
    finally:
        for key in environment:
            monkeypatch.delenv(key)
        importlib.reload(pilot_settings)
    with moto.mock_aws():
        bucket = boto3.resource("s3", region_name="us-east-1").create_bucket(Bucket="pilot-drill")
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        settings.MEDIA_ROOT = locked / "media"
        settings.STORAGES = {**settings.STORAGES, "default": configured}
        yield bucket
        locked.chmod(0o700)


def test_on_the_s3_backend_seals_and_certificate_pdfs_live_in_the_bucket_private_and_streamed(
        s3_storage, as_user, org_a, org_a_user, hubei, hubei_institution, student_user, certificate):  # noqa: F811
    from core.backup.services import storage_names

    response = as_user(org_a_user).post(f"/orgs/{org_a.pk}/seal/upload/", {"file": seal_upload(), "printed_mm": "40"})
    assert response.status_code == 302
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[student_user.person],
                          institution=hubei_institution)
    issued = IssuedCertificate.objects.get(pk=issued.pk)
    keys = {o.key for o in s3_storage.objects.all()}
    seal = OrgSeal.objects.get(org=org_a)
    assert {f"portal/{seal.file.name}", f"portal/{issued.pdf.name}"} <= keys
    acl = s3_storage.Object(f"portal/{issued.pdf.name}").Acl()
    assert all(g["Grantee"].get("URI", "").endswith("AllUsers") is False for g in acl.grants)  # private
    download = as_user(student_user).get(reverse("issued:pdf", args=[issued.number]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content) if download.streaming else download.content
    assert content == s3_storage.Object(f"portal/{issued.pdf.name}").get()["Body"].read()
    # The backup finds every stored file by listing the bucket through the storage API.
    assert {seal.file.name, issued.pdf.name} <= set(storage_names(default_storage))
