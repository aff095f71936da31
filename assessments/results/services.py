"""Results (成绩): the org records scores per session, from a file or a form; pass or fail follows the
certificate level's pass mark. Scores can be corrected until the org finalizes the session; then they
are locked and change only through an audited amendment (``ResultAmendment``), possibly answering a
candidate's score review (成绩复核).

Finalizing hands every pass to certificate issuance in the same transaction: one issuance request
per passed result, idempotent by result id (``certificates.services.issuance``). Nothing here looks
at fees: issuance is never tied to payment (domain rule 4).

Who may do what is decided by the selectors: the session's org enters, finalizes and amends
(``session_access``: "enter_results", "finalize"; ``registration_access``: "enter_score",
"amend_score"), the candidate asks for a review ("request_review").

Absences (缺考) are marked here too: an absent candidate has no score.

Audited: ``result.recorded``, ``result.corrected``, ``registration.absent_marked``, ``session.finalized``,
``result.amended``, ``score_review.requested``, ``score_review.answered``.
"""

import decimal
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, audit_log_many
from accounts.models import Role, User
from accounts.scoping import Actor
from accounts.services import notify, notify_scope
from assessments.models import AssessmentSession, Registration, Result, ResultAmendment, ScoreReview
from assessments.registrations.selectors import registration_access
from assessments.registrations.services import RowErrors
from assessments.results.imports import RESULT_SCHEMA, Candidate, ResultRow, ResultRowValidator, parse_score
from assessments.sessions.selectors import session_access
from assessments.sessions.services import lock_session
from certificates.catalog.models import CertificateLevel, Level
from certificates.issuance.services import PassedResult, issuance_requests_create
from core.bulk import insert_returning_ids  # also registers the any_in lookup
from core.errors import AppError, NotInScope
from core.tabular.reading import read_table
from core.tabular.validation import ValidationResult, no_data_error, validate_rows
from organizations.supervision.selectors import org_standing

# Above this many corrected scores the PostgreSQL path (COPY into a temporary table, one UPDATE) pays off.
COPY_THRESHOLD = 200


@dataclass
class ResultOutcome:
    recorded: int = 0
    corrected: int = 0
    unchanged: int = 0
    absent: int = 0
    skipped: int = 0

    @property
    def saved(self) -> int:
        return self.recorded + self.corrected + self.absent


def _marks(session: AssessmentSession) -> CertificateLevel:
    return CertificateLevel.objects.get(certificate_id=session.certificate_id, level=session.level)


def _check_may(actor: Actor, session: AssessmentSession, action: str = "enter_results") -> None:
    """404 outside the actor's scope, 403 unless the actor may ``action`` the session (its org)."""
    session_access(actor, session.pk).require(action)


def check_results_open(session: AssessmentSession) -> None:
    """Results (and absences) are recorded from the session's date until it is finalized."""
    if session.status == AssessmentSession.Status.FINALIZED:
        raise AppError(_("该考核批次的成绩已确认，成绩已锁定；如需更正，请通过成绩更正（须说明原因）。"), code="finalized")
    if session.status == AssessmentSession.Status.CANCELLED:
        raise AppError(_("该考核批次已取消。"))
    if session.date > timezone.localdate():
        raise AppError(_("考核日期（%(d)s）未到，不能录入成绩或缺考。") % {"d": f"{session.date:%Y-%m-%d}"})
    # A session held before the org's delisting is still scored and finalized (its candidates keep
    # their right to a certificate); one held on the delisting day or later is not.
    org_standing(session.org).check("assess", on=session.date)


def candidates(session: AssessmentSession) -> list[Candidate]:
    return [Candidate(registration_id=pk, id_number=number, name_on_file=name, name_given=given,
                      active=status == Registration.Status.REGISTERED)
            for pk, number, name, given, status in session.registrations.values_list(
                "pk", "person__id_number", "person__name", "name_given", "status")]


# --- recording scores ------------------------------------------------------------------------------

def _validate(session: AssessmentSession, rows) -> tuple[ValidationResult, int]:
    validator = ResultRowValidator(candidates=candidates(session), full_mark=_marks(session).full_mark)
    result = validate_rows(rows, RESULT_SCHEMA, validator)
    return result, validator.skipped


