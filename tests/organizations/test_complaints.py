"""Complaints (投诉举报): filing with evidence, rate limits, triage, the org's view without the
complainant, and every page tried by the right and the wrong persona."""

import io
import re
import time
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts import personal_data
from accounts.models import AuditEntry, Notification
from accounts.scoping import actor_for
from core import ratelimit
from core.errors import AppError, Forbidden, NotInScope
from organizations.complaints import selectors, services
from organizations.complaints.models import Complaint, ComplaintEvidence, ComplaintNote
from organizations.orgs.models import Org
from tests.organizations.factories import ComplaintFactory, OrgFactory, sample_jpeg, sample_pdf, sample_png

pytestmark = pytest.mark.django_db

Status, Category = Complaint.Status, Complaint.Category
TEXT = "2020年10月考核时按每人次860元收费，另收培训资料费200元，远超上限。"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


def file_complaint(org, *, actor=None, address="10.0.0.1", evidence=(), **overrides):
    data = {"category": Category.EXCESSIVE_FEES, "text": TEXT, "contact_name": "张投诉", "contact": "13800138000"}
    data.update(overrides)
    return services.complaint_file(actor=actor, client_address=address, org_id=org.pk, evidence=list(evidence), **data)


def nothing_saved(tmp_path) -> bool:
    media = tmp_path / "media"
    stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    return Complaint.objects.count() == 0 and ComplaintEvidence.objects.count() == 0 and stored == []


@pytest.fixture
def ministry(ministry_user):
    return actor_for(ministry_user)


# --- filing ------------------------------------------------------------------------------------

def test_anonymous_filing_with_image_and_pdf_evidence(org_a):
    complaint = file_complaint(org_a, evidence=[upload("收费通知.png", sample_png()), upload("收据.pdf", sample_pdf())])
    assert re.fullmatch(r"TS\d{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", complaint.reference)
    assert complaint.status == Status.RECEIVED and complaint.submitted_by is None and complaint.closed_at is None
    assert str(complaint) == complaint.reference
    files = list(complaint.evidence.order_by("pk"))
    assert [(f.original_name, f.content_type) for f in files] == [("收费通知.png", "image/png"),
                                                                  ("收据.pdf", "application/pdf")]
    entry = AuditEntry.objects.get(action="complaint.filed")
    assert entry.actor is None and entry.object_repr == complaint.reference and entry.ip_address is None
    assert "张投诉" not in str(entry.changes) and "13800138000" not in str(entry.changes)


def test_signed_in_submitter_is_recorded(org_a, student_user):
    complaint = file_complaint(org_a, actor=actor_for(student_user), contact="", contact_name="")
    assert complaint.submitted_by == student_user
    assert AuditEntry.objects.get(action="complaint.filed").actor == student_user


def test_references_differ_and_do_not_reveal_the_id(org_a):
    refs = {file_complaint(org_a, address=f"10.0.0.{i}").reference for i in range(5)}
    assert len(refs) == 5


@pytest.mark.parametrize(("contact", "normalized"), [
    ("138 0013 8000", "13800138000"), ("+86 13800138000", "13800138000"), ("010-66096114", "010-66096114"),
    ("02787654321", "02787654321"), ("Wang.Teacher@Example.edu.cn", "wang.teacher@example.edu.cn"), ("", ""),
])
def test_contact_is_validated_and_normalized(contact, normalized):
    assert services.contact_normalize(contact=contact) == normalized


def test_filing_against_any_listed_org_status(org_a):
    for status in (Org.Status.YELLOW_CARD, Org.Status.DELISTED):
        org = OrgFactory(status=status)
        assert file_complaint(org, address=f"10.1.0.{len(status)}").org == org


def _exe():
    return b"MZ\x90\x00\x03" + b"\x00" * 200


def _png_with_zip():
    return sample_png() + b"PK\x03\x04" + b"\x00" * 30


def _jpeg_with_script():
    data = sample_jpeg()
    return data[:-2] + b"<script>alert(document.cookie)</script>" + data[-2:]


