"""Reads of the credit bank, always through the scope helper, and the one place that decides what an
actor may do and see in it (design rule 2): ``credit_bank_access`` for the pages and operations,
``conversion_get``/``rule_get``/``outcome_accesses``… for one object, each an ``accounts.access.Access``.
Views, the API, templates and exports read ``access.may`` and ``access.show``; services that enforce
an operation call the same selector, so the HTML form and the API endpoint share one decision.

Who sees what: the student their own account, outcomes, conversions and transcripts; an
institution the outcomes of its enrolled students, its rules and the requests addressed to it (an
alliance those of its members); a province the outcomes assessed in it and the rules and requests
of its institutions (read only); the ministry everything. The catalog of recognized outcomes is
national reference data that every staff role may read. Personal fields (name, ID number, learning
account) are shown as ``accounts.personal_data`` says for the actor's relation to the person.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Access, Permissions, decides_access
from accounts.models import IdType, Province, Role
from accounts.personal_data import Field, Relation, masked, relations_of, render
from accounts.scoping import Actor, get_in_scope, scoped
from certificates.catalog.models import Certificate, CertificateLevel, Level
from core import normalize
from core.base_url import public_base_url
from core.errors import AppError, NotInScope
from core.uploads import stored_file_read
from credit_bank.models import (
    DEFAULT_LEVEL_CREDITS,
    DEFAULT_MAX_CERTIFICATES_PER_COURSE,
    DEFAULT_MAX_CREDITS_PER_CERTIFICATE,
    Conversion,
    ConversionPolicy,
    ConversionRule,
    CourseType,
    LearningAccount,
    Outcome,
    RecognizedOutcome,
    Transcript,
)
from organizations.institutions.models import Enrolment, Institution

# --- what the actor may do (the only role comparisons of the credit bank) ---------------------------

def credit_bank_access(actor: Actor) -> Access[None]:
    """What ``actor`` may open and start in the credit bank (403 through ``require`` otherwise):

    - ``staff``: the hub, the lists of outcomes, rules and requests, their details, the catalog;
    - ``write``: define conversion rules and limits and decide requests (an institution; an alliance
      for its members);
    - ``stats``: the statistics (the ministry nationally, a province its own);
    - ``edit_catalog``: the credits of the catalog of recognized outcomes (the ministry);
    - ``all_provinces``: narrow lists to a province of its choice (the ministry);
    - ``account``: one's own learning account, conversion requests and transcripts (a student or
      social learner).
    """
    role = actor.role
    may = set()
    if role in (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE):
        may.add("staff")
    if role in (Role.INSTITUTION, Role.ALLIANCE):
        may.add("write")
    if role in (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY):
        may.add("stats")
    if role == Role.MINISTRY:
        may |= {"edit_catalog", "all_provinces"}
    if role == Role.STUDENT:
        may.add("account")
    return Access(obj=None, may=Permissions(may))


def _enrolment_institution(actor: Actor) -> int | None:
    """The institution through which an account or outcome the scope let through stands to an
    institution or alliance actor: such rows are in its scope only by the holder's enrolment at one of
    its institutions, so any of them gives the relation, without a query per row."""
    ids = actor.scope.institution_ids
    return min(ids) if ids else None


def _person_relations(actor: Actor, person_id: int | None) -> frozenset[Relation]:
    return relations_of(actor, person_id=person_id, institution_id=_enrolment_institution(actor))


# --- the student's own account ---------------------------------------------------------------

def account_access(*, actor: Actor) -> Access[LearningAccount | None]:
    """The actor's own learning account (None until the first outcome opens it); 403 for a role
    without one."""
    credit_bank_access(actor).require("account")
    account = None
    if actor.scope.person_id is not None:
        account = scoped(LearningAccount, actor).filter(person_id=actor.scope.person_id).select_related("person").first()
    return Access(obj=account, relations=relations_of(actor, person_id=actor.scope.person_id))


def account_own(*, actor: Actor) -> LearningAccount:
    """The actor's own learning account, or a clear refusal while it has none (nothing to print)."""
    account = account_access(actor=actor).obj
    if account is None:
        raise AppError(_("您的学习账户中还没有学习成果，暂时无法生成成绩单。证书签发后会自动记入学习账户。"),
                       code="no_account")
    return account


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