def results_import(*, actor: Actor, session: AssessmentSession, upload) -> ResultOutcome:
    """An org's score file for one session: every row checked, then all saved or none."""
    _check_may(actor, session)
    check_results_open(session)
    table = read_table(upload, RESULT_SCHEMA)
    result, skipped = _validate(session, table)
    if result.rows_read == 0:
        raise no_data_error(table.name)
    if not result.ok:
        raise RowErrors(result)
    if not result.rows:
        raise AppError(_("文件中所有行的成绩都为空，没有可导入的成绩。"), code="no_scores")
    outcome = results_bulk_save(actor=actor, session=session, rows=result.rows,
                                note=_("成绩导入：%(file)s") % {"file": table.name})
    outcome.skipped = skipped
    return outcome


def results_rows_save(*, actor: Actor, session: AssessmentSession, rows) -> ResultOutcome:
    """The API's bulk scores: rows keyed like the file's columns, the same checks."""
    _check_may(actor, session)
    check_results_open(session)
    result, skipped = _validate(session, rows)
    if not result.ok:
        raise RowErrors(result)
    if not result.rows:
        raise AppError(_("没有可导入的成绩。"), code="no_scores")
    outcome = results_bulk_save(actor=actor, session=session, rows=result.rows, note=_("API 成绩导入"))
    outcome.skipped = skipped
    return outcome


@transaction.atomic
def result_save(*, actor: Actor, registration: Registration, score: str | decimal.Decimal | None,
                absent: bool = False) -> ResultOutcome:
    """One candidate's score (or absence) from the form."""
    session = registration_access(actor, registration.pk).require("enter_score").session
    check_results_open(session)
    if registration.status != Registration.Status.REGISTERED:
        raise AppError(_("该考生已取消报名，不能录入成绩。"))
    if absent:
        row = ResultRow(row=1, registration_id=registration.pk, score=None, absent=True)
    else:
        if score in (None, ""):
            raise AppError(_("请填写成绩，或选择缺考。"), field="score")
        try:
            value = parse_score(str(score), _marks(session).full_mark)
        except ValueError as error:
            raise AppError(error.args[0], field="score") from None
        row = ResultRow(row=1, registration_id=registration.pk, score=value, absent=False)
    return results_bulk_save(actor=actor, session=session, rows=[row])


@transaction.atomic
def results_bulk_save(*, actor: Actor, session: AssessmentSession, rows: list[ResultRow],
                      note: str = "") -> ResultOutcome:
    """Save validated score rows under the session's lock: new scores recorded, changed ones
    corrected, identical ones left alone (uploading a file twice changes nothing), absences marked."""
    _check_may(actor, session)
    session = lock_session(session)
    check_results_open(session)
    marks = _marks(session)
    ids = [r.registration_id for r in rows]
    active = dict(session.registrations.filter(status=Registration.Status.REGISTERED).values_list("pk", "absent"))
    gone = [r.row for r in rows if r.registration_id not in active]
    if gone:
        raise AppError(_("第 %(rows)s 行的考生不是本批次的有效报名，全部未保存。") % {
            "rows": "、".join(map(str, gone[:20]))}, code="not_registered")
    existing = {reg: (pk, score) for reg, pk, score in Result.objects.filter(registration__session=session)
                .values_list("registration_id", "pk", "score")}
    names = dict(session.registrations.filter(pk__any_in=ids).values_list("pk", "person__name"))
    outcome = ResultOutcome()
    new, changed, absent, present_again = [], [], [], []
    for r in rows:
        if r.absent:
            if not active[r.registration_id]:
                absent.append(r)
            else:
                outcome.unchanged += 1
            continue
        if active[r.registration_id]:
            present_again.append(r.registration_id)
        old = existing.get(r.registration_id)
        if old is None:
            new.append(r)
        elif old[1] != r.score:
            changed.append((r, old))
        else:
            outcome.unchanged += 1
    now = timezone.now()
    user_id = actor.user.pk
    where = f"{session.certificate.name}（{session.get_level_display()}）{session.date:%Y-%m-%d}"
    label = Result._meta.label_lower
    entries = []
    if present_again:
        Registration.objects.filter(pk__in=present_again).update(absent=False)
    if new:
        institutions = dict(session.registrations.filter(pk__any_in=[r.registration_id for r in new])
                            .values_list("pk", "institution_id"))
        result_ids = insert_returning_ids(Result, [
            "registration_id", "score", "passed", "recorded_at", "recorded_by_id", "org_id", "certificate_id", "level",
            "province_id", "institution_id", "session_date"], [
            (r.registration_id, r.score, r.score >= marks.pass_mark, now, user_id, session.org_id,
             session.certificate_id, session.level, session.province_id, institutions[r.registration_id], session.date)
            for r in new])
        entries += [{"action": "result.recorded", "object_type": label, "object_id": pk,
                     "object_repr": f"{names.get(r.registration_id, '')} · {where}", "province": session.province_id,
                     "changes": {"score": [None, r.score], "passed": [None, r.score >= marks.pass_mark]}}
                    for r, pk in zip(new, result_ids, strict=True)]
    if changed:
        _correct(changed, marks.pass_mark, now, user_id)
        entries += [{"action": "result.corrected", "object_type": label, "object_id": old[0],
                     "object_repr": f"{names.get(r.registration_id, '')} · {where}", "province": session.province_id,
                     "changes": {"score": [old[1], r.score],
                                 "passed": [old[1] >= marks.pass_mark, r.score >= marks.pass_mark]}}
                    for r, old in changed]
    if absent:
        absent_ids = [r.registration_id for r in absent]
        removed = {r: existing[r][1] for r in absent_ids if r in existing}
        if removed:
            Result.objects.filter(registration_id__in=list(removed)).delete()
        Registration.objects.filter(pk__in=absent_ids).update(absent=True)
        reg_label = Registration._meta.label_lower
        entries += [{"action": "registration.absent_marked", "object_type": reg_label, "object_id": reg,
                     "object_repr": f"{names.get(reg, '')} · {where}", "province": session.province_id,
                     "changes": {"absent": [False, True], **({"score": [removed[reg], None]} if reg in removed else {})}}
                    for reg in absent_ids]
    outcome.recorded, outcome.corrected, outcome.absent = len(new), len(changed), len(absent)
    if len(entries) == 1:
        e = entries[0]
        audit_log(actor=actor, action=e["action"], object_type=e["object_type"], object_id=str(e["object_id"]),
                  object_repr=e["object_repr"], province=session.province_id, changes=e["changes"], note=note)
    elif entries:
        audit_log_many(actor=actor, entries=entries, note=note)
    return outcome


