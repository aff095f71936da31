"""The supervision board's pages: the ranking with its run, one org's evidence, the rules, the
candidates and the yellow card confirmed from them; every page tried by the ministry and refused
to the others; bad filters give an empty page with a message; the three XLSX exports."""

import datetime
import io

import openpyxl
import pytest

from accounts.models import AuditEntry
from organizations.orgs.models import Org
from organizations.supervision.models import OrgAction
from pilot.indicators.models import IndicatorRun, OrgIndicator
from tests.assessments.factories import TeacherTrainingFactory
from tests.certificates.factories import certificate_with_levels
from tests.pilot.test_indicators import OCTOBER, compute

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def board(org_a, org_b, provinces):
    """October 2020: org A trained only in Shandong (a candidate), org B in Shandong and Hubei."""
    a = certificate_with_levels(org=org_a, code="X10001")
    b = certificate_with_levels(org=org_b, code="X10002")
    TeacherTrainingFactory(certificate=a, province=provinces["37"], start_date=D(2020, 8, 3), end_date=D(2020, 8, 4))
    TeacherTrainingFactory(certificate=b, province=provinces["37"], start_date=D(2020, 7, 3), end_date=D(2020, 7, 4))
    TeacherTrainingFactory(certificate=b, province=provinces["42"], start_date=D(2020, 8, 3), end_date=D(2020, 8, 4))
    return compute()


def xlsx_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_ministry_sees_the_ranking_and_exports_it(as_user, ministry_user, board, org_a, org_b):
    client = as_user(ministry_user)
    page = client.get("/supervision/indicators/").content.decode()
    assert org_a.name in page and org_b.name in page and "2020年10月" in page and "综合得分的构成" in page
    assert f'href="/supervision/indicators/orgs/{org_a.pk}/?month=2020-10"' in page
    rows = xlsx_rows(client.get("/supervision/indicators/?month=2020-10&export=xlsx"))
    assert rows[0][:4] == ("排名", "培训评价组织", "状态", "综合得分")
    assert {r[1] for r in rows[1:]} == {org_a.name, org_b.name} and rows[1][0] == 1 and rows[1][1] == org_b.name


@pytest.mark.parametrize(("query", "message"), [("month=2020-13", "不是有效的月份"), ("month=abc", "不是有效的月份"),
                                                ("month=2020-09", "尚未计算"), ("status=nonsense", "不是有效的组织状态")])
def test_bad_filters_give_an_empty_page_with_a_message(as_user, ministry_user, board, org_a, query, message):
    for url in ("/supervision/indicators/", "/supervision/candidates/"):
        if url == "/supervision/candidates/" and query.startswith("status"):
            continue
        response = as_user(ministry_user).get(f"{url}?{query}")
        page = response.content.decode()
        assert response.status_code == 200 and message in page and org_a.name not in page
    response = as_user(ministry_user).get(f"/supervision/indicators/orgs/{org_a.pk}/?{query}")
    assert response.status_code == 200


