"""Assessment plans: the template, uploads and the online form checked row by row (all or nothing),
versions that supersede and are kept, warnings against the filings, the planning window, and
every page and API endpoint tried by the right role and the wrong one."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry
from assessments.models import AssessmentPlan, AssessmentPlanRow, PlanningWindow
from assessments.plans import selectors as plans_selectors
from assessments.plans import services as plans
from core.errors import AppError, Forbidden
from core.tabular.schema import TabularError
from tests.assessments.factories import FilingFactory
from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

pytestmark = pytest.mark.django_db

HEADERS = ["月份", "省份", "证书名称", "等级", "计划考核人数", "计划考核批次"]
GOOD = [["9月", "湖北省", "Web前端开发", "初级", 120, 2],
        ["2020-10", "湖北省", "Web前端开发", "初级", 80, 1],
        ["2020年11月", "山东省", "X10001", "中级", 60, 1],
        ["12", "湖北", "Web前端开发", "高级", 0, 0]]


def plan_xlsx(rows, name="考核计划.xlsx", headers=HEADERS) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def plan_csv(rows, encoding="utf-8") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *rows])
    return SimpleUploadedFile("考核计划.csv", buffer.getvalue().encode(encoding))


@pytest.fixture
def upload(actor, org_a_user, certificate):
    """``upload(rows)``: org A uploads its 2020 plan."""

    def _upload(rows, year=2020, **kwargs):
        file = rows if isinstance(rows, SimpleUploadedFile) else plan_xlsx(rows, **kwargs)
        return plans.plan_upload(actor=actor(org_a_user), year=year, upload=file)

    return _upload


# --- the template --------------------------------------------------------------------------------

def test_the_template_has_chinese_headers_an_example_row_and_drop_downs(as_user, org_a_user, certificate,
                                                                        other_certificate):
    response = as_user(org_a_user).get("/assessments/plans/template.xlsx?year=2020")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["考核计划"]
    assert [c.value for c in sheet[1]] == [h + "*" for h in HEADERS]
    assert [c.value for c in sheet[2]] == ["9月", "湖北省", "（示例）证书名称", "初级", "200", "4"]
    options = [row for row in workbook["选项"].values]
    months = [row[0] for row in options[1:] if row[0]]
    assert months == ["9月", "10月", "11月", "12月"]
    certificates = [row[2] for row in options[1:] if row[2]]
    assert certificates == ["Web前端开发"]  # only the org's own
    assert len(sheet.data_validations.dataValidation) >= 4


def test_the_template_as_uploaded_unchanged_says_it_has_no_data(as_user, org_a_user, upload, certificate):
    content = as_user(org_a_user).get("/assessments/plans/template.xlsx?year=2020").content
    with pytest.raises(TabularError, match="没有数据行"):
        upload(SimpleUploadedFile("template.xlsx", content))


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_user", "hubei_institution_user"])
def test_only_an_org_downloads_the_template(request, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get("/assessments/plans/template.xlsx").status_code == 403


# --- submitting ---------------------------------------------------------------------------------

def test_a_valid_upload_becomes_version_one(upload, org_a, certificate):
    outcome = upload(GOOD)
    plan = outcome.plan
    assert (plan.org, plan.year, plan.version, plan.is_current, plan.source) == (org_a, 2020, 1, True, "upload")
    assert (plan.first_month, plan.last_month, plan.total_candidates, plan.total_sessions) == (9, 12, 260, 4)
    assert outcome.superseded is None
    rows = {(r.month, r.province_id, r.level): r.planned_candidates for r in plan.rows.all()}
    assert rows == {(9, "42", "junior"): 120, (10, "42", "junior"): 80, (11, "37", "intermediate"): 60,
                    (12, "42", "senior"): 0}
    entry = AuditEntry.objects.get(action="plan.submitted")
    assert entry.changes["version"] == [None, 1] and entry.changes["rows"] == [None, 4]


def test_a_new_version_supersedes_the_old_and_both_are_kept(upload):
    first = upload(GOOD).plan
    outcome = upload(GOOD[:2])
    first.refresh_from_db()
    assert outcome.superseded == first and not first.is_current and first.rows.count() == 4
    assert outcome.plan.version == 2 and outcome.plan.is_current and outcome.plan.rows.count() == 2
    assert AssessmentPlan.objects.count() == 2
    assert AuditEntry.objects.filter(action="plan.submitted").order_by("pk").last().changes["version"] == [1, 2]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_in_utf8_or_gbk_is_accepted(upload, encoding):
    assert upload(plan_csv(GOOD, encoding=encoding)).plan.rows.count() == 4


@pytest.mark.parametrize(("row", "column", "message"), [
    (["9月", "湖北省", "老年照护", "初级", 10, 1], "证书名称", "证书“老年照护”不属于本组织，不能为其制定考核计划。"),
    (["9月", "湖北省", "不存在的证书", "初级", 10, 1], "证书名称", "不在证书目录中"),
    (["1月", "湖北省", "Web前端开发", "初级", 10, 1], "月份", "1月不在 2020 年的考核计划时间窗口（9月至12月）内。"),
    (["2021-09", "湖北省", "Web前端开发", "初级", 10, 1], "月份", "不在本计划的年度（2020 年）内"),
    (["13月", "湖北省", "Web前端开发", "初级", 10, 1], "月份", "应为 1 到 12 月"),
    (["九月", "湖北省", "Web前端开发", "初级", 10, 1], "月份", "格式不正确"),
    (["9月", "湖北省", "Web前端开发", "初级", -10, 1], "计划考核人数", "不能为负数，当前为“-10”。"),
    (["9月", "湖北省", "Web前端开发", "初级", 10, -1], "计划考核批次", "不能为负数"),
    (["9月", "湖北省", "Web前端开发", "初级", 2.5, 1], "计划考核人数", "应为不小于 0 的整数"),
    (["9月", "湖北省", "Web前端开发", "初级", 10, 0], "计划考核批次", "考核批次至少为 1"),
    (["9月", "火星", "Web前端开发", "初级", 10, 1], "省份", "省份“火星”无效"),
    (["9月", "湖北省", "Web前端开发", "特级", 10, 1], "等级", "等级“特级”无效"),
    (["9月", "湖北省", "Web前端开发", "初级", "", 1], "计划考核人数", "不能为空"),
])
def test_a_wrong_row_is_refused_naming_row_and_column_and_nothing_is_saved(upload, other_certificate, row, column,
                                                                         message):
    with pytest.raises(AppError) as caught:
        upload(GOOD + [row])
    error = caught.value
    assert error.code == "invalid_rows" and "考核计划未保存" in str(error.message)
    assert {"row": 6, "column": column} == {k: error.details[0][k] for k in ("row", "column")}
    assert message in error.details[0]["message"]
    assert not AssessmentPlan.objects.exists() and not AssessmentPlanRow.objects.exists()


def test_a_level_the_certificate_lacks_and_a_repeated_row_are_refused(upload, org_a):
    junior_only = CertificateFactory(org=org_a, name="仅初级证书", code="X19999")
    CertificateLevelFactory(certificate=junior_only, level="junior")
    rows = [["9月", "湖北省", "仅初级证书", "高级", 10, 1], GOOD[0], ["9月", "湖北省", "Web前端开发", "初级", 5, 1]]
    with pytest.raises(AppError) as caught:
        upload(rows)
    messages = [e["message"] for e in caught.value.details]
    assert "证书“仅初级证书”没有“高级”等级（设有：初级）。" in messages
    assert "与第 3 行重复：同一月份、省份、证书和等级只能填写一行。" in messages


def test_a_wrong_file_is_refused_with_a_precise_message(upload):
    with pytest.raises(TabularError) as caught:
        upload(GOOD, headers=["月份", "省份", "证书", "人数"])
    assert caught.value.code == "wrong_headers" and "缺少" in str(caught.value.message)
    with pytest.raises(TabularError) as caught:
        upload(SimpleUploadedFile("plan.csv", ",".join(HEADERS).encode("utf-16") + "\r\n".encode("utf-16")))
    assert caught.value.code == "bad_encoding" and "UTF-8 或 GBK" in str(caught.value.message)
    with pytest.raises(TabularError) as caught:
        upload(SimpleUploadedFile("plan.xlsx", b"%PDF-1.7 not a spreadsheet"))
    assert caught.value.code == "not_a_spreadsheet"
    assert not AssessmentPlan.objects.exists()


def test_a_plan_over_what_the_provinces_institutions_declared_is_saved_with_a_warning(upload, certificate, hubei,
                                                                                    hubei_institution):
    FilingFactory(institution=hubei_institution, certificate=certificate, year=2020, levels={"junior": 150})
    outcome = upload(GOOD)
    warnings = {(w["province"], w["level"]): w for w in outcome.warnings}
    assert set(warnings) == {("42", "junior"), ("37", "intermediate")}
    assert warnings[("42", "junior")]["planned"] == 200 and warnings[("42", "junior")]["declared"] == 150
    hubei_message, shandong_message = warnings[("42", "junior")]["message"], warnings[("37", "intermediate")]["message"]
    assert "湖北省「Web前端开发（初级）」计划考核 200 人，超过该省院校备案申报的 150 人（第 2、3 行）" in hubei_message
    assert "山东省「Web前端开发（中级）」计划考核 60 人，但该省尚无院校备案申报该证书等级" in shandong_message
    assert outcome.plan.warnings == outcome.warnings and outcome.plan.rows.count() == 4
    FilingFactory(institution=hubei_institution, certificate=certificate, year=2019, levels={"junior": 9000})
    assert len(upload(GOOD).warnings) == 2  # another year's filings do not count


def test_within_the_declared_scale_there_is_no_warning(upload, certificate, hubei_institution, shandong_institution):
    FilingFactory(institution=hubei_institution, certificate=certificate, year=2020,
                  levels={"junior": 200, "senior": 10})
    FilingFactory(institution=shandong_institution, certificate=certificate, year=2020, levels={"intermediate": 60})
    assert upload(GOOD).warnings == []


def test_only_an_org_submits_a_plan(actor, hubei_user, certificate):
    with pytest.raises(Forbidden):
        plans.plan_upload(actor=actor(hubei_user), year=2020, upload=plan_xlsx(GOOD))


def test_a_year_outside_the_pilot_is_refused(upload):
    with pytest.raises(AppError, match="年度应为 2019 到"):
        upload(GOOD, year=2015)


# --- the planning window -------------------------------------------------------------------------

def test_the_ministry_sets_the_window_and_new_plans_follow_it(actor, ministry_user, upload):
    window = plans.planning_window_set(actor=actor(ministry_user), year=2020, first_month=10, last_month=12)
    assert window.months == [10, 11, 12]
    assert AuditEntry.objects.get(action="plan.window_set").changes == {"first_month": [9, 10]}
    with pytest.raises(AppError) as caught:
        upload(GOOD)
    assert "9月不在 2020 年的考核计划时间窗口（10月至12月）内。" in caught.value.details[0]["message"]
    assert upload(GOOD[1:]).plan.first_month == 10


@pytest.mark.parametrize(("first", "last", "message"), [(12, 9, "起始月份不能晚于截止月份"), (0, 12, "起始月份应为"),
                                                        (9, 13, "截止月份应为")])
def test_a_wrong_window_is_refused(actor, ministry_user, first, last, message):
    with pytest.raises(AppError, match=message):
        plans.planning_window_set(actor=actor(ministry_user), year=2020, first_month=first, last_month=last)
    assert not PlanningWindow.objects.exists()


def test_the_window_pages(as_user, ministry_user, org_a_user, hubei_user):
    client = as_user(ministry_user)
    assert client.get("/assessments/plans/window/?year=2021").status_code == 200
    response = client.post("/assessments/plans/window/", {"year": "2021", "first_month": "8", "last_month": "12"})
    assert response.status_code == 302 and PlanningWindow.objects.get(year=2021).first_month == 8
    page = client.post("/assessments/plans/window/", {"year": "2021", "first_month": "12", "last_month": "8"})
    assert "起始月份不能晚于截止月份" in page.content.decode()
    for user in (org_a_user, hubei_user):
        assert as_user(user).get("/assessments/plans/window/").status_code == 403


# --- pages ---------------------------------------------------------------------------------------

def test_the_org_uploads_its_plan_in_the_browser_and_sees_warnings(as_user, org_a_user, certificate,
                                                                   hubei_institution):
    FilingFactory(institution=hubei_institution, certificate=certificate, year=2020, levels={"junior": 150})
    client = as_user(org_a_user)
    assert client.get("/assessments/plans/upload/?year=2020").status_code == 200
    response = client.post("/assessments/plans/upload/", {"year": "2020", "file": plan_xlsx(GOOD)}, follow=True)
    page = response.content.decode()
    assert "考核计划第 1 版已保存" in page and "超过该省院校备案申报的 150 人" in page
    assert 'id="plan-total-candidates"><strong>260</strong>' in page


def test_a_refused_upload_shows_every_error_and_saves_nothing(as_user, org_a_user, certificate, other_certificate):
    bad = GOOD + [["1月", "湖北省", "老年照护", "初级", -1, 1]]
    response = as_user(org_a_user).post("/assessments/plans/upload/", {"year": "2020", "file": plan_xlsx(bad)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "第 6 行" in page and "1月不在 2020 年的考核计划时间窗口" in page and "不属于本组织" in page
    assert "不能为负数" in page and not AssessmentPlan.objects.exists()


def test_the_org_fills_in_its_plan_online(as_user, org_a_user, certificate, upload):
    client = as_user(org_a_user)
    page = client.get("/assessments/plans/edit/?year=2020").content.decode()
    assert 'name="form-0-month"' in page and "Web前端开发" in page
    data = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "2000",
            "form-0-month": "9", "form-0-province": "42", "form-0-certificate": "X10001", "form-0-level": "junior",
            "form-0-planned_candidates": "50", "form-0-planned_sessions": "1",
            "form-2-month": "10", "form-2-province": "37", "form-2-certificate": "X10001", "form-2-level": "junior",
            "form-2-planned_candidates": "-3", "form-2-planned_sessions": "1"}
    response = client.post("/assessments/plans/edit/?year=2020", data)
    assert response.status_code == 400 and "第 3 行" in response.content.decode() and "不能为负数" in response.content.decode()
    assert not AssessmentPlan.objects.exists()
    data["form-2-planned_candidates"] = "30"
    response = client.post("/assessments/plans/edit/?year=2020", data)
    plan = AssessmentPlan.objects.get()
    assert response.status_code == 302 and plan.source == "form" and plan.total_candidates == 80
    page = client.get("/assessments/plans/edit/?year=2020").content.decode()
    assert 'value="50"' in page  # the form starts from the current version


@pytest.fixture
def two_plans(actor, org_a_user, org_b_user, certificate, other_certificate):
    plans.plan_upload(actor=actor(org_a_user), year=2020, upload=plan_xlsx(GOOD))
    plans.plan_upload(actor=actor(org_b_user), year=2020, upload=plan_xlsx(
        [["9月", "山东省", "老年照护", "初级", 33, 1]]))
    return AssessmentPlan.objects.get(org__name="甲培训评价组织"), AssessmentPlan.objects.get(org__name="乙培训评价组织")


@pytest.mark.parametrize(("persona", "sees_a", "sees_b"), [
    ("ministry_user", True, True), ("hubei_user", True, False), ("shandong_user", True, True),
    ("hubei_agency_user", True, False),
])
def test_the_ministry_and_provinces_see_the_plans_of_their_scope(request, as_user, two_plans, persona, sees_a, sees_b):
    page = as_user(request.getfixturevalue(persona)).get("/assessments/plans/?year=2020").content.decode()
    assert ("甲培训评价组织" in page) is sees_a
    assert ("乙培训评价组织" in page) is sees_b


def test_a_province_reads_only_its_own_rows_of_a_plan(as_user, hubei_user, shandong_user, two_plans):
    plan_a, _plan_b = two_plans
    page = as_user(hubei_user).get(f"/assessments/plans/{plan_a.pk}/").content.decode()
    assert "湖北省" in page and "山东省" not in page and 'id="plan-total-candidates"><strong>200</strong>' in page
    page = as_user(shandong_user).get(f"/assessments/plans/{plan_a.pk}/").content.decode()
    assert 'id="plan-total-candidates"><strong>60</strong>' in page
    rows = list(openpyxl.load_workbook(io.BytesIO(as_user(hubei_user).get(
        f"/assessments/plans/{plan_a.pk}/?export=xlsx").content)).active.values)
    assert len(rows) == 4 and {r[1] for r in rows[1:]} == {"湖北省"}


def test_plans_are_out_of_scope_for_other_orgs_and_institutions(as_user, org_b_user, hubei_user, hubei_institution_user,
                                                                student_user, two_plans):
    plan_a, plan_b = two_plans
    assert as_user(org_b_user).get(f"/assessments/plans/{plan_a.pk}/").status_code == 404
    assert as_user(hubei_user).get(f"/assessments/plans/{plan_b.pk}/").status_code == 404
    for user in (hubei_institution_user, student_user):
        assert as_user(user).get("/assessments/plans/").status_code == 403
        assert as_user(user).get(f"/assessments/plans/{plan_a.pk}/").status_code == 403
    for url in ("/assessments/plans/upload/", "/assessments/plans/edit/"):
        assert as_user(hubei_user).get(url).status_code == 403


def test_the_org_sees_its_versions_and_exports(as_user, org_a_user, upload):
    upload(GOOD)
    upload(GOOD[:1])
    client = as_user(org_a_user)
    page = client.get("/assessments/plans/?year=2020").content.decode()
    assert "当前版本：第 2 版" in page and "已被替代" in page
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get("/assessments/plans/?year=2020&export=xlsx").content))
                .active.values)
    assert len(rows) == 2 and rows[1][2] == 2  # only the current version


# --- API -----------------------------------------------------------------------------------------

API_ROWS = [{"month": 9, "province": "42", "certificate": "X10001", "level": "junior", "planned_candidates": 90,
             "planned_sessions": 2}, {"month": "10月", "province": "山东省", "certificate": "Web前端开发",
                                      "level": "初级", "planned_candidates": 40, "planned_sessions": 1}]


def test_an_org_submits_its_plan_over_the_api(as_user, org_a_user, certificate):
    client = as_user(org_a_user)
    response = client.post("/api/v1/assessment-plans", {"year": 2020, "rows": API_ROWS}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1 and body["total_candidates"] == 130 and len(body["rows"]) == 2
    bad = [{**API_ROWS[0], "month": 3}, {**API_ROWS[1], "planned_candidates": -2}]
    response = client.post("/api/v1/assessment-plans", {"year": 2020, "rows": bad}, content_type="application/json")
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(1, "month"), (2, "planned_candidates")]
    assert AssessmentPlan.objects.count() == 1
    listed = client.get("/api/v1/assessment-plans?year=2020&current=1").json()
    assert listed["count"] == 1 and client.get(f"/api/v1/assessment-plans/{body['id']}").status_code == 200


def test_plan_api_scopes(as_user, org_b_user, hubei_user, shandong_user, hubei_institution_user, ministry_user,
                         two_plans):
    plan_a, plan_b = two_plans
    assert as_user(org_b_user).get(f"/api/v1/assessment-plans/{plan_a.pk}").status_code == 404
    assert as_user(org_b_user).get("/api/v1/assessment-plans").json()["count"] == 1
    body = as_user(shandong_user).get(f"/api/v1/assessment-plans/{plan_a.pk}").json()
    assert [r["province"] for r in body["rows"]] == ["37"] and body["warnings"] == [
        w for w in plan_a.warnings if w["province"] == "37"]
    assert as_user(hubei_user).get(f"/api/v1/assessment-plans/{plan_b.pk}").status_code == 404
    assert as_user(hubei_institution_user).get("/api/v1/assessment-plans").status_code == 403
    response = as_user(hubei_user).post("/api/v1/assessment-plans", {"year": 2020, "rows": API_ROWS},
                                        content_type="application/json")
    assert response.status_code == 403
    assert as_user(ministry_user).get("/api/v1/assessment-plans").json()["count"] == 2


def test_planning_window_api(as_user, ministry_user, org_a_user, hubei_institution_user):
    assert as_user(org_a_user).get("/api/v1/planning-windows/2020").json() == {"year": 2020, "first_month": 9,
                                                                               "last_month": 12}
    response = as_user(org_a_user).put("/api/v1/planning-windows/2020", {"first_month": 10, "last_month": 12},
                                       content_type="application/json")
    assert response.status_code == 403
    response = as_user(ministry_user).put("/api/v1/planning-windows/2020", {"first_month": 10, "last_month": 11},
                                          content_type="application/json")
    assert response.json()["first_month"] == 10
    assert as_user(hubei_institution_user).get("/api/v1/planning-windows/2020").status_code == 403


# --- one access decision (issue 13) ------------------------------------------------------------------

@pytest.mark.parametrize(("persona", "expected"), [
    ("org_a_user", {"read", "submit", "all_warnings"}), ("ministry_user", {"read", "set_window", "all_warnings"}),
    ("hubei_user", {"read"}), ("hubei_agency_user", {"read"}), ("hubei_institution_user", set()),
])
def test_what_each_role_may_do_on_the_plan_pages(request, actor, persona, expected):
    assert plans_selectors.plans_page_access(actor(request.getfixturevalue(persona))) == expected


@pytest.mark.parametrize("persona", ["hubei_user", "org_a_user"])
def test_a_role_that_reads_plans_gets_403_on_the_window_from_the_form_and_the_api(request, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.post("/assessments/plans/window/", {"year": "2021", "first_month": "8",
                                                      "last_month": "12"}).status_code == 403
    assert client.put("/api/v1/planning-windows/2021", {"first_month": 8, "last_month": 12},
                      content_type="application/json").status_code == 403
    assert not PlanningWindow.objects.exists()
