"""Results (成绩): score files and forms, pass or fail by the level's pass mark, corrections until
finalization, finalization handing every pass to issuance in the same transaction, amendments and
score reviews afterwards; every page tried by the wrong roles."""

import datetime
import decimal
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry, Notification
from accounts.scoping import actor_for
from assessments.models import AssessmentSession, Registration, Result, ResultAmendment, ScoreReview
from assessments.results import services
from assessments.sessions.selectors import results_window, session_access
from certificates.catalog.models import CertificateLevel
from certificates.issuance.models import IssuanceRequest
from core.errors import AppError, Forbidden, NotInScope
from tests.accounts.factories import PersonFactory
from tests.assessments.factories import RegistrationFactory, ResultFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db

D = decimal.Decimal
HEADERS = ["报名号", "证件号码", "姓名", "成绩"]


def score_file(rows, *, name="成绩.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def session(certificate, org_a, hubei):
    """Held today at a Hubei site; 初级 passes at 60 of 100."""
    return SessionFactory(certificate=certificate, site=SiteFactory(org=org_a, province=hubei, code="4201"))


@pytest.fixture
def candidates(session, hubei_institution):
    return [RegistrationFactory(session=session, institution=hubei_institution,
                                person=PersonFactory(name=f"考生{i}")) for i in range(4)]


def finalize(actor, org_a_user, session):
    return services.session_finalize(actor=actor(org_a_user), session=session)


# --- score files -----------------------------------------------------------------------------------

def test_scores_from_a_file_by_registration_or_id_number(actor, org_a_user, session, candidates):
    a, b, c, d = candidates
    outcome = services.results_import(actor=actor(org_a_user), session=session, upload=score_file([
        [a.pk, "", "", 85.5], ["", b.person.id_number.lower(), b.person.name, "59.9"], [c.pk, c.person.id_number, "", "缺考"],
        [d.pk, "", "", ""]]))
    assert (outcome.recorded, outcome.absent, outcome.skipped) == (2, 1, 1)
    assert Result.objects.get(registration=a).passed and Result.objects.get(registration=a).score == D("85.5")
    assert not Result.objects.get(registration=b).passed  # below the pass mark of 60
    c.refresh_from_db()
    assert c.absent and not Result.objects.filter(registration=c).exists()
    first = Result.objects.get(registration=a)
    assert (first.org_id, first.province_id, first.institution_id, first.session_date) == (
        session.org_id, "42", a.institution_id, session.date)
    assert AuditEntry.objects.filter(action="result.recorded").count() == 2


def test_the_pass_mark_comes_from_the_level(actor, org_a_user, session, candidates):
    CertificateLevel.objects.filter(certificate=session.certificate, level="junior").update(pass_mark=70, full_mark=150)
    services.results_import(actor=actor(org_a_user), session=session,
                            upload=score_file([[candidates[0].pk, "", "", "69.5"], [candidates[1].pk, "", "", "140"]]))
    assert list(Result.objects.order_by("registration_id").values_list("passed", flat=True)) == [False, True]


def test_uploading_again_corrects_and_leaves_the_rest(actor, org_a_user, session, candidates):
    a, b, *_ = candidates
    services.results_import(actor=actor(org_a_user), session=session,
                            upload=score_file([[a.pk, "", "", 50], [b.pk, "", "", 70]]))
    outcome = services.results_import(actor=actor(org_a_user), session=session,
                                      upload=score_file([[a.pk, "", "", 65], [b.pk, "", "", 70]]))
    assert (outcome.recorded, outcome.corrected, outcome.unchanged) == (0, 1, 1)
    corrected = Result.objects.get(registration=a)
    assert corrected.score == D("65") and corrected.passed
    entry = AuditEntry.objects.get(action="result.corrected")
    assert entry.changes == {"score": ["50.0", "65.0"], "passed": [False, True]}


def _errors(excinfo):
    return {(d["row"], d["column"]): d["message"] for d in excinfo.value.details}


def test_bad_score_rows_save_nothing(actor, org_a_user, session, candidates):
    a, b, c, d = candidates
    stranger = PersonFactory()
    e, f = RegistrationFactory(session=session), RegistrationFactory(session=session)
    Registration.objects.filter(pk=d.pk).update(status="cancelled")
    with pytest.raises(services.RowErrors) as excinfo:
        services.results_import(actor=actor(org_a_user), session=session, upload=score_file([
            [a.pk, "", "", 105], [b.pk, "", "", "-1"], [c.pk, "", "", "60.25"], ["", stranger.id_number, "", 80],
            [a.pk, "", "", 80], [c.pk, b.person.id_number, "", 70], [d.pk, "", "", 70], [e.pk, "", "张冠李戴", 70],
            ["", "", "", 70], [999999, "", "", 70], [f.pk, "", "", "良好"]]))
    errors = _errors(excinfo)
    assert errors[(2, "成绩")] == "成绩应在 0 到 100 之间（该等级满分 100），当前为“105”。"
    assert "成绩应在 0 到 100" in errors[(3, "成绩")]
    assert errors[(4, "成绩")] == "成绩“60.25”最多保留一位小数。"
    assert errors[(5, "证件号码")] == f"证件号码为 {stranger.id_number} 的人员未报名本考核批次，不能录入成绩。"
    assert errors[(6, "")] == "与第 2 行是同一考生，每名考生只能有一行成绩。"
    assert "不是同一考生" in errors[(7, "证件号码")]
    assert errors[(8, "")] == "该考生已取消报名，不能录入成绩。"
    assert "与报名信息" in errors[(9, "姓名")]
    assert errors[(10, "证件号码")] == "请填写报名号或证件号码。"
    assert "不是本考核批次的报名" in errors[(11, "报名号")]
    assert "不是数字" in errors[(12, "成绩")]
    assert not Result.objects.exists()


def test_scores_wait_for_the_session_day_and_need_a_score(actor, org_a_user, session, candidates):
    with pytest.raises(AppError, match="没有可导入的成绩"):
        services.results_import(actor=actor(org_a_user), session=session, upload=score_file([[candidates[0].pk, "", "", ""]]))
    AssessmentSession.objects.filter(pk=session.pk).update(date=datetime.date.today() + datetime.timedelta(days=3))
    session.refresh_from_db()
    with pytest.raises(AppError, match="未到"):
        services.results_import(actor=actor(org_a_user), session=session, upload=score_file([[candidates[0].pk, "", "", 80]]))


@pytest.mark.parametrize("persona", ["org_b_user", "hubei_institution_user", "hubei_user", "ministry_user"])
def test_only_the_sessions_org_records_scores(request, actor, persona, session, candidates):
    with pytest.raises((Forbidden, NotInScope)):
        services.results_import(actor=actor(request.getfixturevalue(persona)), session=session,
                                upload=score_file([[candidates[0].pk, "", "", 80]]))
    with pytest.raises((Forbidden, NotInScope)):
        services.result_save(actor=actor(request.getfixturevalue(persona)), registration=candidates[0], score="80")


def test_one_score_from_the_form(actor, org_a_user, candidates):
    services.result_save(actor=actor(org_a_user), registration=candidates[0], score="72")
    with pytest.raises(AppError, match="最多保留一位小数"):
        services.result_save(actor=actor(org_a_user), registration=candidates[0], score="72.55")
    services.result_save(actor=actor(org_a_user), registration=candidates[0], score=None, absent=True)
    candidates[0].refresh_from_db()
    assert candidates[0].absent and not Result.objects.exists()
    services.result_save(actor=actor(org_a_user), registration=candidates[0], score="61")
    candidates[0].refresh_from_db()
    assert not candidates[0].absent and Result.objects.get().passed


# --- finalization -----------------------------------------------------------------------------------

def _score_all(actor, org_a_user, session, candidates, scores=(90, 55, 60, "缺考")):
    services.results_import(actor=actor(org_a_user), session=session, upload=score_file(
        [[r.pk, "", "", s] for r, s in zip(candidates, scores, strict=True)]))


# --- absences --------------------------------------------------------------------------------------

def test_marking_absent_removes_an_unfinalized_score(actor, org_a_user, session):
    scored = ResultFactory(registration=RegistrationFactory(session=session), score=70).registration
    other = RegistrationFactory(session=session)
    assert services.registrations_absence_mark(actor=actor(org_a_user), session=session,
                                               registration_ids=[scored.pk, other.pk], absent=True) == 2
    assert not Result.objects.exists()
    entry = AuditEntry.objects.get(action="registration.absent_marked", object_id=str(scored.pk))
    assert entry.changes["score"] == ["70.0", None]


def test_absences_wait_for_the_session_day(actor, org_a_user, session):
    AssessmentSession.objects.filter(pk=session.pk).update(date=datetime.date.today() + datetime.timedelta(days=3))
    session.refresh_from_db()
    registration = RegistrationFactory(session=session)
    with pytest.raises(AppError, match="未到"):
        services.registrations_absence_mark(actor=actor(org_a_user), session=session,
                                            registration_ids=[registration.pk], absent=True)


def test_finalizing_needs_every_candidate_scored_or_absent(actor, org_a_user, session, candidates):
    services.results_import(actor=actor(org_a_user), session=session, upload=score_file([[candidates[0].pk, "", "", 80]]))
    with pytest.raises(AppError, match="尚有 3 名考生"):
        finalize(actor, org_a_user, session)
    assert not IssuanceRequest.objects.exists()


def test_finalizing_hands_every_pass_to_issuance(actor, org_a_user, session, candidates, hubei_institution):
    _score_all(actor, org_a_user, session, candidates)
    outcome = finalize(actor, org_a_user, session)
    assert (outcome.passed, outcome.failed, outcome.absent, outcome.issuance_requests) == (2, 1, 1, 2)
    session.refresh_from_db()
    assert session.status == "finalized" and session.finalized_by == org_a_user
    requests = {r.result_id: r for r in IssuanceRequest.objects.all()}
    passed = Result.objects.filter(passed=True).select_related("registration__person")
    assert set(requests) == {r.pk for r in passed}
    for result in passed:
        request = requests[result.pk]
        person = result.registration.person
        assert (request.session_id, request.certificate_id, request.level, request.org_id, request.person_id) == (
            session.pk, session.certificate_id, "junior", session.org_id, person.pk)
        assert (request.holder_name, request.id_type, request.id_number, request.province_id) == (
            person.name, person.id_type, person.id_number, "42")
        assert (request.institution_id, request.site_code, request.score, request.passed_on, request.status) == (
            hubei_institution.pk, "4201", result.score, session.date, "pending")
    entry = AuditEntry.objects.get(action="session.finalized")
    assert entry.changes["issuance_requests"] == [None, 2]
    assert Notification.objects.filter(kind__startswith="results.published").exists() is False  # no active accounts here


def test_the_holder_name_is_the_persons_name_on_file(actor, org_a_user, session, hubei_institution):
    person = PersonFactory(name="李小明")
    registration = RegistrationFactory(session=session, institution=hubei_institution, person=person,
                                       name_given="李晓明", name_mismatch=True)
    services.result_save(actor=actor(org_a_user), registration=registration, score="75")
    finalize(actor, org_a_user, session)
    assert IssuanceRequest.objects.get().holder_name == "李小明"


def test_a_pass_is_issued_whatever_the_fees(actor, org_a_user, hubei_user, session, candidates, hubei):
    """A verified fee standard of 250 yuan per person-time is in force in Hubei and nobody has paid:
    the pass still becomes an issuance request (issuance is never tied to payment)."""
    from fees.caps import caps_ensure
    from fees.selectors import standard_in_force
    from fees.services import fee_proposal_submit, fee_version_verify

    caps_ensure()
    version = fee_proposal_submit(actor=actor(org_a_user), certificate=session.certificate, level="junior",
                                  province=hubei, items={"question_bank": ("100", "题库"), "exam_system": ("150", "系统")})
    fee_version_verify(actor=actor(hubei_user), version=version, effective_from=datetime.date(2020, 1, 1))
    assert standard_in_force(certificate_id=session.certificate_id, level="junior", province_code="42",
                             on=session.date).amount == D("250")
    _score_all(actor, org_a_user, session, candidates)
    assert finalize(actor, org_a_user, session).issuance_requests == 2
    assert IssuanceRequest.objects.filter(institution=candidates[0].institution, status="pending").count() == 2


def test_finalized_results_are_locked(actor, org_a_user, session, candidates):
    _score_all(actor, org_a_user, session, candidates)
    finalize(actor, org_a_user, session)
    with pytest.raises(AppError, match="成绩已锁定"):
        services.results_import(actor=actor(org_a_user), session=session, upload=score_file([[candidates[1].pk, "", "", 99]]))
    with pytest.raises(AppError, match="成绩已锁定"):
        services.result_save(actor=actor(org_a_user), registration=candidates[1], score="99")
    with pytest.raises(AppError, match="已确认"):
        finalize(actor, org_a_user, session)
    assert Result.objects.get(registration=candidates[1]).score == D("55")


def test_finalizing_notifies_the_candidates_and_their_institution(actor, org_a_user, session, student_user,
                                                                  hubei_institution, hubei_institution_user):
    registration = RegistrationFactory(session=session, institution=hubei_institution, person=student_user.person)
    services.result_save(actor=actor(org_a_user), registration=registration, score="80")
    finalize(actor, org_a_user, session)
    assert any(n.title_text.startswith("成绩已发布") for n in Notification.objects.filter(user=student_user))
    assert any(n.title_text.startswith("成绩已发布") for n in Notification.objects.filter(user=hubei_institution_user))


# --- amendments and score reviews -----------------------------------------------------------------

@pytest.fixture
def finalized(actor, org_a_user, session, candidates):
    _score_all(actor, org_a_user, session, candidates)
    finalize(actor, org_a_user, session)
    return candidates


def test_an_amendment_from_fail_to_pass_creates_the_issuance_request(actor, org_a_user, finalized):
    failed = Result.objects.get(registration=finalized[1])
    with pytest.raises(AppError, match="说明原因"):
        services.result_amend(actor=actor(org_a_user), result=failed, score="65", reason="")
    amendment = services.result_amend(actor=actor(org_a_user), result=failed, score="65", reason="复核发现漏计一题")
    failed.refresh_from_db()
    assert failed.passed and failed.score == D("65")
    assert (amendment.score_before, amendment.score_after, amendment.passed_before, amendment.passed_after) == (
        D("55"), D("65"), False, True)
    assert IssuanceRequest.objects.filter(result_id=failed.pk).count() == 1
    entry = AuditEntry.objects.get(action="result.amended")
    assert entry.note == "复核发现漏计一题" and entry.changes["issuance_requests"] == [0, 1]
    services.result_amend(actor=actor(org_a_user), result=failed, score="66", reason="再次核对")
    assert IssuanceRequest.objects.filter(result_id=failed.pk).count() == 1  # idempotent by result id


def test_a_pass_cannot_be_amended_to_a_fail(actor, org_a_user, finalized):
    passed = Result.objects.get(registration=finalized[0])
    with pytest.raises(AppError, match="不能更正为不合格"):
        services.result_amend(actor=actor(org_a_user), result=passed, score="40", reason="录入错误")
    assert not ResultAmendment.objects.exists()


def test_amendments_are_for_finalized_sessions_and_the_own_org(actor, org_a_user, org_b_user, session, candidates):
    result = ResultFactory(registration=candidates[0], score=50)
    with pytest.raises(AppError, match="直接修改"):
        services.result_amend(actor=actor(org_a_user), result=result, score="60", reason="x")
    with pytest.raises(NotInScope):
        services.result_amend(actor=actor(org_b_user), result=result, score="60", reason="x")


def test_a_score_review_answered_by_an_amendment(actor, org_a_user, student_user, session, hubei_institution):
    registration = RegistrationFactory(session=session, institution=hubei_institution, person=student_user.person)
    services.result_save(actor=actor(org_a_user), registration=registration, score="58")
    with pytest.raises(AppError, match="成绩确认发布后"):
        services.score_review_request(actor=actor(student_user), registration=registration, reason="有一题漏判")
    finalize(actor, org_a_user, session)
    review = services.score_review_request(actor=actor(student_user), registration=registration, reason="有一题漏判")
    with pytest.raises(AppError, match="等待"):
        services.score_review_request(actor=actor(student_user), registration=registration, reason="再问")
    answered = services.score_review_answer(actor=actor(org_a_user), review=review, amend=True, score="62",
                                            answer="经复核，第 12 题应得 4 分。")
    assert answered.status == ScoreReview.Status.AMENDED and answered.amendment.score_after == D("62")
    assert IssuanceRequest.objects.filter(result_id=registration.result.pk).exists()
    assert any(n.title_text.startswith("成绩复核结果") for n in Notification.objects.filter(user=student_user))
    with pytest.raises(AppError, match="已答复"):
        services.score_review_answer(actor=actor(org_a_user), review=review, amend=False, answer="维持")


def test_a_score_review_maintained(actor, org_a_user, student_user, session):
    registration = RegistrationFactory(session=session, person=student_user.person, channel="self",
                                       account=student_user)
    services.result_save(actor=actor(org_a_user), registration=registration, score="40")
    finalize(actor, org_a_user, session)
    review = services.score_review_request(actor=actor(student_user), registration=registration, reason="请复核")
    answered = services.score_review_answer(actor=actor(org_a_user), review=review, amend=False, answer="维持原成绩。")
    assert answered.status == "maintained" and Result.objects.get().score == D("40")
    assert AuditEntry.objects.filter(action="score_review.answered").exists()


def test_only_the_candidate_asks_for_a_review(actor, social_learner_user, hubei_institution_user, finalized):
    with pytest.raises(NotInScope):
        services.score_review_request(actor=actor(social_learner_user), registration=finalized[0], reason="x")
    with pytest.raises(Forbidden):
        services.score_review_request(actor=actor(hubei_institution_user), registration=finalized[0], reason="x")


def test_absent_candidates_have_nothing_to_review(actor, student_user, org_a_user, session):
    registration = RegistrationFactory(session=session, person=student_user.person)
    services.result_save(actor=actor(org_a_user), registration=registration, score=None, absent=True)
    finalize(actor, org_a_user, session)
    with pytest.raises(AppError, match="缺考"):
        services.score_review_request(actor=actor(student_user), registration=registration, reason="x")


# --- pages ------------------------------------------------------------------------------------------

def test_the_score_page_uploads_and_lists(as_user, org_a_user, session, candidates):
    client = as_user(org_a_user)
    sheet = client.get(f"/assessments/sessions/{session.pk}/results/sheet.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS) and rows[1][:3] == (candidates[0].pk, candidates[0].person.id_number,
                                                         candidates[0].person.name)
    response = client.post(f"/assessments/sessions/{session.pk}/results/", {
        "file": score_file([[candidates[0].pk, "", "", 88], [candidates[1].pk, "", "", 200]])})
    assert response.status_code == 400 and "第 3 行" in response.content.decode()
    response = client.post(f"/assessments/sessions/{session.pk}/results/", {
        "file": score_file([[candidates[0].pk, "", "", 88]])})
    assert response.status_code == 302
    assert "新录入 1 人" in client.get(response["Location"]).content.decode()


def test_absence_and_single_score_pages(as_user, org_a_user, session, candidates):
    client = as_user(org_a_user)
    client.post(f"/assessments/sessions/{session.pk}/absence/", {"registration": [candidates[0].pk], "absent": "1"})
    candidates[0].refresh_from_db()
    assert candidates[0].absent
    response = client.post(f"/assessments/registrations/{candidates[1].pk}/result/", {"score": "77"})
    assert response.status_code == 302 and Result.objects.get().score == D("77")
    bad = client.post(f"/assessments/registrations/{candidates[1].pk}/result/", {"score": "101"})
    assert "成绩应在 0 到 100" in bad.content.decode()


def test_the_finalize_page(as_user, org_a_user, session, candidates, actor):
    client = as_user(org_a_user)
    assert "尚有 4 名考生" in client.get(f"/assessments/sessions/{session.pk}/finalize/").content.decode()
    _score_all(actor, org_a_user, session, candidates)
    response = client.post(f"/assessments/sessions/{session.pk}/finalize/")
    assert response.status_code == 302 and IssuanceRequest.objects.count() == 2


@pytest.mark.parametrize(("persona", "status"), [("org_b_user", 404), ("hubei_institution_user", 403),
                                                 ("hubei_user", 403), ("ministry_user", 403)])
def test_other_roles_may_not_open_the_score_pages(request, as_user, persona, status, session, candidates):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(f"/assessments/sessions/{session.pk}/results/").status_code == status
    assert client.get(f"/assessments/sessions/{session.pk}/results/sheet.xlsx").status_code == status
    assert client.post(f"/assessments/sessions/{session.pk}/finalize/").status_code == status
    assert client.post(f"/assessments/sessions/{session.pk}/absence/",
                       {"registration": [candidates[0].pk]}).status_code == status
    assert client.post(f"/assessments/registrations/{candidates[0].pk}/result/",
                       {"score": "80"}).status_code in (403, 404)
    assert not IssuanceRequest.objects.exists() and not Result.objects.exists()


def test_the_amend_page(as_user, org_a_user, org_b_user, hubei_institution_user, finalized):
    failed = Result.objects.get(registration=finalized[1])
    client = as_user(org_a_user)
    response = client.post(f"/assessments/results/{failed.pk}/amend/", {"score": "70", "reason": "漏计"})
    assert response.status_code == 302 and ResultAmendment.objects.count() == 1
    assert as_user(org_b_user).get(f"/assessments/results/{failed.pk}/amend/").status_code == 404
    assert as_user(hubei_institution_user).get(f"/assessments/results/{failed.pk}/amend/").status_code == 403


def test_review_pages(as_user, actor, org_a_user, org_b_user, student_user, hubei_institution_user, session):
    registration = RegistrationFactory(session=session, person=student_user.person)
    services.result_save(actor=actor(org_a_user), registration=registration, score="58")
    finalize(actor, org_a_user, session)
    client = as_user(student_user)
    assert "申请成绩复核" in client.get(f"/assessments/registrations/{registration.pk}/").content.decode()
    client.post(f"/assessments/registrations/{registration.pk}/review/", {"reason": "第 3 题"})
    review = ScoreReview.objects.get()
    assert as_user(org_a_user).get("/assessments/reviews/").context["page"][0] == review
    assert "待答复的成绩复核" in as_user(org_a_user).get("/").content.decode()
    assert as_user(org_b_user).get(f"/assessments/reviews/{review.pk}/").status_code == 404
    assert as_user(student_user).get(f"/assessments/reviews/{review.pk}/").status_code == 403
    assert list(as_user(hubei_institution_user).get("/assessments/reviews/").context["page"]) == []
    assert list(as_user(org_b_user).get("/assessments/reviews/").context["page"]) == []
    response = as_user(org_a_user).post(f"/assessments/reviews/{review.pk}/", {"outcome": "maintained",
                                                                               "answer": "维持"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "maintained"
    assert as_user(org_b_user).post(f"/assessments/registrations/{registration.pk}/review/",
                                    {"reason": "x"}).status_code == 404


def test_scores_on_the_session_page_only_after_finalization(as_user, actor, org_a_user, hubei_institution_user,
                                                            session, candidates):
    services.result_save(actor=actor(org_a_user), registration=candidates[0], score="91")
    assert "91.0" in as_user(org_a_user).get(f"/assessments/sessions/{session.pk}/").content.decode()
    assert "91.0" not in as_user(hubei_institution_user).get(f"/assessments/sessions/{session.pk}/").content.decode()


# --- one access decision and the personal-data policy (issue 13) -------------------------------------

def _post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.mark.parametrize("persona", ["hubei_user", "ministry_user", "hubei_institution_user"])
def test_a_role_that_reads_the_session_gets_403_on_finalize_from_the_form_and_the_api(request, as_user, actor,
                                                                                    org_a_user, persona, session,
                                                                                    candidates):
    _score_all(actor, org_a_user, session, candidates)
    client = as_user(request.getfixturevalue(persona))
    assert client.get(f"/assessments/sessions/{session.pk}/").status_code == 200
    assert client.post(f"/assessments/sessions/{session.pk}/finalize/").status_code == 403
    assert _post_json(client, f"/api/v1/sessions/{session.pk}/finalize").status_code == 403
    session.refresh_from_db()
    assert session.status != "finalized"


def test_another_org_gets_404_on_finalize_from_the_form_and_the_api(as_user, actor, org_a_user, org_b_user, session,
                                                                   candidates):
    _score_all(actor, org_a_user, session, candidates)
    client = as_user(org_b_user)
    assert client.post(f"/assessments/sessions/{session.pk}/finalize/").status_code == 404
    assert _post_json(client, f"/api/v1/sessions/{session.pk}/finalize").status_code == 404


@pytest.mark.parametrize("persona", ["hubei_user", "ministry_user", "hubei_institution_user"])
def test_a_role_that_reads_a_result_gets_403_on_amend_from_the_form_and_the_api(request, as_user, persona,
                                                                               finalized):
    result = Result.objects.get(registration=finalized[0])
    client = as_user(request.getfixturevalue(persona))
    assert client.post(f"/assessments/results/{result.pk}/amend/", {"score": "99", "reason": "x"}).status_code == 403
    assert _post_json(client, f"/api/v1/results/{result.pk}/amend", {"score": "99", "reason": "x"}).status_code == 403
    assert not ResultAmendment.objects.exists()


def test_the_ministry_reads_score_reviews_but_answers_none_on_the_form_or_the_api(as_user, actor, org_a_user,
                                                                                  ministry_user, student_user,
                                                                                  session):
    registration = RegistrationFactory(session=session, person=student_user.person)
    services.result_save(actor=actor(org_a_user), registration=registration, score="58")
    finalize(actor, org_a_user, session)
    review = services.score_review_request(actor=actor(student_user), registration=registration, reason="第 3 题")
    client = as_user(ministry_user)
    assert list(client.get("/assessments/reviews/").context["page"]) == [review]
    assert client.post(f"/assessments/reviews/{review.pk}/", {"outcome": "maintained", "answer": "x"}).status_code == 403
    assert _post_json(client, f"/api/v1/score-reviews/{review.pk}/answer",
                      {"decision": "maintained", "answer": "x"}).status_code == 403
    review.refresh_from_db()
    assert review.status == "requested"


def test_scores_are_released_to_the_ministry_only_with_finalization(as_user, actor, org_a_user, ministry_user,
                                                                   hubei_user, session, candidates):
    """The policy: a score in full to the org assessing the candidate, to everyone else (the ministry
    included) once the session is finalized — on the session page and over the API alike."""
    _score_all(actor, org_a_user, session, candidates)
    services.result_save(actor=actor(org_a_user), registration=candidates[0], score="91")
    for user in (ministry_user, hubei_user):
        client = as_user(user)
        assert "91.0" not in client.get(f"/assessments/sessions/{session.pk}/").content.decode()
        assert client.get("/api/v1/results").json()["count"] == 0
    scored = Result.objects.filter(registration__session=session).count()  # one candidate was absent
    assert as_user(org_a_user).get("/api/v1/results").json()["count"] == scored == 3
    finalize(actor, org_a_user, session)
    for user in (ministry_user, hubei_user):
        client = as_user(user)
        assert "91.0" in client.get(f"/assessments/sessions/{session.pk}/").content.decode()
        assert client.get("/api/v1/results").json()["count"] == scored


# --- before the assessment date: the rule, not the upload ---------------------------------------------


def _move(session, days: int):
    AssessmentSession.objects.filter(pk=session.pk).update(date=datetime.date.today() + datetime.timedelta(days=days))
    session.refresh_from_db()
    return session


def test_before_the_date_the_page_shows_the_rule_and_the_date_and_offers_no_upload(as_user, org_a_user, session,
                                                                                   candidates):
    _move(session, 3)
    client = as_user(org_a_user)
    page = client.get(f"/assessments/sessions/{session.pk}/results/").content.decode()
    date = session.date
    assert f"考核日期为 {date.year}年{date.month}月{date.day}日" in page and "成绩从考核当日起才能上传" in page
    assert 'type="file"' not in page and "上传并保存" not in page
    assert f"/assessments/sessions/{session.pk}/finalize/" not in page
    assert f"/assessments/registrations/{candidates[0].pk}/result/" not in page
    detail = client.get(f"/assessments/sessions/{session.pk}/").content.decode()
    assert f"/assessments/sessions/{session.pk}/finalize/" not in detail
    # The services still refuse, whatever a hand-made request sends.
    response = client.post(f"/assessments/sessions/{session.pk}/results/", {
        "file": score_file([[candidates[0].pk, "", "", 80]])})
    assert response.status_code == 400 and "未到" in response.content.decode()
    with pytest.raises(AppError, match="未到"):
        services.session_finalize(actor=actor_for(org_a_user), session=session)


def test_from_the_date_the_upload_and_finalize_are_offered(as_user, org_a_user, session, candidates):
    client = as_user(org_a_user)
    page = client.get(f"/assessments/sessions/{session.pk}/results/").content.decode()
    assert 'type="file"' in page and f"/assessments/sessions/{session.pk}/finalize/" in page
    assert "成绩从考核当日起才能上传" not in page
    assert f"/assessments/sessions/{session.pk}/finalize/" in client.get(
        f"/assessments/sessions/{session.pk}/").content.decode()


def test_the_window_and_the_decision(org_a_user, session):
    assert results_window(session) == "open"
    assert session_access(actor_for(org_a_user), session.pk).may.record_results
    assert results_window(_move(session, 1)) == "before"
    assert not session_access(actor_for(org_a_user), session.pk).may.record_results
    assert session_access(actor_for(org_a_user), session.pk).may.enter_results
    _move(session, -1)
    AssessmentSession.objects.filter(pk=session.pk).update(status=AssessmentSession.Status.FINALIZED)
    session.refresh_from_db()
    assert results_window(session) == "closed"
    assert not session_access(actor_for(org_a_user), session.pk).may.record_results
