"""The dashboard: rollups count exactly what the pipeline holds (by month, province, org,
certificate, institution; passes not issued by cause and age), every page keeps to its scope,
nonsense filters give an empty page with a message, lists page by keyset, exports are real files."""

import datetime
import io
import subprocess

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from pilot.dashboard import lists, selectors
from pilot.dashboard.models import InstitutionFact, PilotFact, PilotYearFact, RollupRefresh, WaitingFact
from pilot.dashboard.rollups import rollup_refresh_now, rollup_refresh_request, rollup_refresh_run
from tests.assessments.factories import pipeline_candidate
from tests.certificates.factories import certificate_with_levels
from tests.personas import make_persona

pytestmark = pytest.mark.django_db

def national(**kwargs) -> selectors.Filters:
    return selectors.Filters(**kwargs)


def test_rollups_count_every_stage(dashboard_pilot, ministry_user):
    from accounts.scoping import actor_for

    actor = actor_for(ministry_user)
    totals = selectors.totals(selectors.year_facts(actor, national()))
    # 8 registered (one absent counts as registered), 7 sat, 6 passed.
    assert (totals["registered"], totals["assessed"], totals["passed"]) == (8, 7, 6)
    assert (totals["issued"], totals["waiting"], totals["blocked"], totals["failed"], totals["not_finalized"]) == (2, 1, 1, 1, 1)
    assert totals["not_issued"] == 4 and totals["pass_rate"] == round(100 * 6 / 7, 1)
    assert totals["teachers"] == 42 and totals["teachers_hubei"] == 42  # both trainings held in Hubei
    filing = dashboard_pilot["regs"]["issued"].institution.filings.get()
    assert totals["declared"] == sum(level.declared_students for level in filing.levels.all())
    # By month and by province.
    months = {(m["year"], m["month"]): m for m in selectors.by_month(selectors.facts(actor, national()))}
    assert months[(2026, 10)]["registered"] == 5 and months[(2026, 11)]["registered"] == 3
    assert months[(2026, 10)]["issued"] == 1 and months[(2026, 11)]["issued"] == 1
    provinces = {p["code"]: p for p in selectors.by_province(selectors.year_facts(actor, national()))}
    assert provinces["42"]["passed"] == 4 and provinces["37"]["passed"] == 2
    # Filters narrow; a province's institutions come from their own rollup.
    hubei_only = selectors.totals(selectors.year_facts(actor, national(province="42")))
    assert hubei_only["registered"] == 6 and hubei_only["issued"] == 1
    page = selectors.institutions_page(actor, national(province="42"))
    assert page["total"] == 1 and page["rows"][0]["registered"] == 5 and page["rows"][0]["not_issued"] == 2
    assert selectors.totals(selectors.year_facts(actor, national(certificate=dashboard_pilot["b"].pk)))["registered"] == 2
    assert selectors.totals(selectors.year_facts(actor, national(year=2025)))["registered"] == 0


def test_waiting_matrix_by_cause_and_age(dashboard_pilot, ministry_user, monkeypatch):
    from accounts.scoping import actor_for

    matrix = selectors.waiting_matrix(actor_for(ministry_user), national())
    totals = {r["cause"]: r["total"] for r in matrix["rows"]}
    assert totals == {"not_finalized": 1, "waiting": 1, "blocked": 1, "failed": 1} and matrix["total"] == 4
    waiting = next(r for r in matrix["rows"] if r["cause"] == "waiting")
    assert waiting["oldest"] == datetime.date(2026, 10, 12)
    ages = {r.age for r in WaitingFact.objects.all()}
    assert ages <= {a.value for a in WaitingFact.Age}


def test_refresh_replaces_never_duplicates(dashboard_pilot):
    counts = (PilotFact.objects.count(), PilotYearFact.objects.count(), InstitutionFact.objects.count())
    refresh = rollup_refresh_now(actor=None, trigger="test")
    assert refresh.status == RollupRefresh.Status.DONE and refresh.seconds is not None and refresh.as_of
    assert (PilotFact.objects.count(), PilotYearFact.objects.count(), InstitutionFact.objects.count()) == counts