BAD_EVIDENCE = [
    ("setup.png", _exe(), "可执行程序"),
    ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "可执行程序"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "不是允许的证据格式"),
    ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "不是允许的证据格式"),
    ("photo.png", _png_with_zip(), "夹带了脚本或其他文件"),
    ("photo.jpg", _jpeg_with_script(), "夹带了脚本或其他文件"),
    ("photo.png", sample_png() + b"trailing-bytes", "末尾附加了其他数据"),
    ("notice.pdf", sample_pdf(javascript="app.alert('x')"), "包含脚本、附件或自动执行的动作"),
    ("notice.pdf", sample_pdf(attachment=b"MZ payload"), "包含脚本、附件或自动执行的动作"),
    ("notice.pdf", sample_pdf() + b"<html><body>hidden</body></html>", "包含脚本"),
    ("notice.pdf", sample_pdf() + b"\nappended-data\n", "末尾附加了其他数据"),
    ("notice.pdf", b"%PDF-1.4\nnot really a pdf\n%%EOF\n", "不是有效的 PDF 文档"),
    ("empty.png", b"", "空文件"),
    ("report.docx", b"PK\x03\x04" + b"\x00" * 40, "不是允许的证据格式"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_EVIDENCE)
def test_bad_evidence_is_refused_and_nothing_is_saved(org_a, tmp_path, name, content, message):
    good = upload("ok.png", sample_png())
    with pytest.raises(AppError) as refused:
        file_complaint(org_a, evidence=[good, upload(name, content)])
    assert message in str(refused.value.message) and refused.value.field == "evidence"
    assert name in str(refused.value.message) or message == "空文件"
    assert nothing_saved(tmp_path)


def test_a_pdf_whose_page_content_happens_to_hold_active_names_is_accepted(org_a):
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(sample_pdf())))
    content = StreamObject()
    content.set_data(b"% /JS ( /Launch /JavaScript\nq Q\n")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    complaint = file_complaint(org_a, evidence=[upload("scan.pdf", buffer.getvalue())])
    assert complaint.evidence.count() == 1


def test_oversized_evidence_is_refused(org_a, tmp_path, settings):
    settings.COMPLAINT_EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(AppError, match="超过上限"):
        file_complaint(org_a, evidence=[upload("big.png", sample_png(size=(400, 400)) + b"\x00" * 2048)])
    assert nothing_saved(tmp_path)


def test_more_than_five_files_are_refused(org_a, tmp_path):
    with pytest.raises(AppError, match="最多 5 个"):
        file_complaint(org_a, evidence=[upload(f"{i}.png", sample_png()) for i in range(6)])
    assert nothing_saved(tmp_path)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"contact": "12345"}, "contact", "联系方式应为"),
    ({"contact": "not-an-email@"}, "contact", "电子邮箱"),
    ({"text": "太贵了"}, "text", "至少 10 个字"),
    ({"text": "超" * 5001}, "text", "最多 5000 个字"),
    ({"text": "          "}, "text", "至少 10 个字"),
    ({"category": "bribery"}, "category", "请选择投诉类别"),
    ({"contact_name": "名" * 65}, "contact_name", "最多 64 个字"),
])
def test_bad_fields_are_refused_and_nothing_is_saved(org_a, tmp_path, overrides, field, message):
    with pytest.raises(AppError) as refused:
        file_complaint(org_a, evidence=[upload("ok.png", sample_png())], **overrides)
    assert refused.value.field == field and message in str(refused.value.message)
    assert nothing_saved(tmp_path)


def test_a_withdrawn_or_unknown_org_cannot_be_named(tmp_path):
    withdrawn = OrgFactory(status=Org.Status.WITHDRAWN)
    with pytest.raises(AppError, match="请选择被投诉的培训评价组织"):
        file_complaint(withdrawn)
    with pytest.raises(AppError, match="请选择被投诉的培训评价组织"):
        services.complaint_file(actor=None, client_address="10.0.0.1", org_id=999999, category=Category.OTHER,
                                text=TEXT)
    assert nothing_saved(tmp_path)


# --- rate limits ---------------------------------------------------------------------------------

@pytest.fixture
def tight_limits(settings):
    settings.COMPLAINT_ANON_MAX_PER_HOUR = 2
    settings.COMPLAINT_ANON_MAX_PER_DAY = 3
    settings.COMPLAINT_USER_MAX_PER_HOUR = 4
    settings.COMPLAINT_USER_MAX_PER_DAY = 10
    return settings


def test_anonymous_filings_are_limited_per_address_per_hour(org_a, tight_limits):
    file_complaint(org_a)
    file_complaint(org_a)
    with pytest.raises(services.ComplaintThrottled) as refused:
        file_complaint(org_a)
    assert "同一网络地址每小时最多提交 2 件投诉" in str(refused.value.message) and refused.value.status == 429
    assert Complaint.objects.count() == 2
    assert file_complaint(org_a, address="10.9.9.9")  # another address has its own allowance