def test_the_ministry_computes_a_month_from_the_page(as_user, ministry_user, board, tasks_in_process,
                                                     django_capture_on_commit_callbacks):
    client = as_user(ministry_user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/supervision/indicators/run/", {"month": "2020-09"})
    assert response.status_code == 302 and response["Location"] == "/supervision/indicators/?month=2020-09"
    page = client.get("/supervision/indicators/?month=2020-09").content.decode()
    assert "data-job-status" in page and "js/jobs.js" in page and "<script>" not in page
    assert client.get("/supervision/indicators/2020/9/status/").json()["status"] == "queued"
    for callback in queued:
        callback()
    status = client.get("/supervision/indicators/2020/9/status/").json()
    assert status["status"] == "done" and status["finished"] and status["percent"] == 100
    assert OrgIndicator.objects.filter(run__month=D(2020, 9, 1)).count() == 2
    assert AuditEntry.objects.filter(action="indicator.requested", actor=ministry_user).exists()


def test_a_month_not_begun_is_refused_on_the_page(as_user, ministry_user):
    response = as_user(ministry_user).post("/supervision/indicators/run/", {"month": "2099-01"})
    assert response.status_code == 400 and "不能计算尚未开始的月份的指标" in response.content.decode()
    assert not IndicatorRun.objects.exists()


def test_an_orgs_evidence_page_and_its_export(as_user, ministry_user, board, org_a):
    client = as_user(ministry_user)
    page = client.get(f"/supervision/indicators/orgs/{org_a.pk}/").content.decode()
    assert "2020-08-03" in page and "山东省" in page and "未按期启动师资培训" in page and "确认黄牌警告" in page
    assert "截至2020-09-10未在湖北启动师资培训" in page  # the pre-filled reason
    assert "id=\"indicator-history\"" in page and "2020年10月" in page
    rows = xlsx_rows(client.get(f"/supervision/indicators/orgs/{org_a.pk}/?month=2020-10&export=xlsx"))
    assert rows[0] == ("指标", "证书/对象", "等级", "省份/地点", "数值", "说明")
    assert ("全国师资培训（本年度最早）", "初级", "山东省", 30) == rows[1][:1] + rows[1][2:5]


def test_the_ministry_confirms_a_yellow_card_from_the_candidates(as_user, ministry_user, board, org_a, org_b):
    client = as_user(ministry_user)
    page = client.get("/supervision/candidates/").content.decode()
    assert org_a.name in page and org_b.name not in page and "截至当年 9 月 10 日" in page
    reason = client.get(f"/supervision/indicators/orgs/{org_a.pk}/?month=2020-10").context["card_form"].initial["reason"]
    response = client.post(f"/supervision/candidates/{org_a.pk}/yellow-card/", {"reason": reason, "month": "2020-10"})
    assert response.status_code == 302 and response["Location"] == f"/supervision/indicators/orgs/{org_a.pk}/?month=2020-10"
    org_a.refresh_from_db()
    assert org_a.status == Org.Status.YELLOW_CARD
    action = OrgAction.objects.get(org=org_a)
    assert action.kind == "yellow_card" and "未在湖北启动师资培训" in action.reason and action.actor == ministry_user
    assert AuditEntry.objects.filter(action="org.yellow_card", object_id=str(org_a.pk)).exists()
    # Shown as yellow-carded, not offered a second card; a second post is refused and saves nothing.
    page = client.get("/supervision/candidates/").content.decode()
    assert "已黄牌警告，不重复黄牌" in page and f'action="/supervision/candidates/{org_a.pk}/yellow-card/"' not in page
    response = client.post(f"/supervision/candidates/{org_a.pk}/yellow-card/", {"reason": reason, "month": "2020-10"})
    assert response.status_code == 400 and "不能执行" in response.content.decode()
    assert OrgAction.objects.filter(org=org_a).count() == 1


def test_delisting_from_a_candidate_prefills_the_reason(as_user, ministry_user, board, org_a):
    page = as_user(ministry_user).get(f"/supervision/orgs/{org_a.pk}/delist/?month=2020-10").content.decode()
    assert "根据2020年10月培训评价组织行为评价指标" in page and "未在湖北启动师资培训" in page


def test_the_candidates_export(as_user, ministry_user, board, org_a):
    rows = xlsx_rows(as_user(ministry_user).get("/supervision/candidates/?month=2020-10&export=xlsx"))
    assert rows[0] == ("培训评价组织", "状态", "触发规则", "综合得分", "排名", "证据")
    assert rows[1][0] == org_a.name and rows[1][2] == "未按期启动师资培训" and "2020-09-10" in rows[1][5]


def test_the_ministry_tunes_the_rules_and_each_change_is_audited(as_user, ministry_user, board, org_a):
    client = as_user(ministry_user)
    form = client.get("/supervision/indicators/rules/").context["form"]
    data = {name: value for name, value in form.initial.items() if name in form.fields and value is not False}
    data.update(training_deadline_month=9, training_deadline_day=1)
    assert client.post("/supervision/indicators/rules/", data).status_code == 302
    entry = AuditEntry.objects.get(action="indicator.rules_set")
    assert entry.changes == {"training_deadline_day": [10, 1]} and entry.actor == ministry_user
    assert "training_deadline_day 10 → 1" in client.get("/supervision/indicators/rules/").content.decode()
    response = client.post("/supervision/indicators/rules/", {**data, "training_deadline_month": 2,
                                                              "training_deadline_day": 30})
    assert response.status_code == 400 and "不是有效日期" in response.content.decode()
    assert AuditEntry.objects.filter(action="indicator.rules_set").count() == 1


def test_the_ministrys_workbench_points_at_the_candidates(as_user, ministry_user, board):
    page = as_user(ministry_user).get("/").content.decode()
    assert "2020年10月黄牌候选待研判" in page and "/supervision/candidates/?month=2020-10" in page


LISTS = ("/supervision/indicators/", "/supervision/candidates/", "/supervision/indicators/rules/",
         "/supervision/indicators/2020/10/status/")


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_agency_user", "org_a_user", "hubei_institution_user",
                                     "hubei_alliance_user", "student_user"])
def test_the_lists_are_the_ministrys_only(request, as_user, board, persona, org_a):
    client = as_user(request.getfixturevalue(persona))
    for url in LISTS:  # national data: not found outside the ministry's scope
        assert client.get(url).status_code == 404, url
    assert client.post("/supervision/indicators/run/", {"month": "2020-10"}).status_code == 403
    assert client.post(f"/supervision/candidates/{org_a.pk}/yellow-card/", {"reason": "无权黄牌"}).status_code == 403
    assert Org.objects.get(pk=org_a.pk).status == Org.Status.ACTIVE


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_institution_user", "student_user", "org_b_user"])
def test_an_orgs_page_is_not_found_outside_its_scope(request, as_user, board, persona, org_a):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(f"/supervision/indicators/orgs/{org_a.pk}/").status_code == 404
    assert client.get(f"/supervision/indicators/orgs/{org_a.pk}/?export=xlsx").status_code == 404


