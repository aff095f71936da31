"""Reads of the credit bank, always through the scope helper.

Who sees what: the student their own account, outcomes, conversions and transcripts; an
institution the outcomes of its enrolled students, its rules and the requests addressed to it (an
alliance those of its members); a province the outcomes assessed in it and the rules and requests
of its institutions (read only); the ministry everything. The catalog of recognized outcomes is
national reference data that every signed-in role may read.
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from accounts.scoping import Actor, get_in_scope, scoped
from certificates.catalog.models import Certificate, CertificateLevel, Level
from core.errors import NotInScope
from credit_bank.models import (
    DEFAULT_LEVEL_CREDITS,
    Conversion,
    ConversionRule,
    LearningAccount,
    Outcome,
    RecognizedOutcome,
    Transcript,
)
from organizations.institutions.models import Enrolment, Institution

# --- the student's own account ---------------------------------------------------------------


def account_own(*, actor: Actor) -> LearningAccount | None:
    if actor.scope.person_id is None:
        return None
    return scoped(LearningAccount, actor).filter(person_id=actor.scope.person_id).select_related("person").first()


def account_summary(account: LearningAccount | None) -> dict:
    if account is None:
        return {"outcomes": 0, "recognized_credits": Decimal("0.0"), "conversions": 0, "converted_credits": Decimal("0.0"),
                "pending": 0}
    outcomes = account.outcomes.aggregate(
        n=Count("pk", filter=Q(status=Outcome.Status.RECOGNIZED)),
        credits=Sum("credits", filter=Q(status=Outcome.Status.RECOGNIZED)))
    conversions = Conversion.objects.filter(outcome__account=account).aggregate(
        n=Count("pk", filter=Q(status=Conversion.Status.APPROVED)),
        credits=Sum("converted_credits", filter=Q(status=Conversion.Status.APPROVED)),
        pending=Count("pk", filter=Q(status=Conversion.Status.REQUESTED)))
    tenth = Decimal("0.1")
    return {"outcomes": outcomes["n"], "recognized_credits": (outcomes["credits"] or Decimal("0")).quantize(tenth),
            "conversions": conversions["n"], "pending": conversions["pending"],
            "converted_credits": (conversions["credits"] or Decimal("0")).quantize(tenth)}


def outcomes_of_account(account: LearningAccount | None):
    if account is None:
        return Outcome.objects.none()
    return account.outcomes.select_related("certificate", "issued__org").order_by("-issued_on", "-pk")


def outcome_for_conversion(*, actor: Actor, pk: int) -> Outcome:
    """The actor's own outcome; anyone else's is refused with a message that says why."""
    outcome = Outcome.objects.select_related("account", "certificate").filter(pk=pk).first()
    if outcome is None or actor.scope.person_id is None or outcome.account.person_id != actor.scope.person_id:
        raise NotInScope(_("该学习成果不在您的学习账户中，不能申请转换。"))
    return outcome


def rules_for_outcome(*, person_id: int | None, outcome: Outcome):
    """The active rules a student may ask under for ``outcome``: those of the institutions and majors
    they are enrolled in, for the outcome's certificate level."""
    if person_id is None:
        return ConversionRule.objects.none()
    majors = Enrolment.objects.filter(person_id=person_id).values_list("institution_id", "major_name")
    condition = Q(pk__in=[])
    for institution_id, major_name in majors:
        condition |= Q(institution_id=institution_id, major_name=major_name)
    return (ConversionRule.objects.filter(condition, status=ConversionRule.Status.ACTIVE,
                                          certificate_id=outcome.certificate_id, level=outcome.level)
            .select_related("institution", "current", "certificate").order_by("institution__name", "course_code"))


def rules_available(*, person_id: int | None, outcome: Outcome):
    """``rules_for_outcome`` less the courses this outcome is already requested or converted into."""
    taken = Conversion.objects.filter(outcome=outcome, status__in=Conversion.OPEN_STATUSES).values_list(
        "institution_id", "course_code")
    qs = rules_for_outcome(person_id=person_id, outcome=outcome)
    for institution_id, course_code in taken:
        qs = qs.exclude(institution_id=institution_id, course_code=course_code)
    return qs


def rule_for_request(*, pk: int) -> ConversionRule:
    """A rule named in a student's request. Rules are institutional policy, not personal data, so
    the student may name any; conversion_request then says precisely why one does not apply."""
    rule = ConversionRule.objects.select_related("institution", "current", "certificate").filter(pk=pk).first()
    if rule is None:
        raise NotInScope()
    return rule


def conversions_of_person(*, actor: Actor):
    return (scoped(Conversion, actor).filter(person_id=actor.scope.person_id)
            .select_related("institution", "rule_version", "outcome__certificate").order_by("-requested_at", "-pk"))