def test_only_the_ministry_may_request_a_refresh_and_one_runs_at_a_time(dashboard_pilot, ministry_user, hubei_user):
    from accounts.scoping import actor_for
    from core.errors import AppError, Forbidden

    with pytest.raises(Forbidden):
        rollup_refresh_request(actor=actor_for(hubei_user), enqueue=False)
    queued = rollup_refresh_request(actor=actor_for(ministry_user), enqueue=False)
    with pytest.raises(AppError):
        rollup_refresh_request(actor=actor_for(ministry_user), enqueue=False)
    assert rollup_refresh_request(actor=None, trigger="schedule", enqueue=False) == queued  # the schedule joins it
    assert rollup_refresh_run(refresh_id=queued.pk).status == RollupRefresh.Status.DONE
    assert rollup_refresh_run(refresh_id=queued.pk).status == RollupRefresh.Status.DONE  # a second run does nothing


# --- pages and scopes ---------------------------------------------------------------------------

def test_ministry_dashboard_shows_the_figures(dashboard_pilot, ministry_user, as_user):
    client = as_user(ministry_user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-measure="not_issued"' in html and "合格未发证" in html and "数据更新于" in html
    assert "tile-grid" in html and "湖北专项行动" in html and "echarts.common.min.js" in html
    assert response.context["totals"]["passed"] == 6


@pytest.mark.parametrize("query", ["?year=abc", "?batch=-1", "?certificate=x", "?level=expert", "?year=99999"])
def test_nonsense_filters_give_an_empty_page_with_a_message(dashboard_pilot, ministry_user, as_user, query):
    client = as_user(ministry_user)
    response = client.get("/dashboard/" + query)
    assert response.status_code == 200
    assert response.context["totals"]["registered"] == 0
    assert "无效" in response.content.decode()
    assert client.get("/dashboard/lists/registered/" + query + "&province=42").status_code == 200


def test_province_sees_its_own_province_only(dashboard_pilot, hubei_user, as_user):
    client = as_user(hubei_user)
    assert client.get("/dashboard/")["Location"] == "/dashboard/provinces/42/"
    response = client.get("/dashboard/provinces/42/")
    assert response.status_code == 200 and response.context["totals"]["registered"] == 6
    for url in ("/dashboard/provinces/37/", "/dashboard/hubei/", "/dashboard/export/provinces/", "/dashboard/snapshot/",
                "/dashboard/lists/registered/?province=37", f"/dashboard/orgs/{dashboard_pilot['a'].org_id}/"):
        assert client.get(url).status_code == 404, url
    # Lists are forced to the province's own rows.
    page = client.get("/dashboard/lists/registered/").context["page"]
    assert page["total"] == 6 and len(page["rows"]) == 6


def test_org_sees_its_own_org_only(dashboard_pilot, as_user):
    org_user = make_persona(Role.ORG, scope_id=dashboard_pilot["a"].org_id)
    client = as_user(org_user)
    assert client.get("/dashboard/")["Location"] == f"/dashboard/orgs/{dashboard_pilot['a'].org_id}/"
    response = client.get(f"/dashboard/orgs/{dashboard_pilot['a'].org_id}/")
    assert response.status_code == 200 and response.context["totals"]["registered"] == 6
    assert client.get(f"/dashboard/orgs/{dashboard_pilot['b'].org_id}/").status_code == 404
    assert client.get("/dashboard/provinces/42/").status_code == 404
    assert client.get(f"/dashboard/lists/passed/?org={dashboard_pilot['b'].org_id}").status_code == 404
    assert client.get("/dashboard/lists/passed/").context["page"]["total"] == 4


def test_institutions_students_and_anonymous_are_refused(dashboard_pilot, hubei_institution_user, student_user, client, as_user):
    assert client.get("/dashboard/").status_code == 302  # to the sign-in page
    for user in (hubei_institution_user, student_user):
        signed_in = as_user(user)
        for url in ("/dashboard/", "/dashboard/provinces/42/", "/dashboard/lists/registered/?province=42",
                    "/dashboard/export/provinces/"):
            assert signed_in.get(url).status_code == 404, (user, url)
        assert signed_in.post("/dashboard/refresh/").status_code in (403, 404)


def test_drill_from_a_province_to_an_institution_and_its_rows(dashboard_pilot, ministry_user, hubei_institution, as_user):
    client = as_user(ministry_user)
    province = client.get("/dashboard/provinces/42/").content.decode()
    assert f"/dashboard/institutions/{hubei_institution.pk}/" in province
    response = client.get(f"/dashboard/institutions/{hubei_institution.pk}/")
    assert response.status_code == 200 and response.context["totals"]["registered"] == 5
    rows = client.get(f"/dashboard/lists/passed/?province=42&institution={hubei_institution.pk}").context["page"]
    assert rows["total"] == 3 and len(rows["rows"]) == 3
    # Names are masked, ID numbers never shown.
    person = dashboard_pilot["regs"]["issued"].person
    html = client.get(f"/dashboard/lists/registered/?province=42&institution={hubei_institution.pk}").content.decode()
    assert person.id_number not in html and person.name not in html


def test_national_large_lists_ask_for_a_province_first(dashboard_pilot, ministry_user, as_user):
    response = as_user(ministry_user).get("/dashboard/lists/registered/")
    assert response.status_code == 200 and "page" not in response.context
    assert {p["code"] for p in response.context["provinces"]} == {"42", "37"}
    # Small lists (passes waiting, by cause) list nationally.
    assert as_user(ministry_user).get("/dashboard/lists/blocked/").context["page"]["total"] == 1


def test_keyset_pagination_walks_every_row_once(ministry_user, hubei, monkeypatch):
    from accounts.scoping import actor_for

    monkeypatch.setattr(lists, "PAGE_SIZE", 3)
    certificate = certificate_with_levels(name="Web前端开发", status="published")
    days = [datetime.date(2026, 10, d) for d in (5, 5, 5, 6, 7, 7, 9)]
    for day in days:
        pipeline_candidate(certificate=certificate, province=hubei, date=day)
    rollup_refresh_now(actor=None, trigger="test")
    seen, after = [], ""
    for _ in range(5):
        page = lists.rows_page(actor_for(ministry_user), "registered", national(province="42"), lists.Place(), after=after)
        seen += [row[-1] for row in page["rows"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == sorted(days, reverse=True) and page["total"] == len(days)
    assert lists.rows_page(actor_for(ministry_user), "registered", national(province="42"), lists.Place(),
                           after="garbage")["rows"]  # a broken cursor starts again, never a 500


def test_exports_are_real_spreadsheets_and_the_snapshot_a_real_pdf(dashboard_pilot, ministry_user, hubei_user, as_user, tmp_path):
    client = as_user(ministry_user)
    for view in ("provinces", "orgs", "certificates", "months", "waiting", "hubei"):
        response = client.get(f"/dashboard/export/{view}/")
        assert response.status_code == 200, view
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row >= (1 if view == "hubei" else 2), view  # no Hubei commitments here
    rows = list(load_workbook(io.BytesIO(client.get("/dashboard/export/provinces/").content)).active.values)
    assert rows[0][0] == "省份" and {r[0] for r in rows[1:]} == {"湖北省", "山东省"}
    listed = client.get("/dashboard/lists/passed/export/?province=42")
    assert list(load_workbook(io.BytesIO(listed.content)).active.values)[0][0] == "姓名"
    assert client.get("/dashboard/lists/passed/export/").status_code == 400  # nationally: choose a province first
    assert as_user(hubei_user).get("/dashboard/export/institutions/?province=42").status_code == 200
    pdf = as_user(ministry_user).get("/dashboard/snapshot/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    path = tmp_path / "snapshot.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "全国试点总览" in text and "合格未发证" in text and "湖北省" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts or "Noto" in fonts


def test_hubei_panel_holds_commitments_against_what_was_done(dashboard_pilot, ministry_user, as_user):
    from assessments.models import HubeiCommitment

    HubeiCommitment.objects.create(org=dashboard_pilot["a"].org, teachers_to_train=60, candidates_to_assess=10)
    HubeiCommitment.objects.create(org=dashboard_pilot["b"].org, teachers_to_train=12, candidates_to_assess=5)
    response = as_user(ministry_user).get("/dashboard/hubei/")
    panel = response.context["hubei"]
    rows = {r["org"]: r for r in panel["rows"]}
    org_a = rows[dashboard_pilot["a"].org.name]
    assert org_a["teachers_trained"] == 30 and org_a["teachers_rate"] == 50.0
    assert rows[dashboard_pilot["a"].org.name]["assessed"] == 5  # sat in Hubei: four in October, one in November
    assert rows[dashboard_pilot["b"].org.name]["teachers_rate"] == 100.0
    assert panel["target"] == 72 and panel["trained"] == 42
    assert [r["org"] for r in panel["behind"]] == [dashboard_pilot["a"].org.name]


def test_the_refresh_button_queues_a_refresh(dashboard_pilot, ministry_user, as_user, monkeypatch,
                                             django_capture_on_commit_callbacks):
    from celery.app.task import Task

    sent = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args=None, kwargs=None, **options: sent.append(
        (task.name, tuple(args))))
    client = as_user(ministry_user)
    with django_capture_on_commit_callbacks(execute=False) as queued_callbacks:
        response = client.post("/dashboard/refresh/")
    assert response.status_code == 302 and sent == []  # nothing is sent before the transaction commits
    for callback in queued_callbacks:
        callback()
    queued = RollupRefresh.objects.get(trigger="manual")
    assert queued.status == "queued" and sent == [("pilot.dashboard_refresh", (queued.pk,))]
    page = client.get("/dashboard/").content.decode()
    assert "正在更新" in page and "data-job-status" in page and "js/jobs.js" in page
    status = client.get(f"/dashboard/refresh/{queued.pk}/status/").json()
    assert status["status"] == "queued" and status["finished"] is False and status["status_label"] == "排队中"


@pytest.mark.django_db(transaction=True)
def test_the_refresh_runs_on_a_real_worker(celery_worker_process, provinces):
    """The task the beat schedule sends is consumed by a worker process (in-process when embedded)."""
    from pilot.tasks import dashboard_refresh_scheduled

    certificate = certificate_with_levels(name="智能财税", status="published")
    pipeline_candidate(certificate=certificate, province=provinces["42"], date=datetime.date(2026, 10, 1),
                       institution=None)
    dashboard_refresh_scheduled.delay().get(timeout=120)
    refresh = RollupRefresh.objects.get()
    assert refresh.status == "done" and refresh.trigger == "schedule"
    assert PilotYearFact.objects.get().registered == 1


def test_the_province_filter_opens_that_provinces_dashboard(dashboard_pilot, ministry_user, as_user):
    client = as_user(ministry_user)
    response = client.get("/dashboard/?province=37&year=2026")
    assert response.status_code == 302 and response["Location"] == "/dashboard/provinces/37/?year=2026"
    assert client.get("/dashboard/?province=99").context["totals"]["registered"] == 8  # unknown: the nation


def test_institution_pages_and_list_exports_keep_to_their_scope(dashboard_pilot, shandong_user, hubei_institution,
                                                                as_user):
    org_user = make_persona(Role.ORG, scope_id=dashboard_pilot["b"].org_id)
    for user in (shandong_user, org_user):
        client = as_user(user)
        assert client.get(f"/dashboard/institutions/{hubei_institution.pk}/").status_code == 404
        assert client.get(f"/dashboard/lists/passed/?province=42&institution={hubei_institution.pk}").status_code == 404
    assert as_user(shandong_user).get("/dashboard/lists/passed/export/?province=42").status_code == 404
    # A province's export holds its own rows only.
    rows = list(load_workbook(io.BytesIO(as_user(shandong_user).get("/dashboard/lists/passed/export/").content))
                .active.values)
    assert len(rows) == 1 + 2 and {r[3] for r in rows[1:]} == {"山东省"}


@pytest.mark.parametrize("persona,may", [
    ("ministry_user", {"national", "choose_province", "refresh", "institutions", "supervise"}),
    ("hubei_user", {"own_province", "institutions"}), ("hubei_agency_user", {"own_province", "institutions"}),
    ("org_a_user", {"own_org"}), ("hubei_institution_user", set()), ("hubei_alliance_user", set()),
    ("student_user", set())])
def test_who_sees_which_dashboard_is_one_decision(request, persona, may):
    from accounts.scoping import actor_for

    assert set(selectors.dashboard_access(actor_for(request.getfixturevalue(persona))).may) == may


def test_the_pages_offer_the_ministrys_controls_to_the_ministry_only(dashboard_pilot, ministry_user, hubei_user,
                                                                     as_user):
    national = as_user(ministry_user).get("/dashboard/provinces/42/").content.decode()
    assert "/dashboard/refresh/" in national and 'id="f-province"' in national and 'href="/supervision/"' in national
    own = as_user(hubei_user).get("/dashboard/provinces/42/").content.decode()
    assert "/dashboard/refresh/" not in own and 'id="f-province"' not in own and 'href="/supervision/"' not in own
    assert as_user(hubei_user).post("/dashboard/refresh/").status_code == 404


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_user"])
def test_lists_and_their_exports_mask_names_and_never_show_id_numbers(request, as_user, dashboard_pilot, persona):
    person = dashboard_pilot["regs"]["issued"].person
    client = as_user(request.getfixturevalue(persona))
    for measure in ("registered", "passed", "issued"):
        html = client.get(f"/dashboard/lists/{measure}/?province=42").content.decode()
        cells = {c for row in load_workbook(io.BytesIO(client.get(
            f"/dashboard/lists/{measure}/export/?province=42").content)).active.values for c in row}
        assert person.id_number not in html and person.name not in html, measure
        assert person.id_number not in cells and person.name not in cells, measure
        assert f"{person.name[0]}*" in html and any(str(c).startswith(f"{person.name[0]}*") for c in cells), measure


def test_a_refresh_s_progress_is_only_for_those_who_have_a_dashboard(as_user, client, ministry_user, hubei_user,
                                                                      hubei_institution_user, student_user):
    from pilot.models import RollupRefresh

    refresh = RollupRefresh.objects.create(status="queued", trigger="manual")
    url = f"/dashboard/refresh/{refresh.pk}/status/"
    assert as_user(ministry_user).get(url).json()["status"] == "queued"
    assert as_user(hubei_user).get(url).status_code == 200  # a province has its own dashboard
    for user in (hubei_institution_user, student_user):
        assert as_user(user).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # sign in first


def test_the_institution_drill_down_exports_its_table_within_the_same_scope(dashboard_pilot, ministry_user, hubei_user,
                                                                            shandong_user, hubei_institution_user,
                                                                            hubei_institution, as_user):
    url = f"/dashboard/institutions/{hubei_institution.pk}/export/"
    page = as_user(ministry_user).get(f"/dashboard/institutions/{hubei_institution.pk}/")
    assert url in page.content.decode()
    for user in (ministry_user, hubei_user):
        response = as_user(user).get(url)
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        assert rows[0][:2] == ("证书", "等级") and rows[-1][0] == "合计"
        assert rows[-1][rows[0].index("报名人数")] == page.context["totals"]["registered"] == 5
        text = str(rows)
        person = dashboard_pilot["regs"]["issued"].person
        assert person.name not in text and person.id_number not in text  # counts only, as on the page
    org_user = make_persona(Role.ORG, scope_id=dashboard_pilot["b"].org_id)
    for user in (shandong_user, org_user, hubei_institution_user):
        assert as_user(user).get(url).status_code == 404


def test_a_list_subtitle_has_no_stray_separator(dashboard_pilot, ministry_user, hubei_user, as_user):
    national_list = as_user(ministry_user).get("/dashboard/lists/blocked/")
    subtitle = national_list.context["subtitle"]
    assert subtitle == ["合计 1"]
    assert '<p class="subtitle">合计 1</p>' in national_list.content.decode()
    hubei_list = as_user(hubei_user).get("/dashboard/lists/passed/?year=2026")
    assert hubei_list.context["subtitle"][:2] == ["湖北省", "2026年"] and hubei_list.context["subtitle"][-1].startswith("合计")
    assert " · 合计" in hubei_list.content.decode() and "<p class=\"subtitle\"> · " not in hubei_list.content.decode()