def _correct(changed, pass_mark, now, user_id) -> None:
    if connection.vendor == "postgresql" and len(changed) > COPY_THRESHOLD:
        table = connection.ops.quote_name(Result._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS pg_temp.result_correction")
            cursor.execute("CREATE TEMPORARY TABLE result_correction (id bigint, score numeric(6, 1), passed boolean) "
                           "ON COMMIT DROP")
            with cursor.cursor.copy("COPY result_correction FROM STDIN") as copy:
                for r, old in changed:
                    copy.write_row((old[0], r.score, r.score >= pass_mark))
            cursor.execute(f"UPDATE {table} AS r SET score = c.score, passed = c.passed, recorded_at = %s, "
                           "recorded_by_id = %s FROM result_correction AS c WHERE r.id = c.id", [now, user_id])
            cursor.execute("DROP TABLE IF EXISTS pg_temp.result_correction")
        return
    Result.objects.bulk_update([Result(pk=old[0], score=r.score, passed=r.score >= pass_mark, recorded_at=now,
                                       recorded_by_id=user_id) for r, old in changed],
                               ["score", "passed", "recorded_at", "recorded_by"], batch_size=500)


# --- absences ----------------------------------------------------------------------------------------

@transaction.atomic
def registrations_absence_mark(*, actor: Actor, session: AssessmentSession, registration_ids: list[int],
                               absent: bool) -> int:
    """Mark candidates absent (缺考) or present again. An absent candidate has no score: a score
    recorded for them is removed (the audit keeps it)."""
    _check_may(actor, session)
    session = lock_session(session)
    check_results_open(session)
    regs = list(session.registrations.filter(pk__in=registration_ids, status=Registration.Status.REGISTERED)
                .select_related("person"))
    if len(regs) != len(set(registration_ids)):
        raise NotInScope(_("部分考生不属于该考核批次或已取消报名。"))
    changed = [r for r in regs if r.absent != absent]
    if not changed:
        return 0
    ids = [r.pk for r in changed]
    scores = dict(Result.objects.filter(registration_id__in=ids).values_list("registration_id", "score"))
    if absent and scores:
        Result.objects.filter(registration_id__in=ids).delete()
    Registration.objects.filter(pk__in=ids).update(absent=absent)
    label = Registration._meta.label_lower
    audit_log_many(actor=actor, entries=(
        {"action": "registration.absent_marked", "object_type": label, "object_id": r.pk,
         "object_repr": f"{r.person.name} · {session}", "province": session.province_id,
         "changes": {"absent": [not absent, absent], **({"score": [scores[r.pk], None]} if r.pk in scores else {})}}
        for r in changed))
    return len(changed)


# --- finalizing ------------------------------------------------------------------------------------

def _passes(results) -> list[PassedResult]:
    """What issuance needs about each passed result, copied from the person as on file now."""
    return [PassedResult(result_id=pk, session_id=session_id, certificate_id=certificate_id, level=level, org_id=org_id,
                         person_id=person_id, holder_name=name, id_type=id_type, id_number=number,
                         province_code=province, institution_id=institution_id, site_code=site_code, score=score,
                         passed_on=date)
            for (pk, session_id, certificate_id, level, org_id, person_id, name, id_type, number, province,
                 institution_id, site_code, score, date) in results.values_list(
                "pk", "registration__session_id", "certificate_id", "level", "org_id", "registration__person_id",
                "registration__person__name", "registration__person__id_type", "registration__person__id_number",
                "province_id", "institution_id", "registration__session__site__code", "score", "session_date")]


@dataclass
class FinalizeOutcome:
    passed: int
    failed: int
    absent: int
    issuance_requests: int


@transaction.atomic
def session_finalize(*, actor: Actor, session: AssessmentSession) -> FinalizeOutcome:
    """Lock the session's results and hand every pass to certificate issuance, in one transaction.
    Refused while a registered candidate has neither a score nor an absence."""
    _check_may(actor, session, "finalize")
    session = lock_session(session)
    if session.status == AssessmentSession.Status.FINALIZED:
        raise AppError(_("该考核批次的成绩已确认。"), code="finalized")
    check_results_open(session)
    active = session.registrations.filter(status=Registration.Status.REGISTERED)
    counts = active.aggregate(total=Count("pk"), absent=Count("pk", filter=Q(absent=True)),
                              scored=Count("result"), passed=Count("result", filter=Q(result__passed=True)))
    if not counts["total"]:
        raise AppError(_("该考核批次没有报名考生，不能确认成绩。"))
    missing = counts["total"] - counts["absent"] - counts["scored"]
    if missing:
        raise AppError(_("尚有 %(n)d 名考生既没有成绩也未标记缺考，请录入成绩或标记缺考后再确认。") % {"n": missing},
                       code="results_missing")
    old = session.status
    session.status = AssessmentSession.Status.FINALIZED
    session.finalized_at = timezone.now()
    session.finalized_by = actor.user
    session.save(update_fields=["status", "finalized_at", "finalized_by"])
    passes = _passes(Result.objects.filter(registration__session=session, passed=True))
    created = issuance_requests_create(passes=passes)
    outcome = FinalizeOutcome(passed=counts["passed"], failed=counts["scored"] - counts["passed"],
                              absent=counts["absent"], issuance_requests=created)
    audit_log(actor=actor, action="session.finalized", obj=session, province=session.province_id, changes={
        "status": [old, session.status], "passed": [None, outcome.passed], "failed": [None, outcome.failed],
        "absent": [None, outcome.absent], "issuance_requests": [None, created]})
    _notify_finalized(session)
    return outcome


def _notify_finalized(session: AssessmentSession) -> None:
    params = _session_params(session)
    link = reverse("assessments:session_detail", args=[session.pk])
    for institution_id in session.registrations.exclude(institution=None).values_list(
            "institution_id", flat=True).distinct():
        notify_scope(role=Role.INSTITUTION, scope_id=institution_id, kind="results.published", params=params,
                     link=link, category="assessment")
    candidates_ = User.objects.filter(is_active=True, person__registrations__session=session,
                                      person__registrations__status=Registration.Status.REGISTERED)
    notify(users=candidates_, kind="results.published_to_candidate", params=params,
           link=reverse("assessments:registrations"), category="assessment")


def _session_params(session: AssessmentSession) -> dict:
    """A session as notifications name it: certificate, level (translated when read), date, site."""
    return {"c": session.certificate.name, "l": Level(session.level).label, "d": f"{session.date:%Y-%m-%d}",
            "site": session.site.name}


# --- after finalizing: amendments and score reviews ------------------------------------------------

@transaction.atomic
def result_amend(*, actor: Actor, result: Result, score, reason: str,
                 review: ScoreReview | None = None) -> ResultAmendment:
    """Correct a finalized result, with its reason, audited. A fail that becomes a pass is handed
    to issuance at once (idempotent by result id)."""
    session = registration_access(actor, result.registration_id).require("amend_score").session
    session = lock_session(session)
    if session.status != AssessmentSession.Status.FINALIZED:
        raise AppError(_("成绩确认前请直接修改成绩，无需更正。"))
    org_standing(session.org).check("amend")
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("更正成绩必须说明原因。"), field="reason")
    marks = _marks(session)
    try:
        value = parse_score(str(score if score is not None else ""), marks.full_mark)
    except ValueError as error:
        raise AppError(error.args[0], field="score") from None
    result = Result.objects.select_for_update().get(pk=result.pk)
    passed = value >= marks.pass_mark
    if value == result.score:
        raise AppError(_("更正后的成绩与原成绩相同。"), field="score")
    if result.passed and not passed:
        raise AppError(_("已合格的成绩不能更正为不合格：该合格成绩已交付发证。如确属错误，请报教育部按证书撤销程序处理。"),
                       field="score", code="pass_to_fail")
    amendment = ResultAmendment.objects.create(result=result, score_before=result.score, score_after=value,
                                               passed_before=result.passed, passed_after=passed, reason=reason,
                                               actor=actor.user)
    before = (result.score, result.passed)
    result.score, result.passed, result.recorded_by = value, passed, actor.user
    result.save(update_fields=["score", "passed", "recorded_at", "recorded_by"])
    created = 0
    if passed and not before[1]:
        created = issuance_requests_create(passes=_passes(Result.objects.filter(pk=result.pk)))
    audit_log(actor=actor, action="result.amended", obj=result, province=result.province_id, note=reason[:500],
              object_repr=f"{result.registration.person.name} · {session}",
              changes={"score": [before[0], value], "passed": [before[1], passed],
                       "amendment": [None, amendment.pk], "issuance_requests": [0, created],
                       **({"review": [None, review.pk]} if review else {})})
    user = getattr(result.registration.person, "user", None)
    if user is not None and user.is_active and review is None:
        notify(users=[user], kind="result.amended", params={"s": value, "reason": reason},
               link=reverse("assessments:registration_detail", args=[result.registration_id]), category="assessment")
    return amendment


