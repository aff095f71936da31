import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry
from pilot.models import Notice, NoticeAttachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _post(client, **files):
    data = {"title": "关于开展第四批证书遴选的通知", "category": "notice", "document_number": "教职成司函〔2020〕1号",
            "body": "各省级教育行政部门：现将有关事项通知如下。"}
    data.update(files)
    return client.post("/notices/new/", data)


def test_ministry_publishes_a_notice_with_a_policy_document(as_user, ministry_user, client):
    response = _post(as_user(ministry_user), attachments=[SimpleUploadedFile("方案.pdf", PDF, "application/pdf")])
    notice = Notice.objects.get()
    assert response.status_code == 302 and notice.is_public
    attachment = notice.attachments.get()
    assert attachment.original_name == "方案.pdf" and attachment.content_type == "application/pdf"
    assert AuditEntry.objects.filter(action="notice.published").exists()
    client.logout()
    # Anyone, signed in or not, reads the notice and downloads its attachment.
    assert "第四批证书遴选" in client.get("/notices/").content.decode()
    download = client.get(f"/notices/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 100, "可执行程序"),
    ("report.pdf", b"<html><script>alert(1)</script></html>", "不是允许的格式"),
    ("empty.pdf", b"", "空文件"),
])
def test_bad_attachments_are_refused_and_nothing_is_saved(as_user, ministry_user, name, content, message):
    response = _post(as_user(ministry_user), attachments=[SimpleUploadedFile("ok.pdf", PDF),
                                                          SimpleUploadedFile(name, content)])
    assert response.status_code == 200 and message in response.content.decode()
    assert Notice.objects.count() == 0 and NoticeAttachment.objects.count() == 0


def test_oversized_attachment_is_refused(as_user, ministry_user, settings):
    settings.NOTICE_ATTACHMENT_MAX_BYTES = 1024
    response = _post(as_user(ministry_user), attachments=[SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)])
    assert "超过上限" in response.content.decode()
    assert Notice.objects.count() == 0


def test_missing_title_is_a_form_error(as_user, ministry_user):
    response = as_user(ministry_user).post("/notices/new/", {"category": "notice", "body": "x"})
    assert response.status_code == 200 and Notice.objects.count() == 0


def test_withdrawn_notices_disappear_for_the_public(as_user, ministry_user, client):
    _post(as_user(ministry_user))
    notice = Notice.objects.get()
    as_user(ministry_user).post(f"/notices/{notice.pk}/withdraw/")
    client.logout()
    assert client.get(f"/notices/{notice.pk}/").status_code == 404


def test_only_the_ministry_publishes(as_user, hubei_user):
    assert _post(as_user(hubei_user)).status_code == 403
    assert Notice.objects.count() == 0


def test_an_attachment_missing_on_disk_is_a_clear_410(as_user, ministry_user, client):
    _post(as_user(ministry_user), attachments=[SimpleUploadedFile("方案.pdf", PDF, "application/pdf")])
    attachment = NoticeAttachment.objects.get()
    attachment.file.storage.delete(attachment.file.name)
    client.logout()
    response = client.get(f"/notices/attachments/{attachment.pk}/")
    assert response.status_code == 410 and "文件在服务器上缺失" in response.content.decode()