def account_outcomes(*, actor: Actor, account: LearningAccount | None) -> list[Access[Outcome]]:
    """The outcomes of the actor's own account, each with ``convert`` when it is recognized and a rule
    of the holder's institution and major is still open to it."""
    if account is None:
        return []
    relations = relations_of(actor, person_id=account.person_id)
    rows = []
    for outcome in account.outcomes.select_related("certificate", "issued__org").order_by("-issued_on", "-pk"):
        may = set()
        if (Relation.SELF in relations and outcome.status == Outcome.Status.RECOGNIZED
                and rules_available(person_id=account.person_id, outcome=outcome).exists()):
            may.add("convert")
        rows.append(Access(obj=outcome, relations=relations, may=Permissions(may)))
    return rows


def outcome_for_conversion(*, actor: Actor, pk: int) -> Outcome:
    """The actor's own outcome, to ask a conversion of: 403 for a role without a learning account;
    anyone else's is refused with a message that says why."""
    credit_bank_access(actor).require("account")
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


def conversions_of_person(*, actor: Actor) -> list[Access[Conversion]]:
    """The actor's own conversion requests, each with ``withdraw`` (``conversion_accesses``)."""
    qs = (scoped(Conversion, actor).filter(person_id=actor.scope.person_id)
          .select_related("institution", "rule_version", "outcome__certificate").order_by("-requested_at", "-pk"))
    return list(conversion_accesses(actor, qs))


def transcripts_own(*, actor: Actor):
    return scoped(Transcript, actor).filter(account__person_id=actor.scope.person_id).order_by("-issued_at", "-pk")


def transcript_get_own(*, actor: Actor, number: str) -> Transcript:
    """One of the actor's own transcripts: 403 for a role without a learning account, 404 otherwise."""
    credit_bank_access(actor).require("account")
    transcript = Transcript.objects.filter(number=number, account__person_id=actor.scope.person_id).first()
    if transcript is None or actor.scope.person_id is None:
        raise NotInScope()
    return transcript


def transcript_pdf_bytes(transcript: Transcript) -> bytes:
    return stored_file_read(transcript.pdf)


# --- outcomes: lists with what each row shows -----------------------------------------------------

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


def province_choices(*, actor: Actor) -> list[Province]:
    """The provinces a list may be narrowed to by choice (the ministry's; others see their own scope)."""
    return list(Province.objects.all()) if credit_bank_access(actor).may.all_provinces else []


def outcome_accesses(actor: Actor, outcomes: Iterable[Outcome]) -> Iterator[Access[Outcome]]:
    """Each outcome of a list (read through ``outcome_list``) with the actor's relations to its holder,
    computed from the ids on the row: the holder's name and ID number are rendered from them."""
    institution_id = _enrolment_institution(actor)
    for outcome in outcomes:
        yield Access(obj=outcome, relations=relations_of(actor, person_id=outcome.account.person_id,
                                                         institution_id=institution_id))


# --- rules and limits ---------------------------------------------------------------------------

def rule_list(*, actor: Actor, query: str = "", status: str = "", institution_id: int | None = None):
    qs = scoped(ConversionRule, actor).select_related("institution", "certificate", "current")
    if query:
        qs = qs.filter(Q(major_name__icontains=query) | Q(course_code__iexact=normalize.code(query))
                       | Q(current__course_name__icontains=query) | Q(certificate__name__icontains=query)
                       | Q(institution__name__icontains=query))
    if status in ConversionRule.Status.values:
        qs = qs.filter(status=status)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs.order_by("institution__name", "major_name", "certificate__name", "level", "course_code")