@transaction.atomic
def score_review_request(*, actor: Actor, registration: Registration, reason: str) -> ScoreReview:
    """A candidate asks for a review of their finalized score."""
    registration_access(actor, registration.pk).require("request_review")
    registration = Registration.objects.select_for_update().select_related("session").get(pk=registration.pk)
    if registration.session.status != AssessmentSession.Status.FINALIZED:
        raise AppError(_("成绩确认发布后才能申请复核。"))
    if not Result.objects.filter(registration=registration).exists():
        raise AppError(_("没有成绩（缺考）的考生不能申请复核。"))
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("请说明申请复核的理由。"), field="reason")
    if len(reason) > 1000:
        raise AppError(_("复核理由不能超过 1000 个字。"), field="reason")
    if registration.reviews.filter(status=ScoreReview.Status.REQUESTED).exists():
        raise AppError(_("您已申请复核，请等待培训评价组织答复。"), code="review_open")
    review = ScoreReview.objects.create(registration=registration, reason=reason)
    audit_log(actor=actor, action="score_review.requested", obj=review, province=registration.province_id,
              object_repr=f"{registration.person.name} · {registration.session}", changes={"reason": [None, reason]})
    notify_scope(role=Role.ORG, scope_id=registration.org_id, kind="score_review.requested",
                 params=_session_params(registration.session), link=reverse("assessments:reviews"),
                 category="assessment")
    return review