def transcripts_own(*, actor: Actor):
    return scoped(Transcript, actor).filter(account__person_id=actor.scope.person_id).order_by("-issued_at", "-pk")


# --- staff lists ----------------------------------------------------------------------------------

def outcome_list(*, actor: Actor, query: str = "", status: str = "", province: str = ""):
    qs = scoped(Outcome, actor).select_related("certificate", "account__person", "province", "issued__org")
    if query:
        qs = qs.filter(Q(number__iexact=query) | Q(account__person__name__icontains=query)
                       | Q(certificate__name__icontains=query))
    if status in Outcome.Status.values:
        qs = qs.filter(status=status)
    if province:
        qs = qs.filter(province_id=province)
    return qs.order_by("-issued_on", "-pk")


def rule_list(*, actor: Actor, query: str = "", status: str = "", institution_id: int | None = None):
    qs = scoped(ConversionRule, actor).select_related("institution", "certificate", "current")
    if query:
        qs = qs.filter(Q(major_name__icontains=query) | Q(course_code__iexact=query)
                       | Q(current__course_name__icontains=query) | Q(certificate__name__icontains=query)
                       | Q(institution__name__icontains=query))
    if status in ConversionRule.Status.values:
        qs = qs.filter(status=status)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs.order_by("institution__name", "major_name", "certificate__name", "level", "course_code")


def rule_get(*, actor: Actor, pk: int, for_write: bool = False) -> ConversionRule:
    return get_in_scope(ConversionRule.objects.select_related("institution", "certificate", "current"), actor,
                        for_write=for_write, pk=pk)


def conversion_list(*, actor: Actor, status: str = "", flagged: bool = False, query: str = ""):
    qs = scoped(Conversion, actor).select_related("institution", "rule_version", "outcome__certificate", "person",
                                                  "enrolment")
    if status in Conversion.Status.values:
        qs = qs.filter(status=status)
    if flagged:
        qs = qs.filter(flagged_at__isnull=False, status__in=Conversion.OPEN_STATUSES)
    if query:
        qs = qs.filter(Q(person__name__icontains=query) | Q(course_code__iexact=query)
                       | Q(rule_version__course_name__icontains=query) | Q(outcome__number__iexact=query))
    return qs.order_by("-requested_at", "-pk")


def conversion_get(*, actor: Actor, pk: int, for_write: bool = False) -> Conversion:
    return get_in_scope(Conversion.objects.select_related(
        "institution", "rule_version__rule", "outcome__certificate", "outcome__issued__org", "person", "enrolment"),
        actor, for_write=for_write, pk=pk)


def institutions_writable(*, actor: Actor):
    """The institutions the actor may define rules and limits for (its own, or its alliance's members)."""
    return Institution.objects.filter(pk__in=sorted(actor.scope.institution_ids)).order_by("name")


# --- the catalog of recognized outcomes ----------------------------------------------------------

def catalog_rows(*, query: str = ""):
    """Every level of every catalog certificate with its current credit value (the default for the
    level where the ministry has set none) and the version in force."""
    levels = CertificateLevel.objects.select_related("certificate", "certificate__org").exclude(
        certificate__status=Certificate.Status.APPLIED).order_by("certificate__batch__number", "certificate__code",
                                                                 "level")
    if query:
        levels = levels.filter(Q(certificate__name__icontains=query) | Q(certificate__code__iexact=query))
    current: dict[tuple[int, str], RecognizedOutcome] = {}
    for entry in RecognizedOutcome.objects.order_by("certificate_id", "level", "-version"):
        current.setdefault((entry.certificate_id, entry.level), entry)
    order = {value: index for index, value in enumerate(Level.values)}
    rows = []
    for cl in sorted(levels, key=lambda cl: (cl.certificate.batch_id, cl.certificate.code, order.get(cl.level, 9))):
        entry = current.get((cl.certificate_id, cl.level))
        rows.append({"certificate": cl.certificate, "level": cl.level, "level_label": cl.get_level_display(),
                     "credits": entry.credits if entry else DEFAULT_LEVEL_CREDITS[Level(cl.level)],
                     "version": entry.version if entry else None, "is_default": entry is None,
                     "updated_at": entry.created_at if entry else None})
    return rows


def catalog_history(*, certificate_id: int, level: str):
    return RecognizedOutcome.objects.filter(certificate_id=certificate_id, level=level).select_related(
        "created_by").order_by("-version")


# --- statistics for the ministry (and a province for its own) -------------------------------------