def test_anonymous_daily_limit(org_a, tight_limits, monkeypatch):
    day_start = 19_675 * 86400
    clock = [day_start]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock[0], monotonic=time.monotonic))
    for _hour in range(3):
        file_complaint(org_a)
        clock[0] += 3600  # a new hour, the same day
    with pytest.raises(services.ComplaintThrottled, match="每天最多提交 3 件") as refused:
        file_complaint(org_a)
    assert refused.value.headers == {"Retry-After": str(86400 - 3 * 3600)}  # the rest of the day
    assert Complaint.objects.count() == 3
    clock[0] = day_start + 86400  # the next day
    assert file_complaint(org_a)


def test_refused_filings_do_not_use_up_the_allowance(org_a, tight_limits):
    for _attempt in range(5):
        with pytest.raises(AppError):
            file_complaint(org_a, text="太短")
    file_complaint(org_a)
    file_complaint(org_a)
    assert Complaint.objects.count() == 2


def test_signed_in_users_have_a_higher_limit_of_their_own(org_a, student_user, tight_limits):
    actor = actor_for(student_user)
    for _i in range(4):
        file_complaint(org_a, actor=actor)
    with pytest.raises(services.ComplaintThrottled, match="您的账户每小时最多提交 4 件"):
        file_complaint(org_a, actor=actor)
    file_complaint(org_a)  # the address's anonymous allowance is separate
    assert Complaint.objects.count() == 5


# --- status look-up ------------------------------------------------------------------------------

def test_status_lookup_needs_the_reference_and_the_contact(org_a):
    complaint = file_complaint(org_a, contact="Wang@Example.com")
    found = services.complaint_status_lookup(client_address="1.1.1.1", reference=complaint.reference.lower(),
                                             contact="wang@example.com ")
    assert found == complaint
    for reference, contact in ((complaint.reference, "other@example.com"), (complaint.reference, ""),
                               ("TS2026-AAAA-BBBB", "wang@example.com"), (complaint.reference, "garbage")):
        with pytest.raises(AppError, match="未找到该投诉"):
            services.complaint_status_lookup(client_address="1.1.1.1", reference=reference, contact=contact)


def test_status_lookup_without_contact_and_its_throttle(org_a, settings):
    settings.COMPLAINT_LOOKUP_MAX_PER_HOUR = 3
    complaint = file_complaint(org_a, contact="", contact_name="")
    for _i in range(3):
        assert services.complaint_status_lookup(client_address="2.2.2.2", reference=complaint.reference) == complaint
    with pytest.raises(services.ComplaintThrottled, match="查询过于频繁"):
        services.complaint_status_lookup(client_address="2.2.2.2", reference=complaint.reference)


# --- triage --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    [Status.INVESTIGATING, Status.UPHELD], [Status.INVESTIGATING, Status.DISMISSED], [Status.UPHELD],
    [Status.DISMISSED],
])
def test_allowed_transitions(ministry, org_a, path):
    complaint = ComplaintFactory(org=org_a)
    for target in path:
        before = complaint.status
        complaint = services.complaint_transition(actor=ministry, complaint=complaint, status=target, note=f"转为{target}")
        note = complaint.notes.last()
        assert (note.status_before, note.status_after, note.author) == (before, target, ministry.user)
    assert complaint.closed_at is not None and complaint.status_changed_at is not None
    entries = AuditEntry.objects.filter(action="complaint.status_changed", object_id=str(complaint.pk))
    assert entries.count() == len(path)
    assert entries.first().changes["status"] == [path[-2] if len(path) > 1 else Status.RECEIVED, path[-1]]


@pytest.mark.parametrize(("start", "target", "message"), [
    (Status.INVESTIGATING, Status.RECEIVED, "不能从“调查中”改为“已受理”"),
    (Status.INVESTIGATING, Status.INVESTIGATING, "不能从“调查中”改为“调查中”"),
    (Status.RECEIVED, Status.RECEIVED, "不能从“已受理”改为“已受理”"),
    (Status.UPHELD, Status.DISMISSED, "已办结（属实）"),
    (Status.DISMISSED, Status.INVESTIGATING, "已办结（不属实）"),
    (Status.UPHELD, Status.UPHELD, "已办结"),
    (Status.RECEIVED, "closed", "目标状态无效"),
])
def test_forbidden_transitions_change_nothing(ministry, org_a, start, target, message):
    complaint = ComplaintFactory(org=org_a, status=start)
    with pytest.raises(AppError, match=message):
        services.complaint_transition(actor=ministry, complaint=complaint, status=target, note="尝试")
    complaint.refresh_from_db()
    assert complaint.status == start and ComplaintNote.objects.count() == 0
    assert not AuditEntry.objects.filter(action="complaint.status_changed").exists()