def rule_get(*, actor: Actor, pk: int) -> Access[ConversionRule]:
    """A rule inside the actor's scope (404 outside it), with ``write`` (change, withdraw) for its
    institution or that institution's alliance (whether the rule is still active is the service's
    business rule: a withdrawn rule is refused with a message)."""
    rule = get_in_scope(ConversionRule.objects.select_related("institution", "certificate", "current"), actor, pk=pk)
    may = set()
    if credit_bank_access(actor).may.write and rule.institution_id in actor.scope.institution_ids:
        may.add("write")
    return Access(obj=rule, may=Permissions(may))


def rule_for_change(*, actor: Actor, pk: int) -> ConversionRule:
    """The rule ``actor`` changes or withdraws: 403 for a role that writes no rules, 404 outside its
    scope. The page, the API and the services all ask here."""
    credit_bank_access(actor).require("write")
    return rule_get(actor=actor, pk=pk).require("write")


def institutions_writable(*, actor: Actor):
    """The institutions the actor may define rules and limits for (its own, or its alliance's members)."""
    if not credit_bank_access(actor).may.write:
        return Institution.objects.none()
    return Institution.objects.filter(pk__in=sorted(actor.scope.institution_ids)).order_by("name")


def institution_for_rules(*, actor: Actor, pk: int) -> Institution:
    """An institution ``actor`` defines rules and limits for: 403 for a role that writes none, 404 for
    an institution outside its scope (an alliance acts for its member institutions only)."""
    credit_bank_access(actor).require("write")
    institution = institutions_writable(actor=actor).filter(pk=pk).first()
    if institution is None:
        raise NotInScope()
    return institution


def policy_for(institution: Institution) -> ConversionPolicy:
    """The institution's limits; the defaults (unsaved) where it has set none."""
    return ConversionPolicy.objects.filter(institution=institution).first() or ConversionPolicy(
        institution=institution, max_certificates_per_course=DEFAULT_MAX_CERTIFICATES_PER_COURSE,
        max_credits_per_certificate=DEFAULT_MAX_CREDITS_PER_CERTIFICATE)


def institution_majors(institution: Institution) -> list[tuple[str, str]]:
    """The majors an institution runs, as (code, name): those its enrolments name."""
    rows = (Enrolment.objects.filter(institution=institution).values_list("major_code", "major_name")
            .distinct().order_by("major_name", "major_code"))
    seen: dict[str, str] = {}
    for code, name in rows:
        if name not in seen or (code and not seen[name]):
            seen[name] = code
    return [(code, name) for name, code in seen.items()]


# --- conversion requests ------------------------------------------------------------------------

def conversion_list(*, actor: Actor, status: str = "", flagged: bool = False, query: str = ""):
    qs = scoped(Conversion, actor).select_related("institution", "rule_version", "outcome__certificate", "person",
                                                  "enrolment")
    if status in Conversion.Status.values:
        qs = qs.filter(status=status)
    if flagged:
        qs = qs.filter(flagged_at__isnull=False, status__in=Conversion.OPEN_STATUSES)
    if query:
        qs = qs.filter(Q(person__name__icontains=query) | Q(course_code__iexact=normalize.code(query))
                       | Q(rule_version__course_name__icontains=query) | Q(outcome__number__iexact=query))
    return qs.order_by("-requested_at", "-pk")


def _conversion_access(actor: Actor, conversion: Conversion, writer: bool) -> Access[Conversion]:
    relations = relations_of(actor, person_id=conversion.person_id, institution_id=conversion.institution_id)
    may = set()
    if writer and conversion.institution_id in actor.scope.institution_ids:
        may.add("decide")  # approve, decline, annul
    if Relation.SELF in relations:
        may.add("withdraw")
    return Access(obj=conversion, relations=relations, may=Permissions(may))