def _conversion_counts():
    return {"requests": Count("pk"), "approved": Count("pk", filter=Q(status=Conversion.Status.APPROVED)),
            "declined": Count("pk", filter=Q(status=Conversion.Status.DECLINED)),
            "pending": Count("pk", filter=Q(status=Conversion.Status.REQUESTED)),
            "converted_credits": Sum("converted_credits", filter=Q(status=Conversion.Status.APPROVED))}


def _outcome_counts():
    return {"outcomes": Count("pk"), "valid": Count("pk", filter=Q(status=Outcome.Status.RECOGNIZED)),
            "revoked": Count("pk", filter=Q(status=Outcome.Status.REVOKED)),
            "credits": Sum("credits", filter=Q(status=Outcome.Status.RECOGNIZED))}


def stats_by_province(*, actor: Actor) -> list[dict]:
    """Outcomes by the province the certificate was assessed in; conversions by the institution's
    province."""
    from accounts.models import Province

    outcomes = {r["province_id"]: r for r in scoped(Outcome, actor).order_by().values("province_id")
                .annotate(**_outcome_counts())}
    conversions = {r["institution__province_id"]: r for r in scoped(Conversion, actor).order_by()
                   .values("institution__province_id").annotate(**_conversion_counts())}
    rows = []
    for province in Province.objects.filter(pk__in=set(outcomes) | set(conversions)).order_by("sort_order", "code"):
        row = {"province": province.name, "code": province.code}
        row.update(_blank_outcomes() | _pick(outcomes.get(province.code), _outcome_counts()))
        row.update(_blank_conversions() | _pick(conversions.get(province.code), _conversion_counts()))
        rows.append(row)
    return rows


def stats_by_certificate(*, actor: Actor) -> list[dict]:
    outcomes = {(r["certificate_id"], r["level"]): r for r in scoped(Outcome, actor).order_by()
                .values("certificate_id", "level").annotate(**_outcome_counts())}
    conversions = {(r["outcome__certificate_id"], r["outcome__level"]): r for r in scoped(Conversion, actor)
                   .order_by().values("outcome__certificate_id", "outcome__level").annotate(**_conversion_counts())}
    names = dict(Certificate.objects.filter(pk__in={k[0] for k in set(outcomes) | set(conversions)})
                 .values_list("pk", "name"))
    order = {value: index for index, value in enumerate(Level.values)}
    rows = []
    for key in sorted(set(outcomes) | set(conversions), key=lambda k: (names.get(k[0], ""), order.get(k[1], 9))):
        row = {"certificate": names.get(key[0], ""), "level": str(Level(key[1]).label)}
        row.update(_blank_outcomes() | _pick(outcomes.get(key), _outcome_counts()))
        row.update(_blank_conversions() | _pick(conversions.get(key), _conversion_counts()))
        rows.append(row)
    return rows


def stats_by_major(*, actor: Actor) -> list[dict]:
    """Conversions by the major they were made in (majors are where credits are converted), with the
    number of institutions and of active rules."""
    conversions = (scoped(Conversion, actor).order_by().values("enrolment__major_code", "enrolment__major_name")
                   .annotate(institutions=Count("institution", distinct=True), **_conversion_counts()))
    rules = {(r["major_code"], r["major_name"]): r["n"] for r in scoped(ConversionRule, actor).order_by()
             .filter(status=ConversionRule.Status.ACTIVE).values("major_code", "major_name").annotate(n=Count("pk"))}
    rows = {}
    for r in conversions:
        key = (r["enrolment__major_code"], r["enrolment__major_name"])
        rows[key] = {"major_code": key[0], "major_name": key[1], "institutions": r["institutions"],
                     "rules": rules.get(key, 0), **_pick(r, _conversion_counts())}
    for key, n in rules.items():
        rows.setdefault(key, {"major_code": key[0], "major_name": key[1], "institutions": 0, "rules": n,
                              **_blank_conversions()})
    return sorted(rows.values(), key=lambda r: (-r["requests"], r["major_name"]))


def _pick(row: dict | None, counts: dict) -> dict:
    """The counted columns of an aggregate row; credit sums as Decimal with one place (SQLite drops it)."""
    if row is None:
        return {}
    return {k: (Decimal(row[k] or 0).quantize(Decimal("0.1")) if "credits" in k else row[k]) for k in counts}


def _blank_outcomes() -> dict:
    return {"outcomes": 0, "valid": 0, "revoked": 0, "credits": Decimal("0.0")}


def _blank_conversions() -> dict:
    return {"requests": 0, "approved": 0, "declined": 0, "pending": 0, "converted_credits": Decimal("0.0")}


def stats_totals(rows: list[dict], keys: tuple[str, ...]) -> dict:
    return {k: sum((r[k] for r in rows), start=Decimal("0.0") if "credits" in k else 0) for k in keys}