def test_a_transition_needs_a_note(ministry, org_a):
    complaint = ComplaintFactory(org=org_a)
    with pytest.raises(AppError, match="请填写处理意见") as refused:
        services.complaint_transition(actor=ministry, complaint=complaint, status=Status.UPHELD, note="  ")
    assert refused.value.field == "note"
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED


@pytest.mark.parametrize("persona", ["org_a_user", "hubei_user", "hubei_institution_user", "student_user"])
def test_only_the_ministry_triages(request, org_a, persona):
    actor = actor_for(request.getfixturevalue(persona))
    complaint = ComplaintFactory(org=org_a)
    with pytest.raises(Forbidden):
        services.complaint_transition(actor=actor, complaint=complaint, status=Status.DISMISSED, note="无")
    with pytest.raises(Forbidden):
        services.complaint_note_add(actor=actor, complaint=complaint, note="无")
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED and not complaint.notes.exists()


def test_upholding_notifies_the_org_of_the_substance_never_the_complainant(ministry, org_a, org_a_user, org_b_user,
                                                                           student_user):
    complaint = file_complaint(org_a, actor=actor_for(student_user), contact="wang@example.com", contact_name="王某某")
    services.complaint_transition(actor=ministry, complaint=complaint, status=Status.INVESTIGATING, note="开始核查")
    assert not Notification.objects.filter(category="complaint").exists()
    services.complaint_transition(actor=ministry, complaint=complaint, status=Status.UPHELD, note="经核实收费超标，责令退费。")
    notification = Notification.objects.get(user=org_a_user)
    text = notification.title_text + notification.body_text + str(notification.params)
    assert "高收费" in text and "860元" in text and "责令退费" in text and complaint.reference in text
    for secret in ("王某某", "wang@example.com", student_user.username, student_user.full_name):
        assert secret not in text
    assert notification.link == f"/orgs/complaints/{complaint.pk}/"
    assert not Notification.objects.filter(user=org_b_user).exists()


def test_an_internal_upholding_note_stays_out_of_the_notification(ministry, org_a, org_a_user):
    complaint = ComplaintFactory(org=org_a)
    services.complaint_transition(actor=ministry, complaint=complaint, status=Status.UPHELD,
                                  note="投诉人张投诉电话反映了更多细节", internal=True)
    notification = Notification.objects.get(user=org_a_user)
    assert "张投诉" not in notification.body_text and "张投诉" not in str(notification.params)


def test_notes_without_a_status_change(ministry, org_a):
    complaint = ComplaintFactory(org=org_a, status=Status.UPHELD)
    note = services.complaint_note_add(actor=ministry, complaint=complaint, note="组织已退还超收费用。")
    assert (note.status_before, note.status_after, note.internal) == (Status.UPHELD, Status.UPHELD, False)
    assert AuditEntry.objects.filter(action="complaint.note_added").count() == 1
    with pytest.raises(AppError, match="请填写处理意见"):
        services.complaint_note_add(actor=ministry, complaint=complaint, note="")


def test_upheld_counts_per_org_and_category(ministry, org_a, org_b):
    ComplaintFactory(org=org_a, status=Status.UPHELD, category=Category.EXCESSIVE_FEES)
    ComplaintFactory(org=org_a, status=Status.UPHELD, category=Category.EXCESSIVE_FEES)
    ComplaintFactory(org=org_a, status=Status.UPHELD, category=Category.BUNDLED_SALES)
    ComplaintFactory(org=org_a, status=Status.DISMISSED, category=Category.BUNDLED_SALES)
    ComplaintFactory(org=org_a, status=Status.INVESTIGATING, category=Category.INACTION)
    ComplaintFactory(org=org_b, status=Status.UPHELD, category=Category.LENIENT_ASSESSMENT)
    counts = selectors.complaints_upheld_counts(org_a)
    assert counts == {"bundled_sales": 1, "excessive_fees": 2, "lenient_assessment": 0, "false_publicity": 0,
                      "inaction": 0, "other": 0, "total": 3}
    assert selectors.complaints_upheld_counts(OrgFactory().pk)["total"] == 0
    table = selectors.complaints_upheld_table(ministry)
    assert [(r["org_name"], r["total"]) for r in table] == [(org_a.name, 3), (org_b.name, 1)]
    assert table[0]["cells"] == [1, 2, 0, 0, 0, 0]


