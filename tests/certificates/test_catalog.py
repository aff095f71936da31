"""The X-certificate catalog: services, status transitions, selectors, filters, public pages and
the ministry's editing pages."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from certificates.batches.models import SelectionBatch
from certificates.catalog import selectors
from certificates.catalog.filters import CertificateFilter
from certificates.catalog.models import AssessmentType, Certificate, CertificateLevel, CertificateStandard, Level
from certificates.catalog.services import (
    assessment_type_of,
    certificate_create,
    certificate_publish,
    certificate_skills_set,
    certificate_standard_upload,
    certificate_status_set,
    certificate_update,
)
from core.errors import AppError, Forbidden, NotInScope
from organizations.orgs.models import Org
from tests.certificates.factories import (
    CertificateFactory,
    CertificateLevelFactory,
    SelectionBatchFactory,
    certificate_with_levels,
)
from tests.organizations.factories import OrgFactory

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LEVELS = [{"level": Level.JUNIOR, "assessment_type": AssessmentType.COMPUTER},
          {"level": Level.INTERMEDIATE, "assessment_types": [AssessmentType.PAPER, AssessmentType.PRACTICAL_GENERAL],
           "full_mark": "150", "pass_mark": "90"}]


@pytest.fixture
def ministry(ministry_user):
    return actor_for(ministry_user)


@pytest.fixture
def batch3():
    return SelectionBatchFactory(number=3)


@pytest.fixture
def batch4():
    return SelectionBatchFactory(number=4)


def _create(actor, **kwargs):
    data = {"code": "x03077", "name": "数字孪生应用", "org": kwargs.pop("org", None) or OrgFactory(),
            "batch": kwargs.pop("batch", None) or SelectionBatchFactory(number=3), "field": "信息技术",
            "levels": LEVELS, "majors": [("510203", "软件技术"), "计算机应用技术", "软件技术"]}
    data.update(kwargs)
    return certificate_create(actor=actor, **data)


# --- services -------------------------------------------------------------------------------

def test_ministry_creates_a_certificate_with_levels_and_majors(ministry, batch3):
    certificate = _create(ministry, batch=batch3)
    assert certificate.code == "X03077" and certificate.status == Certificate.Status.PUBLISHED
    levels = {lv.level: lv for lv in certificate.levels.all()}
    assert levels[Level.JUNIOR].assessment_type == AssessmentType.COMPUTER
    # A level combining paper and general-equipment practical parts is capped as the dearer part.
    assert levels[Level.INTERMEDIATE].assessment_type == AssessmentType.PRACTICAL_GENERAL
    assert (levels[Level.INTERMEDIATE].full_mark, levels[Level.INTERMEDIATE].pass_mark) == (150, 90)
    assert list(certificate.majors.values_list("major_code", "major_name")) == [("510203", "软件技术"), ("", "计算机应用技术")]
    entry = AuditEntry.objects.get(action="certificate.created")
    assert entry.object_id == str(certificate.pk) and entry.changes["code"] == [None, "X03077"]


def test_a_certificate_of_an_unpublished_batch_waits_in_application(ministry):
    batch = SelectionBatchFactory(number=5, status=SelectionBatch.Status.REVIEWING)
    assert _create(ministry, batch=batch).status == Certificate.Status.APPLIED


def test_duplicate_code_is_refused_with_the_holder_named(ministry, batch3):
    CertificateFactory(code="X03077", name="Web前端开发")
    with pytest.raises(AppError) as error:
        _create(ministry, batch=batch3)
    assert error.value.field == "code"
    assert str(error.value.message) == "证书代码“X03077”已被证书“Web前端开发”使用，请换一个代码。"
    assert Certificate.objects.count() == 1 and not AuditEntry.objects.filter(action="certificate.created").exists()


@pytest.mark.parametrize(("levels", "message"), [
    ([{"level": "junior", "assessment_type": "computer", "pass_mark": "101"}], "“初级”的合格分数应在 0 到满分 100 之间"),
    ([{"level": "junior", "assessment_type": "computer", "pass_mark": "-1"}], "“初级”的合格分数应在 0 到满分 100 之间"),
    ([{"level": "senior", "assessment_type": "computer", "full_mark": "50", "pass_mark": "60"}], "“高级”的合格分数"),
    ([{"level": "junior", "assessment_type": "computer", "pass_mark": "60.25"}], "最多保留一位小数"),
    ([{"level": "junior", "assessment_type": "computer"}, {"level": "junior", "assessment_type": "paper"}], "重复"),
    ([{"level": "junior"}], "请为“初级”选择考核方式"),
    ([{"level": "expert", "assessment_type": "paper"}], "等级“expert”无效"),
    ([], "至少要设置一个等级"),
])
def test_bad_levels_are_refused_and_nothing_is_saved(ministry, batch3, levels, message):
    with pytest.raises(AppError) as error:
        _create(ministry, batch=batch3, levels=levels)
    assert message in str(error.value.message)
    assert Certificate.objects.count() == 0 and CertificateLevel.objects.count() == 0


def test_pass_mark_may_equal_the_full_mark_or_zero(ministry, batch3):
    certificate = _create(ministry, batch=batch3, levels=[
        {"level": "junior", "assessment_type": "paper", "full_mark": "100", "pass_mark": "100"},
        {"level": "senior", "assessment_type": "paper", "pass_mark": "0"}])
    assert sorted(certificate.levels.values_list("pass_mark", flat=True)) == [0, 100]


def test_assessment_type_of_takes_the_most_expensive_part():
    assert assessment_type_of(["paper", "computer"]) == "computer"
    assert assessment_type_of(["practical_special", "paper", "practical_general"]) == "practical_special"
    with pytest.raises(AppError):
        assessment_type_of(["unknown"])


def test_only_the_ministry_creates_certificates(hubei_user, org_a_user, org_a, batch3):
    for user in (hubei_user, org_a_user):
        with pytest.raises(Forbidden):
            _create(actor_for(user), org=org_a, batch=batch3)
    assert Certificate.objects.count() == 0


def test_a_delisted_org_gets_no_new_certificate(ministry, batch3):
    org = OrgFactory(status=Org.Status.DELISTED)
    with pytest.raises(AppError, match="已摘牌"):
        _create(ministry, org=org, batch=batch3)


def test_update_records_what_changed_and_keeps_published_code_fixed(ministry, batch3):
    certificate = _create(ministry, batch=batch3)
    certificate_update(actor=ministry, certificate=certificate, name="数字孪生技术应用", levels=[
        {"level": "senior", "assessment_type": "practical_special", "pass_mark": "70"}], majors=["软件技术"])
    certificate.refresh_from_db()
    assert certificate.name == "数字孪生技术应用"
    assert list(certificate.levels.values_list("level", "assessment_type")) == [("senior", "practical_special")]
    changes = AuditEntry.objects.get(action="certificate.updated").changes
    assert changes["name"] == ["数字孪生应用", "数字孪生技术应用"] and "levels" in changes and "majors" in changes
    with pytest.raises(AppError, match="代码不能修改"):
        certificate_update(actor=ministry, certificate=certificate, code="X03999")
    with pytest.raises(AppError, match="所属培训评价组织不能修改"):
        certificate_update(actor=ministry, certificate=certificate, org=OrgFactory())


def test_update_of_an_applied_certificate_may_change_its_code_but_not_to_a_taken_one(ministry):
    batch = SelectionBatchFactory(number=5, status=SelectionBatch.Status.REVIEWING)
    certificate = _create(ministry, batch=batch)
    CertificateFactory(code="X05001", name="已有证书")
    with pytest.raises(AppError, match="已被证书“已有证书”使用"):
        certificate_update(actor=ministry, certificate=certificate, code="x05001")
    certificate_update(actor=ministry, certificate=certificate, code="x05002")
    assert Certificate.objects.filter(code="X05002").exists()


def test_standard_upload_keeps_versions(ministry):
    certificate = certificate_with_levels()
    first = certificate_standard_upload(actor=ministry, certificate=certificate,
                                        upload=SimpleUploadedFile("标准.pdf", PDF))
    second = certificate_standard_upload(actor=ministry, certificate=certificate,
                                         upload=SimpleUploadedFile("标准2.pdf", PDF + b"%v2"))
    assert list(certificate.standards.all()) == [second, first]
    assert first.content_type == "application/pdf" and first.original_name == "标准.pdf"
    assert AuditEntry.objects.filter(action="certificate.standard_uploaded").count() == 2


def test_a_standard_missing_on_disk_is_a_clear_410(ministry, client):
    certificate = certificate_with_levels()
    standard = certificate_standard_upload(actor=ministry, certificate=certificate,
                                           upload=SimpleUploadedFile("标准.pdf", PDF))
    assert client.get(f"/catalog/standards/{standard.pk}/").status_code == 200
    standard.file.storage.delete(standard.file.name)
    response = client.get(f"/catalog/standards/{standard.pk}/")
    assert response.status_code == 410 and "文件在服务器上缺失" in response.content.decode()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("standard.pdf", b"PK\x03\x04" + b"\x00" * 50, "不是允许的格式"),
    ("standard.pdf", b"MZ\x90\x00" + b"\x00" * 50, "可执行程序"),
    ("standard.docx", b"<html>not a pdf</html>", "不是允许的格式（PDF）"),
    ("empty.pdf", b"", "空文件"),
])
def test_standard_must_be_a_real_pdf(ministry, name, content, message):
    certificate = certificate_with_levels()
    with pytest.raises(AppError, match=message):
        certificate_standard_upload(actor=ministry, certificate=certificate, upload=SimpleUploadedFile(name, content))
    assert CertificateStandard.objects.count() == 0


def test_standard_over_20_mb_is_refused(ministry, settings):
    settings.CERTIFICATE_STANDARD_MAX_BYTES = 1024
    with pytest.raises(AppError, match="超过上限"):
        certificate_standard_upload(actor=ministry, certificate=certificate_with_levels(),
                                    upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))


def test_publish_moves_applied_to_published_once(ministry):
    certificate = CertificateFactory(status=Certificate.Status.APPLIED)
    assert certificate_publish(actor=ministry, certificate=certificate) is True
    assert certificate_publish(actor=ministry, certificate=certificate) is False
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.PUBLISHED and certificate.status_changed_at
    assert certificate.status_changes.count() == 1


def test_publish_refuses_a_withdrawn_certificate(ministry):
    with pytest.raises(AppError, match="不能公布"):
        certificate_publish(actor=ministry, certificate=CertificateFactory(status=Certificate.Status.WITHDRAWN))


# --- certificate_status_set (supervision moves) -----------------------------------------------

def test_suspend_and_lift_a_suspension(ministry):
    certificate = CertificateFactory()
    certificate_status_set(actor=ministry, certificate=certificate, status="suspended", reason="考核放水，暂停")
    certificate.refresh_from_db()
    assert certificate.status == "suspended" and certificate.status_changed_at
    certificate_status_set(actor=ministry, certificate=certificate, status="published", reason="整改到位")
    changes = list(certificate.status_changes.order_by("at", "pk").values_list("status_before", "status_after", "reason"))
    assert changes == [("published", "suspended", "考核放水，暂停"), ("suspended", "published", "整改到位")]
    entry = AuditEntry.objects.filter(action="certificate.status_changed").first()
    assert entry.changes == {"status": ["suspended", "published"]} and entry.note == "整改到位"


@pytest.mark.parametrize("start", ["published", "suspended"])
def test_replace_by_a_published_certificate_of_a_later_batch(ministry, batch3, batch4, start):
    old = CertificateFactory(batch=batch3, status=start)
    new = CertificateFactory(batch=batch4)
    certificate_status_set(actor=ministry, certificate=old, status="replaced", reason="摘牌替换", replaced_by=new)
    old.refresh_from_db()
    assert old.status == "replaced" and old.replaced_by == new
    assert AuditEntry.objects.get(action="certificate.status_changed").changes["replaced_by"] == [None, new.code]


@pytest.mark.parametrize(("start", "target", "message"), [
    ("withdrawn", "published", "已退出，状态不能再变更"),
    ("replaced", "published", "已替换，状态不能再变更"),
    ("withdrawn", "suspended", "状态不能再变更"),
    ("applied", "suspended", "当前为“申报中”，不能改为“暂停”"),
    ("applied", "published", "不能改为“已公布”"),
    ("published", "published", "不能改为“已公布”"),
    ("published", "applied", "不能改为“申报中”"),
    ("suspended", "suspended", "不能改为“暂停”"),
])
def test_forbidden_transitions_are_refused(ministry, batch3, batch4, start, target, message):
    extra = {"replaced_by": CertificateFactory(batch=batch4)} if start == "replaced" else {}
    certificate = CertificateFactory(batch=batch3, status=start, **extra)
    with pytest.raises(AppError, match=message):
        certificate_status_set(actor=ministry, certificate=certificate, status=target, reason="测试")
    certificate.refresh_from_db()
    assert certificate.status == start and certificate.status_changes.count() == 0


def test_replacement_rules(ministry, batch3, batch4):
    old = CertificateFactory(batch=batch3)
    cases = [
        (None, "必须指定替换证书"),
        (old, "不能替换为它自己"),
        (CertificateFactory(batch=batch3), "应来自晚于第3批的批次"),
        (CertificateFactory(batch=SelectionBatchFactory(number=2)), "应来自晚于第3批的批次"),
        (CertificateFactory(batch=batch4, status="suspended"), "只能替换为已公布的证书"),
    ]
    for replacement, message in cases:
        with pytest.raises(AppError, match=message):
            certificate_status_set(actor=ministry, certificate=old, status="replaced", reason="摘牌", replaced_by=replacement)
    with pytest.raises(AppError, match="只有“已替换”状态才能指定替换证书"):
        certificate_status_set(actor=ministry, certificate=old, status="withdrawn", reason="退出",
                               replaced_by=CertificateFactory(batch=batch4))
    old.refresh_from_db()
    assert old.status == "published"


def test_status_set_needs_the_ministry_and_a_reason(ministry, hubei_user, org_a_user):
    certificate = CertificateFactory()
    for user in (hubei_user, org_a_user):
        with pytest.raises(Forbidden):
            certificate_status_set(actor=actor_for(user), certificate=certificate, status="suspended", reason="x")
    with pytest.raises(AppError, match="请填写原因"):
        certificate_status_set(actor=ministry, certificate=certificate, status="suspended", reason="  ")
    certificate.refresh_from_db()
    assert certificate.status == "published"


# --- selectors ------------------------------------------------------------------------------

def test_visibility_by_role(ministry, org_a, org_a_user, hubei_user):
    published = CertificateFactory(org=org_a)
    applied = CertificateFactory(org=org_a, status="applied")
    other_applied = CertificateFactory(status="applied")
    assert set(selectors.certificates_visible(None)) == {published}
    assert set(selectors.certificates_visible(actor_for(hubei_user))) == {published}
    assert set(selectors.certificates_visible(actor_for(org_a_user))) == {published, applied}
    assert set(selectors.certificates_visible(ministry)) == {published, applied, other_applied}
    assert selectors.certificate_get(applied.code.lower(), actor=ministry) == applied
    with pytest.raises(NotInScope):
        selectors.certificate_get(applied.code)
    with pytest.raises(NotInScope):
        selectors.certificate_get(other_applied.code, actor=actor_for(org_a_user))


def test_certificates_of_org_lists_every_status(org_a):
    mine = [CertificateFactory(org=org_a, status=s) for s in ("published", "suspended", "withdrawn")]
    CertificateFactory()
    assert set(selectors.certificates_of_org(org_a)) == set(mine)


def test_replacement_candidates_are_published_later_ones_same_field_first(batch3, batch4):
    old = CertificateFactory(batch=batch3, field="养老服务")
    same = CertificateFactory(batch=batch4, field="养老服务")
    other = CertificateFactory(batch=batch4, field="信息技术")
    CertificateFactory(batch=batch4, status="suspended")
    CertificateFactory(batch=batch3)
    assert list(selectors.replacement_candidates(old)) == [same, other]


# --- filters --------------------------------------------------------------------------------

def _filtered(**params):
    return list(CertificateFilter(params, queryset=selectors.certificates_visible(None)).qs)


def test_filters_by_field_level_assessment_type_org_batch_and_search(batch3, batch4):
    org = OrgFactory(name="北京新奥时代科技有限责任公司")
    web = certificate_with_levels(name="Web前端开发", code="X01002", org=org, field="信息技术", batch=batch3)
    care = CertificateFactory(name="老年照护", code="X01003", field="养老服务", batch=batch4)
    CertificateLevelFactory(certificate=care, level=Level.JUNIOR, assessment_type=AssessmentType.PAPER)
    assert _filtered(field="养老服务") == [care]
    assert _filtered(level="senior") == [web]
    assert _filtered(assessment_type="paper") == [care]
    assert _filtered(assessment_type="practical_general") == [web]
    # With a level, the type must be that level's: web's 初级 is computer-based.
    assert _filtered(level="junior", assessment_type="practical_general") == []
    assert _filtered(org=str(org.pk)) == [web]
    assert _filtered(batch="4") == [care]
    assert _filtered(q="前端") == [web] and _filtered(q="x01003") == [care]
    assert _filtered(ordering="code") == [web, care] and _filtered(ordering="-code") == [care, web]


def test_retired_certificates_only_with_include_retired(batch3, batch4):
    new = CertificateFactory(batch=batch4, name="智慧养老服务")
    suspended = CertificateFactory(batch=batch3, status="suspended")
    replaced = CertificateFactory(batch=batch3, status="replaced", replaced_by=new)
    withdrawn = CertificateFactory(batch=batch3, status="withdrawn")
    assert set(_filtered()) == {new, suspended}
    assert set(_filtered(include_retired="on")) == {new, suspended, replaced, withdrawn}


def test_catalog_page_query_count_does_not_grow_with_the_page(client, django_assert_max_num_queries):
    batch = SelectionBatchFactory(number=3)
    orgs = OrgFactory.create_batch(20)
    for i in range(150):
        certificate_with_levels(org=orgs[i % 20], batch=batch, field=f"领域{i % 8}")
    with django_assert_max_num_queries(9):
        response = client.get("/catalog/?page=2")
    assert response.status_code == 200 and "第 2 / 6 页" in response.content.decode()
    with django_assert_max_num_queries(9):
        response = client.get("/catalog/?level=senior&assessment_type=practical_general&ordering=-name")
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        response = client.get("/catalog/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 151 and rows[0][0] == "证书代码"
    assert "初级（机考，60.0/100.0）" in rows[1][5]


# --- pages ----------------------------------------------------------------------------------

def test_anonymous_visitor_reads_the_catalog_and_a_certificate(client, batch3, batch4):
    new = certificate_with_levels(batch=batch4, name="智慧健康养老服务")
    old = CertificateFactory(batch=batch3, name="旧证书", status="replaced", replaced_by=new)
    suspended = CertificateFactory(batch=batch3, name="暂停的证书", status="suspended")
    CertificateFactory(name="申报中的证书", status="applied")
    page = client.get("/catalog/").content.decode()
    assert "智慧健康养老服务" in page and "暂停的证书" in page and "旧证书" not in page and "申报中的证书" not in page
    page = client.get("/catalog/?include_retired=on").content.decode()
    assert "旧证书" in page and f"/catalog/certificates/{new.code}/" in page
    detail = client.get(f"/catalog/certificates/{new.code}/").content.decode()
    assert "初级" in detail and "机考" in detail and "一般设备实操" in detail and "60.0" in detail
    assert "替换的证书" in detail and "旧证书" in detail
    assert "暂停期间不安排新的考核" in client.get(f"/catalog/certificates/{suspended.code}/").content.decode()
    assert "该证书已被替换为" in client.get(f"/catalog/certificates/{old.code}/").content.decode()


def test_applied_certificates_and_their_standards_are_not_public(client, as_user, ministry_user, ministry):
    certificate = CertificateFactory(status="applied")
    standard = certificate_standard_upload(actor=ministry, certificate=certificate, upload=SimpleUploadedFile("s.pdf", PDF))
    assert client.get(f"/catalog/certificates/{certificate.code}/").status_code == 404
    assert client.get(f"/catalog/standards/{standard.pk}/").status_code == 404
    assert as_user(ministry_user).get(f"/catalog/standards/{standard.pk}/").status_code == 200
    certificate_publish(actor=ministry, certificate=certificate)
    client.logout()
    download = client.get(f"/catalog/standards/{standard.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_ministry_registers_a_certificate_through_the_form(as_user, ministry_user, batch3):
    org = OrgFactory()
    client = as_user(ministry_user)
    assert client.get("/catalog/certificates/new/").status_code == 200
    response = client.post("/catalog/certificates/new/", {
        "code": "x03080", "name": "数字孪生应用", "org": org.pk, "batch": batch3.pk, "field": "信息技术",
        "majors": "510203 软件技术\n计算机应用技术", "junior_types": ["computer"], "junior_full_mark": "100",
        "junior_pass_mark": "60", "senior_types": ["paper", "practical_special"], "senior_full_mark": "100",
        "senior_pass_mark": "75"})
    assert response.status_code == 302 and response["Location"] == "/catalog/certificates/X03080/"
    certificate = Certificate.objects.get(code="X03080")
    assert dict(certificate.levels.values_list("level", "assessment_type")) == {
        "junior": "computer", "senior": "practical_special"}
    assert certificate.levels.get(level="senior").pass_mark == Decimal("75")
    # The same code again: the precise message next to the code field, nothing saved.
    response = client.post("/catalog/certificates/new/", {
        "code": "X03080", "name": "另一个", "org": org.pk, "batch": batch3.pk, "field": "信息技术",
        "junior_types": ["computer"]})
    assert response.status_code == 200 and "已被证书“数字孪生应用”使用" in response.content.decode()
    assert Certificate.objects.count() == 1


def test_ministry_edits_and_uploads_a_standard(as_user, ministry_user):
    certificate = certificate_with_levels(name="老年照护")
    client = as_user(ministry_user)
    page = client.get(f"/catalog/certificates/{certificate.code}/edit/").content.decode()
    assert "证书已公布，此项不能修改" in page
    response = client.post(f"/catalog/certificates/{certificate.code}/edit/", {
        "name": "老年照护", "field": "养老服务", "junior_types": ["paper"], "junior_full_mark": "100",
        "junior_pass_mark": "60"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.field == "养老服务" and certificate.levels.count() == 1
    response = client.post(f"/catalog/certificates/{certificate.code}/standard/",
                           {"file": SimpleUploadedFile("标准.pdf", PDF)})
    assert response.status_code == 302 and certificate.standards.count() == 1
    response = client.post(f"/catalog/certificates/{certificate.code}/standard/",
                           {"file": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00" + b"\x00" * 20)})
    assert response.status_code == 200 and "可执行程序" in response.content.decode()
    assert certificate.standards.count() == 1


@pytest.mark.parametrize("persona", ["hubei_user", "org_a_user", "hubei_institution_user", "student_user"])
def test_other_roles_may_not_edit_the_catalog(request, as_user, persona):
    certificate = certificate_with_levels()
    client = as_user(request.getfixturevalue(persona))
    assert client.get("/catalog/certificates/new/").status_code == 403
    assert client.post("/catalog/certificates/new/", {"code": "X09001"}).status_code == 403
    assert client.get(f"/catalog/certificates/{certificate.code}/edit/").status_code == 403
    assert client.post(f"/catalog/certificates/{certificate.code}/standard/",
                       {"file": SimpleUploadedFile("s.pdf", PDF)}).status_code == 403
    assert client.get("/catalog/").status_code == 200
    assert certificate.standards.count() == 0


def test_anonymous_writes_are_sent_to_sign_in(client):
    certificate = certificate_with_levels()
    for url in ("/catalog/certificates/new/", f"/catalog/certificates/{certificate.code}/edit/",
                f"/catalog/certificates/{certificate.code}/standard/"):
        response = client.post(url, {})
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_navigation_lists_the_catalog_for_signed_in_roles(as_user, hubei_user, ministry_user):
    assert "证书目录" in as_user(hubei_user).get("/").content.decode()
    page = as_user(ministry_user).get("/").content.decode()
    assert "证书目录" in page and "遴选批次" in page


# --- 职业技能要求 (issue 17, item 4): the certificate's org keeps each level's skills -----------------

WEB_JUNIOR = "能使用 HTML5 和 CSS3 完成静态网页制作\n能使用 JavaScript 实现常见的网页交互效果"


def test_the_org_keeps_its_certificates_skills_trimmed_and_audited(org_a, org_a_user):
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    actor = actor_for(org_a_user)
    changed = certificate_skills_set(actor=actor, certificate=certificate, skills={
        "junior": "  能使用 HTML5 和 CSS3 完成静态网页制作 \n\n\u3000能使用 JavaScript 实现常见的网页交互效果\u3000\n",
        "senior": ""})
    assert changed is True
    junior = certificate.levels.get(level="junior")
    assert junior.skills == WEB_JUNIOR and junior.skill_lines() == WEB_JUNIOR.splitlines()
    entry = AuditEntry.objects.get(action="certificate.skills_updated")
    assert entry.changes["skills"][1][0].startswith("junior:能使用 HTML5")
    # The same again changes nothing and records nothing.
    assert certificate_skills_set(actor=actor, certificate=certificate, skills={"junior": WEB_JUNIOR}) is False
    assert AuditEntry.objects.filter(action="certificate.skills_updated").count() == 1


def test_only_the_certificates_own_org_edits_its_skills(org_a, org_b_user, ministry_user, hubei_user):
    certificate = certificate_with_levels(org=org_a)
    for user in (org_b_user, ministry_user, hubei_user):
        with pytest.raises(Forbidden):
            certificate_skills_set(actor=actor_for(user), certificate=certificate, skills={"junior": "能做某事"})
    assert not certificate.levels.exclude(skills="").exists()


@pytest.mark.parametrize("skills,message", [
    ({"junior": "能做某事", "intermediate": "\n".join(f"技能{n}" for n in range(21))},
     "“中级”的职业技能要求最多 20 条，当前 21 条。"),
    ({"junior": "能做某事", "senior": "能做某事\n" + "长" * 201}, "“高级”的职业技能要求第 2 条超过 200 个字。"),
])
def test_too_many_or_too_long_skills_are_refused_and_nothing_is_saved(org_a, org_a_user, skills, message):
    certificate = certificate_with_levels(org=org_a)
    with pytest.raises(AppError) as refused:
        certificate_skills_set(actor=actor_for(org_a_user), certificate=certificate, skills=skills)
    assert str(refused.value.message) == message
    assert not certificate.levels.exclude(skills="").exists()
    assert not AuditEntry.objects.filter(action="certificate.skills_updated").exists()


def test_a_level_the_certificate_lacks_is_refused(org_a, org_a_user):
    certificate = CertificateFactory(org=org_a)
    CertificateLevelFactory(certificate=certificate, level=Level.JUNIOR)
    with pytest.raises(AppError, match="没有等级"):
        certificate_skills_set(actor=actor_for(org_a_user), certificate=certificate, skills={"senior": "能做某事"})


def test_the_org_edits_skills_through_its_page_and_the_catalog_shows_them(as_user, org_a, org_a_user, client):
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    owner = as_user(org_a_user)
    detail = owner.get(f"/catalog/certificates/{certificate.code}/").content.decode()
    assert f"/catalog/certificates/{certificate.code}/skills/" in detail
    assert "培训评价组织尚未登记该等级的职业技能要求" in detail
    form = owner.get(f"/catalog/certificates/{certificate.code}/skills/")
    assert form.status_code == 200 and "初级" in form.content.decode()
    refused = owner.post(f"/catalog/certificates/{certificate.code}/skills/",
                         {"junior": WEB_JUNIOR, "senior": "长" * 201})
    assert refused.status_code == 200 and "“高级”的职业技能要求第 1 条超过 200 个字。" in refused.content.decode()
    assert not certificate.levels.exclude(skills="").exists()
    response = owner.post(f"/catalog/certificates/{certificate.code}/skills/",
                          {"junior": WEB_JUNIOR, "intermediate": "能使用 Vue.js 开发单页应用", "senior": ""})
    assert response.status_code == 302 and response["Location"] == f"/catalog/certificates/{certificate.code}/"
    client.logout()
    public = client.get(f"/catalog/certificates/{certificate.code}/").content.decode()
    assert "职业技能要求" in public and "能使用 HTML5 和 CSS3 完成静态网页制作" in public
    assert "能使用 Vue.js 开发单页应用" in public
    assert f"/catalog/certificates/{certificate.code}/skills/" not in public


@pytest.mark.parametrize("persona", ["org_b_user", "ministry_user", "hubei_user", "student_user"])
def test_others_may_not_open_the_skills_page(request, as_user, org_a, persona):
    certificate = certificate_with_levels(org=org_a)
    client = as_user(request.getfixturevalue(persona))
    assert f"/catalog/certificates/{certificate.code}/skills/" not in client.get(
        f"/catalog/certificates/{certificate.code}/").content.decode()
    assert client.get(f"/catalog/certificates/{certificate.code}/skills/").status_code == 403
    assert client.post(f"/catalog/certificates/{certificate.code}/skills/", {"junior": "能做某事"}).status_code == 403
    assert not certificate.levels.exclude(skills="").exists()


def test_anonymous_are_sent_to_sign_in_for_the_skills_page(client, org_a):
    certificate = certificate_with_levels(org=org_a)
    response = client.post(f"/catalog/certificates/{certificate.code}/skills/", {"junior": "能做某事"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_catalog_page_and_the_skills_form_in_english(as_user, org_a, org_a_user):
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    certificate.levels.filter(level="junior").update(skills=WEB_JUNIOR)
    owner = as_user(org_a_user)
    for url in (f"/catalog/certificates/{certificate.code}/", f"/catalog/certificates/{certificate.code}/skills/"):
        html = owner.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        # The skills and names are the org's own words; every word of the page around them is English.
        for data in (*WEB_JUNIOR.splitlines(), certificate.name, org_a.name, certificate.field, certificate.batch.name):
            html = html.replace(data, "")
        assert "Skill requirements" in html
        assert not HAN.findall(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])), url