def test_an_org_sees_its_own_indicators_read_only(as_user, org_a_user, board, org_a):
    page = as_user(org_a_user).get(f"/supervision/indicators/orgs/{org_a.pk}/").content.decode()
    assert "2020-08-03" in page and "确认黄牌警告" not in page and "黄牌候选" not in page


def test_an_unknown_month_has_no_status(as_user, ministry_user):
    assert as_user(ministry_user).get("/supervision/indicators/2020/10/status/").status_code == 404
    assert OCTOBER.month == 10


@pytest.fixture
def restore_language():
    """The locale middleware leaves the last request's language active in this thread."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_board_speaks_english(as_user, ministry_user, board, org_a, restore_language):
    client = as_user(ministry_user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/supervision/candidates/").content.decode()
    assert "Yellow-card candidates" in page and "had not started teacher training in Hubei by 2020-09-10" in page
    assert "黄牌候选" not in page and "Confirm the yellow card" in page
    page = client.get(f"/supervision/indicators/orgs/{org_a.pk}/").content.decode()
    assert "Pass-rate anomalies (lenient assessment)" in page and "Composite score" in page
    page = client.get("/supervision/indicators/").content.decode()
    assert "How the composite score is made" in page and "Teacher training started" in page


def test_the_supervision_page_links_to_the_orgs_indicators(as_user, ministry_user, org_a_user, board, org_a):
    for user in (ministry_user, org_a_user):
        page = as_user(user).get(f"/supervision/orgs/{org_a.pk}/").content.decode()
        assert f'href="/supervision/indicators/orgs/{org_a.pk}/"' in page


def test_the_page_shows_the_first_evidence_rows_and_the_export_all_of_them(as_user, ministry_user, board, org_a):
    from pilot.indicators.selectors import DISPLAY_ROWS

    row = OrgIndicator.objects.get(run=board, org=org_a)
    cells = [{"certificate": f"证书{n}", "code": f"X{n}", "level": "junior", "province": "湖北省", "planned": 10,
              "assessed": n % 10, "fulfilment": float(n % 10 * 10)} for n in range(DISPLAY_ROWS + 5)]
    row.evidence["plan"] = {"rows": cells, "more": 0, "window": ["2020-09-01", "2020-10-31"]}
    row.save(update_fields=["evidence"])
    client = as_user(ministry_user)
    page = client.get(f"/supervision/indicators/orgs/{org_a.pk}/").content.decode()
    assert "另有 5 行未列出（见导出）" in page and f"证书{DISPLAY_ROWS + 4}<" not in page
    rows = xlsx_rows(client.get(f"/supervision/indicators/orgs/{org_a.pk}/?month=2020-10&export=xlsx"))
    assert sum(1 for r in rows if r[0] == "计划完成率") == DISPLAY_ROWS + 5


def test_the_org_page_offers_the_ministrys_links_by_its_flags(as_user, ministry_user, org_a_user, board, org_a):
    from accounts.scoping import actor_for
    from pilot.indicators import selectors

    assert set(selectors.indicator_org_get(actor_for(ministry_user), org_a.pk).may) == {"card", "supervision"}
    assert not selectors.indicator_org_get(actor_for(org_a_user), org_a.pk).may
    supervision = f"/supervision/orgs/{org_a.pk}/"
    assert supervision in as_user(ministry_user).get(f"/supervision/indicators/orgs/{org_a.pk}/").content.decode()
    assert supervision not in as_user(org_a_user).get(f"/supervision/indicators/orgs/{org_a.pk}/").content.decode()
    # The org may not card itself, even on its own page.
    assert as_user(org_a_user).post(f"/supervision/candidates/{org_a.pk}/yellow-card/",
                                    {"reason": "自己给自己黄牌"}).status_code == 403


def test_reading_the_rules_writes_nothing(as_user, ministry_user, board, org_a):
    """Before the ministry saves the rules, the pages and the candidates read their defaults; only
    saving them writes the rule set (no write during a GET, no write in a selector)."""
    from pilot.indicators import selectors
    from pilot.indicators.models import IndicatorRuleSet

    IndicatorRuleSet.objects.all().delete()
    client = as_user(ministry_user)
    for url in ("/supervision/indicators/rules/", "/supervision/candidates/?month=2020-10",
                f"/supervision/indicators/orgs/{org_a.pk}/", "/"):
        assert client.get(url).status_code == 200, url
    assert not IndicatorRuleSet.objects.exists()
    assert selectors.rules_current().training_deadline_month == 9
    assert org_a.name in {c["org"].name for c in selectors.candidates_of(board)}