# --- selectors: scope ------------------------------------------------------------------------------

def test_org_record_has_no_complainant_fields(org_a, org_a_user, ministry):
    complaint = ComplaintFactory(org=org_a, submitted_by=org_a_user)
    services.complaint_note_add(actor=ministry, complaint=complaint, note="内部：投诉人张投诉", internal=True)
    services.complaint_note_add(actor=ministry, complaint=complaint, note="请组织说明收费依据")
    record = selectors.complaint_access(actor_for(org_a_user), complaint.pk).obj
    fields = set(vars(record))
    assert not fields & {"contact", "contact_name", "submitted_by", "submitted_by_id", "ip_address"}
    assert [n.text for n in record.notes] == ["请组织说明收费依据"]


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_agency_user", "hubei_institution_user",
                                     "hubei_alliance_user", "student_user"])
def test_other_roles_read_no_complaints(request, org_a, persona):
    actor = actor_for(request.getfixturevalue(persona))
    complaint = ComplaintFactory(org=org_a)
    with pytest.raises(Forbidden):
        selectors.complaints_visible(actor)
    with pytest.raises(NotInScope):
        selectors.complaint_access(actor, complaint.pk)


# --- pages: the public ------------------------------------------------------------------------------

def _form_data(org, **extra):
    data = {"org": org.pk, "category": Category.BUNDLED_SALES, "text": "要求院校购买指定实训设备才能承办考核。",
            "contact_name": "王老师", "contact": "13907100123"}
    data.update(extra)
    return data


def test_public_form_lists_the_orgs_that_can_be_named(client, org_a):
    yellow = OrgFactory(name="黄牌组织", status=Org.Status.YELLOW_CARD)
    OrgFactory(name="已退出组织", status=Org.Status.WITHDRAWN)
    page = client.get("/orgs/complaints/new/").content.decode()
    assert org_a.name in page and f"{yellow.name}（黄牌警告）" in page and "已退出组织" not in page


def test_anonymous_visitor_files_and_gets_a_receipt(client, org_a):
    response = client.post("/orgs/complaints/new/", _form_data(
        org_a, evidence=[upload("现场照片.jpg", sample_jpeg()), upload("合同.pdf", sample_pdf())]))
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == "/orgs/complaints/receipt/"
    assert complaint.reference not in response["Location"]
    assert complaint.evidence.count() == 2 and complaint.submitted_by is None
    receipt = client.get("/orgs/complaints/receipt/").content.decode()
    assert complaint.reference in receipt and "已受理" in receipt


def test_receipt_without_a_filing_goes_to_the_form(client):
    assert client.get("/orgs/complaints/receipt/")["Location"] == "/orgs/complaints/new/"


def test_bad_evidence_on_the_page_shows_the_reason(client, org_a, tmp_path):
    response = client.post("/orgs/complaints/new/", _form_data(org_a, evidence=[upload("tool.jpg", _exe())]))
    assert response.status_code == 200 and "可执行程序" in response.content.decode()
    assert nothing_saved(tmp_path)


def test_throttled_visitor_sees_why(client, org_a, settings):
    settings.COMPLAINT_ANON_MAX_PER_HOUR = 1
    assert client.post("/orgs/complaints/new/", _form_data(org_a)).status_code == 302
    response = client.post("/orgs/complaints/new/", _form_data(org_a))
    assert response.status_code == 429 and "每小时最多提交 1 件投诉" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert Complaint.objects.count() == 1


def test_throttled_status_lookup_page_says_when_to_come_back(client, org_a, settings):
    settings.COMPLAINT_LOOKUP_MAX_PER_HOUR = 1
    complaint = file_complaint(org_a, address="127.0.0.1")
    assert client.post("/orgs/complaints/status/", {"reference": complaint.reference}).status_code == 200
    refused = client.post("/orgs/complaints/status/", {"reference": complaint.reference})
    assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 3600


def test_signed_in_filing_records_the_account(as_user, hubei_institution_user, org_a):
    as_user(hubei_institution_user).post("/orgs/complaints/new/", _form_data(org_a))
    assert Complaint.objects.get().submitted_by == hubei_institution_user


