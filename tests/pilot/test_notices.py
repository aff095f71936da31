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


DOCX_PARTS = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in DOCX_PARTS.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_draft_is_the_ministrys_until_published(as_user, ministry_user, client):
    ministry = as_user(ministry_user)
    ministry.post("/notices/new/", {"title": "关于公布第四批职业技能等级证书的通知", "category": "policy",
                                    "body": "现将第四批证书名单予以公布。", "action": "draft"})
    notice = Notice.objects.get()
    assert notice.published_at is None and AuditEntry.objects.filter(action="notice.drafted").exists()
    assert "草稿" in ministry.get(f"/notices/{notice.pk}/").content.decode()
    client.logout()
    assert client.get(f"/notices/{notice.pk}/").status_code == 404
    assert "第四批职业技能等级证书" not in client.get("/notices/").content.decode()
    assert "第四批职业技能等级证书" not in client.get("/").content.decode()
    as_user(ministry_user).post(f"/notices/{notice.pk}/publish/")
    client.logout()
    assert client.get(f"/notices/{notice.pk}/").status_code == 200
    home = client.get("/").content.decode()
    assert "第四批职业技能等级证书" in home  # under 政策文件 on the public home
    assert as_user(ministry_user).post(f"/notices/{notice.pk}/publish/").status_code == 403  # published already


def test_the_ministry_corrects_a_notice_and_its_attachments(as_user, ministry_user, client):
    ministry = as_user(ministry_user)
    _post(ministry, attachments=[SimpleUploadedFile("旧方案.pdf", PDF, "application/pdf")])
    notice = Notice.objects.get()
    old = notice.attachments.get()
    response = ministry.post(f"/notices/{notice.pk}/edit/", {
        "title": "关于开展第四批证书遴选的通知（更正）", "category": "notice", "document_number": "教职成司函〔2020〕1号",
        "body": "更正后的正文。", "remove_attachments": [old.pk],
        "attachments": [SimpleUploadedFile("申报表.docx", _docx())]})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title.endswith("（更正）") and notice.is_public
    assert [a.original_name for a in notice.attachments.all()] == ["申报表.docx"]
    assert notice.attachments.get().content_type.endswith("wordprocessingml.document")
    entry = AuditEntry.objects.get(action="notice.edited")
    assert "title" in entry.changes and "attachments" in entry.changes


def test_a_bad_attachment_on_an_edit_changes_nothing(as_user, ministry_user):
    ministry = as_user(ministry_user)
    _post(ministry)
    notice = Notice.objects.get()
    response = ministry.post(f"/notices/{notice.pk}/edit/", {
        "title": "改过的标题", "category": "notice", "body": "改过的正文。",
        "attachments": [SimpleUploadedFile("表格.xlsx", b"PK\x03\x04 not a zip at all")]})
    assert response.status_code == 200 and "不是允许的格式" in response.content.decode()
    notice.refresh_from_db()
    assert notice.title == "关于开展第四批证书遴选的通知" and notice.attachments.count() == 0


def test_too_many_attachments_are_refused(as_user, ministry_user):
    files = [SimpleUploadedFile(f"附件{i}.pdf", PDF, "application/pdf") for i in range(11)]
    response = _post(as_user(ministry_user), attachments=files)
    assert "附件最多 10 个" in response.content.decode() and Notice.objects.count() == 0


@pytest.mark.parametrize("persona", ["hubei_user", "org_a_user", "hubei_institution_user", "student_user"])
def test_only_the_ministry_edits_publishes_or_withdraws(request, as_user, ministry_user, persona):
    ministry = as_user(ministry_user)
    _post(ministry)
    ministry.post("/notices/new/", {"title": "草稿", "category": "notice", "body": "草稿正文", "action": "draft"})
    public, draft = Notice.objects.get(published_at__isnull=False), Notice.objects.get(published_at__isnull=True)
    other = as_user(request.getfixturevalue(persona))
    assert other.get(f"/notices/{public.pk}/edit/").status_code == 403
    assert other.post(f"/notices/{public.pk}/edit/", {"title": "x", "category": "notice", "body": "x"}).status_code == 403
    assert other.post(f"/notices/{public.pk}/withdraw/").status_code == 403
    assert other.post(f"/notices/{draft.pk}/publish/").status_code == 404  # a draft is not theirs to see
    assert other.get("/notices/new/").status_code == 403
    public.refresh_from_db()
    draft.refresh_from_db()
    assert public.title == "关于开展第四批证书遴选的通知" and public.is_public and draft.published_at is None


def test_anonymous_visitors_are_sent_to_sign_in_for_the_ministrys_pages(client, ministry_user, as_user):
    _post(as_user(ministry_user))
    notice = Notice.objects.get()
    client.logout()
    for url in ("/notices/new/", f"/notices/{notice.pk}/edit/"):
        assert client.get(url)["Location"].startswith("/account/login/")
    assert client.post(f"/notices/{notice.pk}/withdraw/").status_code == 302
    notice.refresh_from_db()
    assert notice.is_public


def test_notice_pages_are_cacheable_for_visitors(as_user, ministry_user, client):
    _post(as_user(ministry_user), attachments=[SimpleUploadedFile("方案.pdf", PDF, "application/pdf")])
    notice = Notice.objects.get()
    ministry_page = as_user(ministry_user).get(f"/notices/{notice.pk}/")
    assert "public" not in ministry_page["Cache-Control"]
    client.logout()
    for url in ("/notices/", f"/notices/{notice.pk}/", f"/notices/attachments/{notice.attachments.get().pk}/"):
        response = client.get(url)
        assert "public" in response["Cache-Control"], url
        assert "Cookie" in response["Vary"], url