@transaction.atomic
def score_review_answer(*, actor: Actor, review: ScoreReview, amend: bool, answer: str,
                        score=None) -> ScoreReview:
    """The org answers a review: the score is maintained, or amended (through a ResultAmendment)."""
    registration = registration_access(actor, review.registration_id).require("amend_score")
    review = ScoreReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ScoreReview.Status.REQUESTED:
        raise AppError(_("该复核申请已答复。"))
    answer = (answer or "").strip()
    if not answer:
        raise AppError(_("请填写复核结果说明。"), field="answer")
    if amend:
        review.amendment = result_amend(actor=actor, result=registration.result, score=score, reason=answer,
                                        review=review)
        review.status = ScoreReview.Status.AMENDED
    else:
        review.status = ScoreReview.Status.MAINTAINED
    review.answer = answer
    review.answered_at = timezone.now()
    review.answered_by = actor.user
    review.save(update_fields=["status", "answer", "answered_at", "answered_by", "amendment"])
    audit_log(actor=actor, action="score_review.answered", obj=review, province=registration.province_id,
              object_repr=f"{registration.person.name} · {registration.session}",
              changes={"status": [ScoreReview.Status.REQUESTED, review.status]}, note=answer[:500])
    user = getattr(registration.person, "user", None)
    if user is not None and user.is_active:
        notify(users=[user], kind="score_review.answered",
               params={"s": ScoreReview.Status(review.status).label, "answer": answer},
               link=reverse("assessments:registration_detail", args=[registration.pk]), category="assessment")
    return review