def test_public_status_page_shows_only_status_and_dates(client, ministry, org_a):
    complaint = ComplaintFactory(org=org_a, text="内部细节不应出现在查询结果中", contact="13800138000")
    services.complaint_transition(actor=ministry, complaint=complaint, status=Status.INVESTIGATING, note="核查意见细节")
    page = client.post("/orgs/complaints/status/", {"reference": complaint.reference, "contact": "138 0013 8000"})
    html = page.content.decode()
    assert "调查中" in html and complaint.reference in html
    for hidden in ("内部细节", "核查意见细节", org_a.name, "张投诉"):
        assert hidden not in html
    wrong = client.post("/orgs/complaints/status/", {"reference": complaint.reference, "contact": "13900000000"})
    assert "未找到该投诉" in wrong.content.decode() and "调查中" not in wrong.content.decode()


# --- pages: the ministry ---------------------------------------------------------------------------

@pytest.fixture
def complaints(org_a, org_b, student_user):
    received = ComplaintFactory(org=org_a, category=Category.EXCESSIVE_FEES, contact="13800138000",
                                submitted_by=student_user)
    upheld = ComplaintFactory(org=org_a, category=Category.BUNDLED_SALES, status=Status.UPHELD,
                              contact="wang@example.com", contact_name="王某某")
    other = ComplaintFactory(org=org_b, category=Category.INACTION, status=Status.INVESTIGATING, contact="")
    return received, upheld, other