def conversion_accesses(actor: Actor, conversions: Iterable[Conversion]) -> Iterator[Access[Conversion]]:
    """Each request of a list (read through ``conversion_list``) with the actor's relations and
    permissions, computed from the ids on the row."""
    writer = credit_bank_access(actor).may.write
    for conversion in conversions:
        yield _conversion_access(actor, conversion, writer)


def conversion_get(*, actor: Actor, pk: int) -> Access[Conversion]:
    """A request inside the actor's scope (404 outside it), with ``decide`` for the institution it is
    addressed to (or its alliance) and ``withdraw`` for the student who made it."""
    conversion = get_in_scope(Conversion.objects.select_related(
        "institution", "rule_version__rule", "outcome__certificate", "outcome__issued__org", "person", "enrolment"),
        actor, pk=pk)
    return _conversion_access(actor, conversion, credit_bank_access(actor).may.write)


def conversion_for_decision(*, actor: Actor, pk: int) -> Conversion:
    """The request ``actor`` approves, declines or annuls: 403 for a role that decides none, 404
    outside its scope."""
    credit_bank_access(actor).require("write")
    return conversion_get(actor=actor, pk=pk).require("decide")


def conversion_for_withdrawal(*, actor: Actor, pk: int) -> Conversion:
    """The student's own pending request to take back: 404 for anyone else's, 403 for staff."""
    return conversion_get(actor=actor, pk=pk).require("withdraw")


# --- the catalog of recognized outcomes ----------------------------------------------------------

def catalog_rows(*, query: str = ""):
    """Every level of every catalog certificate with its current credit value (the default for the
    level where the ministry has set none) and the version in force."""
    levels = CertificateLevel.objects.select_related("certificate", "certificate__org").exclude(
        certificate__status=Certificate.Status.APPLIED).order_by("certificate__batch__number", "certificate__code",
                                                                 "level")
    if query:
        levels = levels.filter(Q(certificate__name__icontains=query) | Q(certificate__code__iexact=normalize.code(query)))
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


def catalog_entry_current(*, certificate_id: int, level: str) -> RecognizedOutcome | None:
    return (RecognizedOutcome.objects.filter(certificate_id=certificate_id, level=level)
            .order_by("-version").first())


def catalog_credits(*, certificate_id: int, level: str) -> Decimal:
    """What the credit bank recognizes for a certificate level now: its catalog entry, or the
    default for the level where the ministry has set none."""
    entry = catalog_entry_current(certificate_id=certificate_id, level=level)
    return entry.credits if entry else DEFAULT_LEVEL_CREDITS[Level(level)]


def catalog_level_get(*, certificate_id: int, level: str) -> CertificateLevel:
    level_row = CertificateLevel.objects.select_related("certificate").filter(certificate_id=certificate_id,
                                                                              level=level).first()
    if level_row is None:
        raise NotInScope()
    return level_row


def certificate_by_code(code: str) -> Certificate:
    """A catalog certificate named by its code (404 for an unknown code)."""
    certificate = Certificate.objects.filter(code=normalize.code(code)).first()
    if certificate is None:
        raise NotInScope()
    return certificate


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


# The statistics by what they are broken down by (the page's tables, the API's ``by``).
STATS_BY = {"province": stats_by_province, "certificate": stats_by_certificate, "major": stats_by_major}


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


# --- transcripts ------------------------------------------------------------------------------------

