"""Selection batches: applications (typed, imported, online), reviews, publication into the
catalog, statistics, and who may do what."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from certificates.batches import selectors as batches_selectors
from certificates.batches.models import ApplicationCertificate, BatchApplication, SelectionBatch
from certificates.batches.services import (
    application_review_record,
    application_submit,
    applications_import,
    batch_close_applications,
    batch_open,
    batch_publish,
)
from certificates.catalog import selectors as catalog_selectors
from certificates.catalog.models import Certificate
from certificates.catalog.selectors import LEVEL_RANK
from core.errors import AppError, Forbidden
from organizations.orgs.models import Org
from tests.certificates.factories import (
    ApplicationCertificateFactory,
    BatchApplicationFactory,
    CertificateFactory,
    SelectionBatchFactory,
    approved_item,
)
from tests.organizations.factories import OrgFactory, valid_credit_code

pytestmark = pytest.mark.django_db

Outcome = ApplicationCertificate.Outcome
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def wrong_check(code: str) -> str:
    """``code`` with a wrong GB 32100 check character."""
    return code[:17] + ("0" if code[17] != "0" else "1")


BAD_CODE = wrong_check(valid_credit_code(5))
CERTS = [{"name": "数字孪生应用", "field": "信息技术",
          "levels": [{"level": "junior", "assessment_type": "computer"},
                     {"level": "senior", "assessment_types": ["paper", "practical_general"]}]}]


@pytest.fixture
def ministry(ministry_user):
    return actor_for(ministry_user)


@pytest.fixture
def open_batch():
    return SelectionBatchFactory(number=5, status=SelectionBatch.Status.OPEN)


@pytest.fixture
def review_batch():
    return SelectionBatchFactory(number=4, status=SelectionBatch.Status.REVIEWING)


# --- batches and applications ---------------------------------------------------------------

def test_ministry_opens_a_batch_once(ministry):
    batch = batch_open(actor=ministry, number=5, name="", opened_on=datetime.date(2021, 3, 1))
    assert batch.status == SelectionBatch.Status.OPEN and batch.name == "第5批职业技能等级证书及培训评价组织遴选"
    with pytest.raises(AppError, match="第5批已经存在"):
        batch_open(actor=ministry, number=5, name="x", opened_on=datetime.date(2021, 3, 1))
    with pytest.raises(AppError, match="截止日期不能早于"):
        batch_open(actor=ministry, number=6, name="x", opened_on=datetime.date(2021, 3, 1),
                   closes_on=datetime.date(2021, 2, 1))
    assert AuditEntry.objects.filter(action="batch.opened").count() == 1


def test_ministry_records_an_application(ministry, review_batch):
    application = application_submit(actor=ministry, batch=review_batch, applicant_name=" 北京数智教育科技有限公司 ",
                                     credit_code=valid_credit_code(77).lower(), org_type="enterprise", certificates=CERTS)
    assert application.applicant_name == "北京数智教育科技有限公司" and application.credit_code == valid_credit_code(77)
    item = application.certificates.get()
    assert item.levels == [
        {"level": "junior", "assessment_type": "computer", "full_mark": "100", "pass_mark": "60"},
        {"level": "senior", "assessment_type": "practical_general", "full_mark": "100", "pass_mark": "60"}]
    assert application.org is None and AuditEntry.objects.filter(action="batch.application_submitted").exists()


def test_an_applicant_with_an_existing_orgs_credit_code_is_linked(ministry, review_batch):
    org = OrgFactory()
    application = application_submit(actor=ministry, batch=review_batch, applicant_name=org.name,
                                     credit_code=org.credit_code, org_type=org.org_type, certificates=CERTS)
    assert application.org == org


@pytest.mark.parametrize(("credit_code", "message"), [
    (BAD_CODE, "校验位错误"), ("9111010", "应为 18 位"), (valid_credit_code(5)[:17] + "I", "只能由数字和大写字母"),
])
def test_a_wrong_credit_code_is_refused(ministry, review_batch, credit_code, message):
    with pytest.raises(AppError, match=message):
        application_submit(actor=ministry, batch=review_batch, applicant_name="某公司", credit_code=credit_code,
                           org_type="enterprise", certificates=CERTS)
    assert BatchApplication.objects.count() == 0


@pytest.mark.parametrize(("certificates", "message"), [
    ([], "至少要包含一个证书"),
    ([{"name": "", "field": "x", "levels": CERTS[0]["levels"]}], "第1个证书未填写名称"),
    ([{"name": "甲", "field": "", "levels": CERTS[0]["levels"]}], "未填写领域"),
    ([{"name": "甲", "field": "x", "levels": []}], "证书“甲”：证书至少要设置一个等级"),
    (CERTS + CERTS, "在同一申报中重复"),
])
def test_bad_application_certificates_are_refused(ministry, review_batch, certificates, message):
    with pytest.raises(AppError, match=message):
        application_submit(actor=ministry, batch=review_batch, applicant_name="某公司", credit_code=valid_credit_code(1),
                           org_type="enterprise", certificates=certificates)
    assert BatchApplication.objects.count() == 0 and ApplicationCertificate.objects.count() == 0


def test_one_application_per_applicant_and_batch(ministry, review_batch):
    kwargs = {"applicant_name": "某公司", "credit_code": valid_credit_code(1), "org_type": "enterprise",
              "certificates": CERTS}
    application_submit(actor=ministry, batch=review_batch, **kwargs)
    with pytest.raises(AppError, match="已在第4批申报，不能重复申报"):
        application_submit(actor=ministry, batch=review_batch, **kwargs)


def test_an_org_applies_online_for_itself_while_the_batch_is_open(org_a, org_a_user, open_batch, ministry):
    application = application_submit(actor=actor_for(org_a_user), batch=open_batch, applicant_name="冒名单位",
                                     credit_code=valid_credit_code(999), org_type="association", certificates=CERTS)
    assert (application.org, application.applicant_name, application.credit_code) == (org_a, org_a.name, org_a.credit_code)
    batch_close_applications(actor=ministry, batch=open_batch)
    with pytest.raises(AppError, match="不在申报期内"):
        application_submit(actor=actor_for(org_a_user), batch=open_batch, certificates=CERTS)


def test_other_roles_may_not_apply(hubei_user, hubei_institution_user, open_batch):
    for user in (hubei_user, hubei_institution_user):
        with pytest.raises(Forbidden):
            application_submit(actor=actor_for(user), batch=open_batch, applicant_name="x",
                               credit_code=valid_credit_code(2), org_type="enterprise", certificates=CERTS)


def test_no_application_once_the_batch_is_published(ministry):
    batch = SelectionBatchFactory(number=3)
    with pytest.raises(AppError, match="已公布，不能再录入申报"):
        application_submit(actor=ministry, batch=batch, applicant_name="x", credit_code=valid_credit_code(2),
                           org_type="enterprise", certificates=CERTS)


# --- import ---------------------------------------------------------------------------------

HEADER = ["申报单位", "统一社会信用代码", "单位类型", "证书名称", "领域", "初级", "中级", "高级"]


def _rows():
    return [HEADER,
            ["北京数智教育科技有限公司", valid_credit_code(11), "企业", "数字孪生应用", "信息技术", "机考", "机考",
             "机考+一般设备实操"],
            ["北京数智教育科技有限公司", valid_credit_code(11), "企业", "低代码开发", "信息技术", "机考", "", ""],
            ["全国茶叶职业教育协会", valid_credit_code(12), "行业协会/学会", "茶叶加工技术", "农林牧渔", "纸笔",
             "一般设备实操", ""]]


def _xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("申报汇总.xlsx", buffer.getvalue())


def _csv(rows, encoding="utf-8-sig") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile("申报汇总.csv", buffer.getvalue().encode(encoding))


@pytest.mark.parametrize("make", [_xlsx, _csv, lambda rows: _csv(rows, "gbk")])
def test_import_groups_rows_by_applicant(ministry, review_batch, make):
    assert applications_import(actor=ministry, batch=review_batch, upload=make(_rows())) == 2
    first = BatchApplication.objects.get(credit_code=valid_credit_code(11))
    assert list(first.certificates.values_list("name", flat=True)) == ["数字孪生应用", "低代码开发"]
    twin = first.certificates.get(name="数字孪生应用")
    assert [lv["assessment_type"] for lv in twin.levels] == ["computer", "computer", "practical_general"]
    assert BatchApplication.objects.get(credit_code=valid_credit_code(12)).org_type == Org.OrgType.ASSOCIATION
    assert AuditEntry.objects.filter(action="batch.applications_imported").exists()


def test_import_is_all_or_nothing_with_every_problem_listed(ministry, review_batch):
    rows = _rows()
    rows[3][1] = BAD_CODE
    rows.append(["某公司", valid_credit_code(13), "企业", "某证书", "信息技术", "口试", "", ""])
    with pytest.raises(AppError) as error:
        applications_import(actor=ministry, batch=review_batch, upload=_xlsx(rows))
    assert error.value.details == ["第5行“初级”列的考核方式“口试”无法识别。"]
    del rows[4]
    with pytest.raises(AppError) as error:
        applications_import(actor=ministry, batch=review_batch, upload=_xlsx(rows))
    assert len(error.value.details) == 1
    assert error.value.details[0].startswith("第4行（全国茶叶职业教育协会）：统一社会信用代码校验位错误")
    assert BatchApplication.objects.count() == 0


def test_import_refuses_files_that_are_not_lists(ministry, review_batch):
    with pytest.raises(AppError, match="不是 Excel（.xlsx）或 CSV 表格（识别为可执行程序）"):
        applications_import(actor=ministry, batch=review_batch, upload=SimpleUploadedFile("a.exe", b"MZ\x90\x00"))
    with pytest.raises(AppError, match="请上传 .xlsx 或 .csv"):
        applications_import(actor=ministry, batch=review_batch, upload=SimpleUploadedFile("a.txt", b"a,b\n"))
    with pytest.raises(AppError, match="表头缺少列"):
        applications_import(actor=ministry, batch=review_batch, upload=_csv([["名称", "代码"], ["a", "b"]]))


# --- reviews --------------------------------------------------------------------------------

def _review(actor, item, **kwargs):
    return application_review_record(actor=actor, item=item, **kwargs)


def test_approval_needs_the_notice_period_to_have_ended(ministry, review_batch):
    item = ApplicationCertificateFactory(application__batch=review_batch)
    _review(ministry, item, outcome="shortlisted", expert_score="86.55", notice_from=TODAY - 3 * DAY,
            notice_until=TODAY)
    with pytest.raises(AppError) as error:
        _review(ministry, item, outcome="approved", expert_score="86.55", notice_from=TODAY - 3 * DAY,
                notice_until=TODAY)
    assert error.value.code == "notice_not_ended" and "公示期满后才能录入通过决定" in str(error.value.message)
    item.refresh_from_db()
    assert item.outcome == Outcome.SHORTLISTED and item.decided_at is None
    _review(ministry, item, outcome="approved", expert_score="86.55", notice_from=TODAY - 3 * DAY,
            notice_until=TODAY, today=TODAY + DAY)
    item.refresh_from_db()
    assert item.outcome == Outcome.APPROVED and item.decided_at and str(item.expert_score) == "86.55"
    assert AuditEntry.objects.filter(action="batch.review_recorded").count() == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"outcome": "approved", "expert_score": "90"}, "须先填写公示期"),
    ({"outcome": "shortlisted", "expert_score": "90"}, "须先填写公示期"),
    ({"outcome": "approved", "notice_from": TODAY - 9 * DAY, "notice_until": TODAY - 2 * DAY}, "须先录入专家评审分"),
    ({"outcome": "pending", "expert_score": "100.01"}, "应在 0 到 100 之间"),
    ({"outcome": "pending", "expert_score": "-1"}, "应在 0 到 100 之间"),
    ({"outcome": "pending", "expert_score": "88.123"}, "最多保留两位小数"),
    ({"outcome": "pending", "notice_from": TODAY}, "需同时填写开始和结束日期"),
    ({"outcome": "pending", "notice_from": TODAY, "notice_until": TODAY - DAY}, "不能早于开始日期"),
    ({"outcome": "maybe"}, "评审结果无效"),
])
def test_bad_reviews_are_refused(ministry, review_batch, kwargs, message):
    item = ApplicationCertificateFactory(application__batch=review_batch)
    with pytest.raises(AppError, match=message):
        _review(ministry, item, **kwargs)
    item.refresh_from_db()
    assert item.outcome == Outcome.PENDING and item.expert_score is None


def test_rejection_may_come_at_any_stage_and_scores_accept_the_bounds(ministry, review_batch):
    item = ApplicationCertificateFactory(application__batch=review_batch)
    _review(ministry, item, outcome="rejected", expert_score="0")
    item.refresh_from_db()
    assert item.outcome == Outcome.REJECTED and item.decided_at
    _review(ministry, item, outcome="pending", expert_score="100.00")
    item.refresh_from_db()
    assert item.decided_at is None


def test_only_the_ministry_reviews_and_not_after_publication(org_a_user, ministry, review_batch):
    item = ApplicationCertificateFactory(application__batch=review_batch, outcome=Outcome.REJECTED)
    with pytest.raises(Forbidden):
        _review(actor_for(org_a_user), item, outcome="approved")
    batch_publish(actor=ministry, batch=review_batch)
    with pytest.raises(AppError, match="已公布，评审结果不能再修改"):
        _review(ministry, item, outcome="rejected")


# --- publication ----------------------------------------------------------------------------

def test_publishing_makes_approved_certificates_published_and_new_applicants_orgs(ministry, review_batch):
    existing = OrgFactory()
    new_app = BatchApplicationFactory(batch=review_batch, applicant_name="北京数智教育科技有限公司", org_type="research")
    first = approved_item(application=new_app, name="数字孪生应用", field="信息技术")
    ApplicationCertificateFactory(application=new_app, name="被否决的证书", outcome=Outcome.REJECTED)
    linked = approved_item(application__batch=review_batch, application__credit_code=existing.credit_code,
                           application__applicant_name=existing.name, name="智慧养老服务")
    CertificateFactory(code="X04001", batch=SelectionBatchFactory(number=4))  # a code already taken is skipped

    summary = batch_publish(actor=ministry, batch=review_batch)

    assert summary == {"certificates_created": 2, "certificates_published": 2, "orgs_created": 1}
    review_batch.refresh_from_db()
    assert review_batch.status == SelectionBatch.Status.PUBLISHED and review_batch.published_on == TODAY
    org = Org.objects.get(credit_code=new_app.credit_code)
    assert (org.name, org.org_type, org.batch_number) == ("北京数智教育科技有限公司", "research", 4)
    first.refresh_from_db()
    linked.refresh_from_db()
    assert first.certificate.org == org and first.certificate.status == Certificate.Status.PUBLISHED
    assert linked.certificate.org == existing and linked.application.org == existing
    assert {first.certificate.code, linked.certificate.code} == {"X04002", "X04003"}
    assert list(first.certificate.levels.order_by(LEVEL_RANK).values_list("level", "assessment_type")) == [
        ("junior", "computer"), ("intermediate", "practical_general")]
    assert not Certificate.objects.filter(name="被否决的证书").exists()
    assert AuditEntry.objects.filter(action="org.created", object_id=str(org.pk)).exists()
    published = AuditEntry.objects.get(action="batch.published")
    assert published.changes["status"] == ["reviewing", "published"]
    # The new certificate is in the public catalog at once.
    assert catalog_selectors.certificate_get(first.certificate.code) == first.certificate


def test_publishing_twice_duplicates_nothing(ministry, review_batch):
    approved_item(application__batch=review_batch)
    batch_publish(actor=ministry, batch=review_batch)
    counts = (Certificate.objects.count(), Org.objects.count(), AuditEntry.objects.filter(action="batch.published").count())
    assert batch_publish(actor=ministry, batch=review_batch) == {
        "certificates_created": 0, "certificates_published": 0, "orgs_created": 0}
    assert counts == (Certificate.objects.count(), Org.objects.count(),
                      AuditEntry.objects.filter(action="batch.published").count())


def test_publishing_refuses_undecided_certificates(ministry, review_batch):
    approved_item(application__batch=review_batch)
    ApplicationCertificateFactory(application__batch=review_batch, outcome=Outcome.SHORTLISTED)
    with pytest.raises(AppError, match="还有 1 个申报证书未作出评审决定"):
        batch_publish(actor=ministry, batch=review_batch)
    review_batch.refresh_from_db()
    assert review_batch.status == SelectionBatch.Status.REVIEWING and Certificate.objects.count() == 0


def test_publishing_refuses_a_name_clash_and_rolls_back(ministry, review_batch):
    approved_item(application__batch=review_batch, application__applicant_name="甲公司")
    OrgFactory(name="乙公司")
    approved_item(application__batch=review_batch, application__applicant_name="乙公司")
    with pytest.raises(AppError, match="与已有培训评价组织同名"):
        batch_publish(actor=ministry, batch=review_batch)
    assert Certificate.objects.count() == 0 and not Org.objects.filter(name="甲公司").exists()


def test_publishing_also_publishes_certificates_entered_straight_into_the_batch(ministry, review_batch):
    waiting = CertificateFactory(batch=review_batch, status=Certificate.Status.APPLIED)
    assert batch_publish(actor=ministry, batch=review_batch)["certificates_published"] == 1
    waiting.refresh_from_db()
    assert waiting.status == Certificate.Status.PUBLISHED


def test_only_the_ministry_publishes(hubei_user, org_a_user, review_batch):
    approved_item(application__batch=review_batch)
    for user in (hubei_user, org_a_user):
        with pytest.raises(Forbidden):
            batch_publish(actor=actor_for(user), batch=review_batch)
    assert Certificate.objects.count() == 0


# --- statistics -----------------------------------------------------------------------------

def test_statistics_count_applicants_certificates_and_the_rate(review_batch):
    for i in range(3):
        application = BatchApplicationFactory(batch=review_batch)
        approved_item(application=application, field="养老服务")
        if i == 0:
            approved_item(application=application, field="信息技术")
        ApplicationCertificateFactory(application=application, outcome=Outcome.REJECTED, field="信息技术")
    ApplicationCertificateFactory(application__batch=review_batch, outcome=Outcome.REJECTED)
    stats = batches_selectors.batch_statistics(review_batch)
    assert (stats["applicants"], stats["applied"], stats["approved_bodies"], stats["approved"]) == (4, 8, 3, 4)
    assert stats["rate_display"] == "50.0%" and stats["undecided"] == 0
    fields = {row["field"]: (row["applied"], row["approved"]) for row in batches_selectors.batch_fields(review_batch)}
    assert fields == {"信息技术": (5, 1), "养老服务": (3, 3)}


def test_batch_pages_are_public_and_exportable(client, review_batch):
    approved_item(application__batch=review_batch)
    ApplicationCertificateFactory(application__batch=review_batch, outcome=Outcome.REJECTED)
    page = client.get("/catalog/batches/").content.decode()
    assert "第4批" in page and "50.0%" in page
    detail = client.get("/catalog/batches/4/")
    assert detail.status_code == 200 and "通过率（证书）" in detail.content.decode()
    assert "申报单位0" not in detail.content.decode()  # no applicant names in public
    rows = list(load_workbook(io.BytesIO(client.get("/catalog/batches/4/?export=xlsx").content)).active.iter_rows(
        values_only=True))
    assert rows[0] == ("领域", "申报证书数", "通过证书数", "通过率") and rows[-1] == ("合计", 2, 1, "50.0%")
    assert client.get("/catalog/batches/?export=xlsx").status_code == 200
    assert client.get("/catalog/batches/99/").status_code == 404


def test_demo_batch_4_shows_the_figures_of_the_speech(db):
    from pilot.demo.catalog import _batches, seed_batch4

    batch = _batches()[4]
    seed_batch4(batch)
    stats = batches_selectors.batch_statistics(batch)
    assert (stats["applicants"], stats["applied"], stats["approved_bodies"], stats["approved"]) == (602, 984, 270, 355)
    assert stats["rate_display"] == "36.1%"


# --- pages and roles ------------------------------------------------------------------------

def test_ministry_works_a_batch_through_the_pages(as_user, ministry_user):
    client = as_user(ministry_user)
    assert client.get("/catalog/batches/new/").status_code == 200
    response = client.post("/catalog/batches/new/", {"number": "5", "opened_on": "2021-03-01"})
    assert response.status_code == 302 and response["Location"] == "/catalog/batches/5/"
    response = client.post("/catalog/batches/5/apply/", {
        "applicant_name": "北京数智教育科技有限公司", "credit_code": valid_credit_code(21), "org_type": "enterprise",
        "cert-TOTAL_FORMS": "3", "cert-INITIAL_FORMS": "0", "cert-MIN_NUM_FORMS": "0", "cert-MAX_NUM_FORMS": "10",
        "cert-0-name": "数字孪生应用", "cert-0-field": "信息技术", "cert-0-junior": "computer",
        "cert-0-senior": "practical_general"})
    assert response.status_code == 302
    item = ApplicationCertificate.objects.get()
    assert [lv["level"] for lv in item.levels] == ["junior", "senior"]
    listing = client.get("/catalog/batches/5/applications/?outcome=pending").content.decode()
    assert "数字孪生应用" in listing and "北京数智教育科技有限公司" in listing
    response = client.post(f"/catalog/batches/5/items/{item.pk}/review/", {
        "expert_score": "91.5", "notice_from": str(TODAY - 2 * DAY), "notice_until": str(TODAY), "outcome": "approved"})
    assert response.status_code == 200 and "公示期满后才能录入通过决定" in response.content.decode()
    response = client.post(f"/catalog/batches/5/items/{item.pk}/review/", {
        "expert_score": "91.5", "notice_from": str(TODAY - 9 * DAY), "notice_until": str(TODAY - DAY),
        "outcome": "approved"})
    assert response.status_code == 302
    assert client.post("/catalog/batches/5/close/").status_code == 302
    assert client.post("/catalog/batches/5/publish/").status_code == 302
    assert Certificate.objects.get(name="数字孪生应用").status == Certificate.Status.PUBLISHED
    export = client.get("/catalog/batches/5/applications/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][3] == "数字孪生应用" and rows[1][9] == "通过" and rows[1][10] == "X05001"


def test_application_form_shows_service_errors(as_user, ministry_user, review_batch):
    client = as_user(ministry_user)
    base = {"applicant_name": "某公司", "org_type": "enterprise", "cert-TOTAL_FORMS": "3", "cert-INITIAL_FORMS": "0",
            "cert-MIN_NUM_FORMS": "0", "cert-MAX_NUM_FORMS": "10"}
    page = client.post("/catalog/batches/4/apply/", {**base, "credit_code": BAD_CODE}).content.decode()
    assert "校验位错误" in page
    page = client.post("/catalog/batches/4/apply/", {**base, "credit_code": valid_credit_code(3)}).content.decode()
    assert "至少要包含一个证书" in page
    assert BatchApplication.objects.count() == 0


def test_import_page(as_user, ministry_user, review_batch):
    client = as_user(ministry_user)
    assert client.get("/catalog/batches/4/import/").status_code == 200
    bad = _rows()
    bad[1][5] = "口试"
    page = client.post("/catalog/batches/4/import/", {"file": _xlsx(bad)}).content.decode()
    assert "未导入任何数据" in page and "口试" in page
    response = client.post("/catalog/batches/4/import/", {"file": _xlsx(_rows())})
    assert response.status_code == 302 and BatchApplication.objects.count() == 2


def test_org_applies_online_and_sees_only_its_own_application(as_user, org_a, org_a_user, org_b_user, open_batch):
    client = as_user(org_a_user)
    page = client.get("/catalog/batches/5/").content.decode()
    assert "在线申报" in page
    response = client.post("/catalog/batches/5/apply/", {
        "cert-TOTAL_FORMS": "1", "cert-INITIAL_FORMS": "0", "cert-MIN_NUM_FORMS": "0", "cert-MAX_NUM_FORMS": "10",
        "cert-0-name": "智慧养老服务", "cert-0-field": "养老服务", "cert-0-junior": "paper"})
    assert response.status_code == 302
    assert BatchApplication.objects.get().org == org_a
    assert "本单位的申报" in client.get("/catalog/batches/5/").content.decode()
    assert "智慧养老服务" in client.get("/catalog/batches/5/applications/").content.decode()
    other = as_user(org_b_user)
    assert "智慧养老服务" not in other.get("/catalog/batches/5/applications/").content.decode()
    item = ApplicationCertificate.objects.get()
    assert other.get(f"/catalog/batches/5/items/{item.pk}/review/").status_code == 403


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_agency_user", "hubei_institution_user", "student_user"])
def test_other_roles_are_refused_on_batch_work(request, as_user, persona, review_batch):
    item = ApplicationCertificateFactory(application__batch=review_batch, outcome=Outcome.REJECTED)
    client = as_user(request.getfixturevalue(persona))
    assert client.get("/catalog/batches/4/").status_code == 200  # the figures are public
    for url in ("/catalog/batches/new/", "/catalog/batches/4/applications/", "/catalog/batches/4/apply/",
                "/catalog/batches/4/import/", f"/catalog/batches/4/items/{item.pk}/review/"):
        assert client.get(url).status_code == 403, url
    for url in ("/catalog/batches/4/close/", "/catalog/batches/4/publish/", "/catalog/batches/4/apply/"):
        assert client.post(url, {}).status_code == 403, url
    review_batch.refresh_from_db()
    assert review_batch.status == SelectionBatch.Status.REVIEWING


def test_org_may_not_run_ministry_batch_work(as_user, org_a_user, review_batch):
    client = as_user(org_a_user)
    for url in ("/catalog/batches/new/", "/catalog/batches/4/import/"):
        assert client.get(url).status_code == 403
    assert client.post("/catalog/batches/4/publish/").status_code == 403
    # Online application is for open batches only.
    response = client.post("/catalog/batches/4/apply/", {
        "cert-TOTAL_FORMS": "1", "cert-INITIAL_FORMS": "0", "cert-MIN_NUM_FORMS": "0", "cert-MAX_NUM_FORMS": "10",
        "cert-0-name": "某证书", "cert-0-field": "信息技术", "cert-0-junior": "paper"})
    assert "不在申报期内" in response.content.decode() and BatchApplication.objects.count() == 0


def test_anonymous_batch_work_is_sent_to_sign_in(client, review_batch):
    for url in ("/catalog/batches/new/", "/catalog/batches/4/applications/", "/catalog/batches/4/apply/",
                "/catalog/batches/4/publish/", "/catalog/batches/4/close/"):
        response = client.post(url, {})
        assert response.status_code == 302 and "/account/login/" in response["Location"], url


def test_workbench_todos(as_user, ministry_user, org_a_user, open_batch, review_batch):
    ApplicationCertificateFactory(application__batch=review_batch, outcome=Outcome.SHORTLISTED,
                                  notice_from=TODAY - 9 * DAY, notice_until=TODAY - DAY)
    assert "公示期满、待作出遴选决定的申报证书" in as_user(ministry_user).get("/").content.decode()
    assert f"{open_batch.name}正在申报" in as_user(org_a_user).get("/").content.decode()


def test_the_batch_page_offers_each_role_what_the_batch_access_allows(as_user, ministry_user, org_a_user, hubei_user,
                                                                       open_batch):
    ministry = as_user(ministry_user).get("/catalog/batches/5/").content.decode()
    assert "申报与评审" in ministry and "截止申报" in ministry and "公布遴选结果" in ministry
    assert "在线申报" not in ministry
    org = as_user(org_a_user).get("/catalog/batches/5/").content.decode()
    assert "在线申报" in org and "截止申报" not in org and "公布遴选结果" not in org
    province = as_user(hubei_user).get("/catalog/batches/5/").content.decode()
    assert not any(word in province for word in ("在线申报", "截止申报", "公布遴选结果", "申报与评审"))
    assert "开启新批次" in as_user(ministry_user).get("/catalog/batches/").content.decode()
    assert "开启新批次" not in as_user(org_a_user).get("/catalog/batches/").content.decode()


def test_import_of_a_text_file_named_xlsx_says_it_is_not_an_excel_workbook(ministry, review_batch):
    """Issue 16, input: a text file named .xlsx is not read as something else nor called a wrong
    type in general: it is named as not an Excel workbook (``core.tabular.file_kind``)."""
    with pytest.raises(AppError) as error:
        applications_import(actor=ministry, batch=review_batch,
                            upload=SimpleUploadedFile("申报汇总.xlsx", "统一社会信用代码,申报单位\n1,2\n".encode()))
    assert error.value.code == "not_a_workbook" and error.value.field == "file"
    assert "文件“申报汇总.xlsx”不是 Excel 工作簿" in str(error.value.message)
    assert BatchApplication.objects.count() == 0