def test_ministry_list_filters_counts_and_exports(as_user, ministry_user, complaints, org_a):
    received, upheld, other = complaints
    client = as_user(ministry_user)
    page = client.get("/orgs/complaints/").content.decode()
    assert all(c.reference in page for c in complaints) and "13800138000" in page
    page = client.get("/orgs/complaints/", {"org": org_a.pk, "status": "upheld"}).content.decode()
    assert upheld.reference in page and received.reference not in page and other.reference not in page
    assert client.get("/orgs/complaints/", {"category": "inaction"}).context["page"].paginator.count == 1
    counts = client.get("/orgs/complaints/", {"org": org_a.pk}).context["counts"]
    assert (counts["received"], counts["upheld"], counts["investigating"], counts["total"]) == (1, 1, 0, 2)
    export = client.get("/orgs/complaints/", {"export": "xlsx", "status": "upheld"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][0] == "受理编号" and len(rows) == 2 and rows[1][0] == upheld.reference and "王某某" in rows[1]


def test_ministry_detail_shows_everything_and_triages(as_user, ministry_user, complaints, org_a_user):
    received = complaints[0]
    client = as_user(ministry_user)
    html = client.get(f"/orgs/complaints/{received.pk}/").content.decode()
    assert "13800138000" in html and received.submitted_by.username in html and received.text in html
    response = client.post(f"/orgs/complaints/{received.pk}/transition/", {"status": "upheld", "note": "经核实属实"})
    assert response.status_code == 302
    received.refresh_from_db()
    assert received.status == Status.UPHELD and received.closed_at
    assert Notification.objects.filter(user=org_a_user).count() == 1
    refused = client.post(f"/orgs/complaints/{received.pk}/transition/", {"status": "dismissed", "note": "改判"})
    assert refused.status_code == 400 and "已办结（属实）" in refused.content.decode()
    response = client.post(f"/orgs/complaints/{received.pk}/note/", {"note": "已督促退费", "internal": "on"})
    assert response.status_code == 302 and received.notes.filter(internal=True).count() == 1
    assert client.post(f"/orgs/complaints/{received.pk}/note/", {"note": ""}).status_code == 400


def test_ministry_downloads_evidence_as_uploaded(as_user, ministry_user, org_a):
    jpeg = sample_jpeg(artist="王某某")
    complaint = file_complaint(org_a, evidence=[upload("王某某拍摄.jpg", jpeg)])
    evidence = complaint.evidence.get()
    response = as_user(ministry_user).get(f"/orgs/complaints/evidence/{evidence.pk}/")
    assert b"".join(response.streaming_content) == jpeg
    assert "attachment" in response["Content-Disposition"]


def test_evidence_missing_on_disk_is_a_clear_410_for_the_ministry_and_the_org(as_user, ministry_user, org_a_user,
                                                                              org_a):
    complaint = file_complaint(org_a, evidence=[upload("现场.jpg", sample_jpeg())])
    evidence = complaint.evidence.get()
    evidence.file.storage.delete(evidence.file.name)
    for user in (ministry_user, org_a_user):  # the file as uploaded; the org's copy without metadata
        response = as_user(user).get(f"/orgs/complaints/evidence/{evidence.pk}/")
        assert response.status_code == 410 and "文件在服务器上缺失" in response.content.decode()


def test_upheld_page_and_export(as_user, ministry_user, complaints, org_a):
    client = as_user(ministry_user)
    assert org_a.name in client.get("/orgs/complaints/upheld/").content.decode()
    rows = list(load_workbook(io.BytesIO(client.get("/orgs/complaints/upheld/?export=xlsx").content)).active.values)
    assert rows[1][0] == org_a.name and rows[1][-1] == 1


def test_ministry_todo_counts_pending_complaints(as_user, ministry_user, complaints):
    todos = as_user(ministry_user).get("/").context["todos"]
    assert any(t.title == "待处理的投诉举报" and t.count == 2 for t in todos)


# --- pages: the org never sees the complainant ---------------------------------------------------

def test_org_sees_its_own_complaints_without_the_complainant(as_user, org_a_user, ministry, complaints, student_user):
    received, upheld, other = complaints
    services.complaint_note_add(actor=ministry, complaint=upheld, note="内部备注：王某某另有录音", internal=True)
    services.complaint_note_add(actor=ministry, complaint=upheld, note="请贵组织于10日内说明情况")
    client = as_user(org_a_user)
    listing = client.get("/orgs/complaints/").content.decode()
    assert received.reference in listing and upheld.reference in listing and other.reference not in listing
    detail = client.get(f"/orgs/complaints/{upheld.pk}/").content.decode()
    assert upheld.text in detail and "属实" in detail and "请贵组织于10日内说明情况" in detail
    for secret in ("王某某", "wang@example.com", "内部备注", "13800138000", student_user.username, "联系方式"):
        assert secret not in detail and secret not in listing
    export = client.get("/orgs/complaints/?export=xlsx")
    cells = [str(v) for row in load_workbook(io.BytesIO(export.content)).active.values for v in row]
    assert upheld.reference in cells and not any("王某某" in c or "wang@" in c or "138001" in c for c in cells)


def test_org_gets_evidence_without_its_metadata_or_file_name(as_user, org_a_user, org_a):
    complaint = file_complaint(org_a, evidence=[upload("王某某拍摄.jpg", sample_jpeg(artist="Wang Mou")),
                                                upload("王某某.png", sample_png(text_chunk="Wang Mou")),
                                                upload("王某某的合同.pdf", sample_pdf(author="Wang Mou"))])
    client = as_user(org_a_user)
    detail = client.get(f"/orgs/complaints/{complaint.pk}/").content.decode()
    assert "王某某" not in detail and "证据1（图片）" in detail and "证据3（文档）" in detail
    for evidence in complaint.evidence.all():
        response = client.get(f"/orgs/complaints/evidence/{evidence.pk}/")
        body = b"".join(response.streaming_content)
        assert response.status_code == 200 and b"Wang Mou" not in body
        assert "%E7%8E%8B" not in response["Content-Disposition"] and "王" not in response["Content-Disposition"]
        assert "attachment" in response["Content-Disposition"]
    from PIL import Image

    jpeg = complaint.evidence.get(content_type="image/jpeg")
    body = b"".join(client.get(f"/orgs/complaints/evidence/{jpeg.pk}/").streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (64, 48) and not image.getexif()


def test_org_cannot_reach_another_orgs_complaint_or_triage(as_user, org_b_user, org_a_user, complaints):
    received = complaints[0]
    evidence = ComplaintEvidence.objects.create(complaint=received, stored_name="x.png", original_name="x.png",
                                                content_type="image/png", size=1, file="complaints/x.png")
    client = as_user(org_b_user)
    assert client.get(f"/orgs/complaints/{received.pk}/").status_code == 404
    assert client.get(f"/orgs/complaints/evidence/{evidence.pk}/").status_code == 404
    assert client.post(f"/orgs/complaints/{received.pk}/transition/", {"status": "dismissed", "note": "x"}).status_code == 404
    assert client.get("/orgs/complaints/upheld/").status_code == 403
    own = as_user(org_a_user)
    assert own.post(f"/orgs/complaints/{received.pk}/transition/", {"status": "dismissed", "note": "x"}).status_code == 403
    assert own.post(f"/orgs/complaints/{received.pk}/note/", {"note": "x"}).status_code == 403
    received.refresh_from_db()
    assert received.status == Status.RECEIVED and not received.notes.exists()


@pytest.mark.parametrize("persona", ["hubei_user", "shandong_user", "hubei_agency_user", "hubei_alliance_user",
                                     "hubei_institution_user", "student_user", "social_learner_user"])
def test_provinces_institutions_and_students_have_no_access(request, as_user, persona, complaints):
    received = complaints[0]
    evidence = ComplaintEvidence.objects.create(complaint=received, stored_name="x.png", original_name="x.png",
                                                content_type="image/png", size=1, file="complaints/x.png")
    client = as_user(request.getfixturevalue(persona))
    assert client.get("/orgs/complaints/").status_code == 403
    assert client.get("/orgs/complaints/?export=xlsx").status_code == 403
    assert client.get("/orgs/complaints/upheld/").status_code == 403
    assert client.get(f"/orgs/complaints/{received.pk}/").status_code == 404
    assert client.get(f"/orgs/complaints/evidence/{evidence.pk}/").status_code == 404
    assert client.post(f"/orgs/complaints/{received.pk}/transition/", {"status": "dismissed", "note": "x"}).status_code == 404
    assert client.post(f"/orgs/complaints/{received.pk}/note/", {"note": "x"}).status_code == 404
    assert client.get("/orgs/complaints/new/").status_code == 200  # but anyone may file


def test_anonymous_visitors_are_sent_to_sign_in(client, complaints):
    for url in ("/orgs/complaints/", f"/orgs/complaints/{complaints[0].pk}/", "/orgs/complaints/upheld/"):
        assert client.get(url)["Location"].startswith("/account/login/")


# --- demo data ---------------------------------------------------------------------------------------

def test_demo_complaints_cover_each_state_and_are_idempotent():
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    by_category = dict(Complaint.objects.values_list("category", "status"))
    assert by_category[Category.EXCESSIVE_FEES] == Status.UPHELD
    assert by_category[Category.BUNDLED_SALES] == Status.INVESTIGATING
    assert set(by_category.values()) == set(Status.values)
    assert Complaint.objects.count() == 4
    upheld = Complaint.objects.get(status=Status.UPHELD)
    assert upheld.closed_at and upheld.evidence.count() == 1
    assert Notification.objects.filter(category="complaint", user__username="org_care").count() == 1


# --- access decisions and the personal-data policy -------------------------------------------------

@pytest.mark.parametrize(("persona", "flags"), [
    ("ministry_user", {"list", "triage", "filter_by_org", "statistics"}), ("org_a_user", {"list"}),
    ("hubei_user", set()), ("hubei_alliance_user", set()), ("hubei_institution_user", set()), ("student_user", set())])
def test_the_pages_access_per_persona(request, persona, flags):
    assert selectors.complaints_access(actor_for(request.getfixturevalue(persona))) == flags


def test_only_triage_gets_the_complaint_itself_everyone_else_the_substance(org_a, ministry, org_a_user):
    complaint = ComplaintFactory(org=org_a, contact="13800138000")
    full = selectors.complaint_access(ministry, complaint.pk)
    assert full.may == {"triage"} and full.obj == complaint
    substance = selectors.complaint_access(actor_for(org_a_user), complaint.pk)
    assert not substance.may and isinstance(substance.obj, selectors.OrgComplaint)
    assert substance.show("complainant", complaint.contact) is None


def test_the_complainant_is_shown_only_through_the_policy(as_user, ministry_user, complaints, monkeypatch):
    """Every output of the triage pages renders the complainant through accounts.personal_data: with
    the policy hiding it from everyone, the ministry's list, detail and export show none of it and
    evidence goes out as the neutral copy."""
    received, upheld, _other = complaints
    with_evidence = file_complaint(received.org, evidence=[upload("王某某拍摄.jpg", sample_jpeg(artist="Wang Mou"))])
    monkeypatch.setitem(personal_data.POLICY, personal_data.Field.COMPLAINANT, {})
    client = as_user(ministry_user)
    listing = client.get("/orgs/complaints/").content.decode()
    detail = client.get(f"/orgs/complaints/{received.pk}/").content.decode()
    assert received.reference in listing and received.text in detail
    for secret in ("13800138000", "wang@example.com", "王某某", "张投诉", received.submitted_by.username):
        assert secret not in listing and secret not in detail
    export = client.get("/orgs/complaints/", {"export": "xlsx"})
    cells = [str(v) for row in load_workbook(io.BytesIO(export.content)).active.values for v in row]
    assert upheld.reference in cells and not any("13800138000" in c or "王某某" in c for c in cells)
    download = client.get(f"/orgs/complaints/evidence/{with_evidence.evidence.get().pk}/")
    assert b"Wang Mou" not in b"".join(download.streaming_content) and "%E7%8E%8B" not in download["Content-Disposition"]