def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def transcript_snapshot(account: LearningAccount) -> dict:
    """Everything a transcript prints, as plain JSON (credits as text, dates as ISO). The holder hands
    a transcript on to others, so it carries the ID number masked (accounts.personal_data.masked)."""
    person = account.person
    outcomes = list(account.outcomes.select_related("certificate", "issued__org").order_by("issued_on", "pk"))
    conversions = list(Conversion.objects.filter(outcome__account=account, status=Conversion.Status.APPROVED)
                       .select_related("institution", "enrolment", "rule_version", "outcome__certificate")
                       .order_by("decided_at", "pk"))
    recognized = sum((o.credits for o in outcomes if o.status == Outcome.Status.RECOGNIZED), start=Decimal("0.0"))
    converted = sum((c.converted_credits for c in conversions), start=Decimal("0.0"))
    return {
        "account_number": account.number,
        "holder_name": person.name,
        "id_type": _label(IdType, person.id_type),
        "id_number_masked": masked(Field.ID_NUMBER, person.id_number),
        "enrolments": [{"institution": e.institution.name, "major_code": e.major_code, "major_name": e.major_name,
                        "entry_year": e.entry_year}
                       for e in Enrolment.objects.filter(person=person).select_related("institution").order_by("pk")],
        "outcomes": [{"number": o.number, "certificate": o.certificate.name, "level": o.get_level_display(),
                      "org": o.issued.org.name, "issued_on": o.issued_on.isoformat(), "credits": str(o.credits),
                      "status": o.status, "status_label": o.get_status_display()} for o in outcomes],
        "conversions": [{"institution": c.institution.name, "major_name": c.enrolment.major_name,
                         "course_code": c.course_code, "course_name": c.rule_version.course_name,
                         "course_type": _label(CourseType, c.rule_version.course_type),
                         "credits": str(c.converted_credits), "rule_version": c.rule_version.version,
                         "outcome_number": c.outcome.number, "certificate": c.outcome.certificate.name,
                         "level": c.outcome.get_level_display(),
                         "approved_on": timezone.localtime(c.decided_at).date().isoformat(),
                         "flagged": c.is_flagged} for c in conversions],
        "totals": {"outcomes": sum(1 for o in outcomes if o.status == Outcome.Status.RECOGNIZED),
                   "recognized_credits": str(recognized), "conversions": len(conversions),
                   "converted_credits": str(converted)},
    }


def verify_url(transcript: Transcript) -> str:
    return f"{public_base_url()}{reverse('credit:transcript_verify', args=[transcript.token])}"


@dataclass(frozen=True)
class TranscriptCheck:
    """What the public page of a share link shows."""

    found: bool
    withdrawn: bool = False
    number: str = ""
    issued_at: object = None
    content: dict | None = None
    changed_since: bool = False
    revoked_since: tuple[str, ...] = ()


PUBLIC = frozenset({Relation.PUBLIC})


def transcript_verify(*, token: str) -> TranscriptCheck:
    """The public view of a shared transcript: the content as issued with the holder's personal fields
    as the policy shows them on public pages (the name masked, no ID number), and whether anything
    changed since."""
    token = (token or "").strip()[:64]
    transcript = Transcript.objects.filter(token=token).select_related("account__person").first() if token else None
    if transcript is None:
        return TranscriptCheck(found=False)
    if transcript.withdrawn_at is not None:
        return TranscriptCheck(found=True, withdrawn=True, number=transcript.number)
    content = dict(transcript.snapshot)
    content["holder_name"] = render(Field.NAME, PUBLIC, content["holder_name"])
    if render(Field.ID_NUMBER, PUBLIC, content.get("id_number_masked")) is None:
        content.pop("id_number_masked", None)
    numbers = [o["number"] for o in content["outcomes"] if o["status"] == Outcome.Status.RECOGNIZED]
    revoked = tuple(Outcome.objects.filter(account=transcript.account, number__in=numbers,
                                           status=Outcome.Status.REVOKED).values_list("number", flat=True))
    changed = transcript_snapshot(transcript.account) != transcript.snapshot
    return TranscriptCheck(found=True, number=transcript.number, issued_at=transcript.issued_at, content=content,
                           changed_since=changed, revoked_since=revoked)


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Conversion)(lambda actor, obj: conversion_get(actor=actor, pk=obj.pk))
decides_access(ConversionRule)(lambda actor, obj: rule_get(actor=actor, pk=obj.pk))
