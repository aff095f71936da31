"""The access matrix (issue 13): every persona × every list, detail and export endpoint of the URL
configuration, web and API, × every personal field it renders, checked against the scope mechanism
(accounts.scoping) and the personal-data policy (accounts.personal_data).

It fails on
- a 5xx;
- a 200 for an object outside the persona's scope (404 expected), unless the route is public;
- a full ID number where the policy says masked or hidden (in HTML, JSON, XLSX, ZIP and PDF bodies);
- a full name on a page an anonymous visitor opens (public pages mask names);
- a write by a role that may only read the object (its ``Access`` allows nothing), through any
  POST/PATCH/PUT/DELETE of that object's URLs: the answer must be 403/404/405 and nothing may change.

Routes are read from the URL configuration: a new endpoint is covered when it appears. Routes with
parameters are filled from the world (tests/matrix_world.py) through ``OBJECT_SEGMENTS`` — the
URL segment before a parameter names the model — so a new route over a known kind of object is
covered by itself, and a route over a new kind fails the test until its segment is named here.
"""

import io
import json
import re
import zipfile
from collections import defaultdict
from itertools import product

import pytest
from django.apps import apps
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import access as access_registry
from accounts.models import Person
from accounts.personal_data import Field, Shown, relations_of, shown
from accounts.scoping import actor_for, anonymous_actor, scoped
from core.errors import Forbidden, NotInScope
from tests.matrix_world import build_world
from tests.personas import sign_in

PERSONAS = ["ministry_user", "hubei_user", "shandong_user", "hubei_agency_user", "hubei_alliance_user",
            "hubei_institution_user", "shandong_institution_user", "org_a_user", "org_b_user", "student_user",
            "social_learner_user", None]

# Not pages of the portal's data: the admin, language switching, the schema and its viewer, static
# files, health, signing out (it would end the persona's session).
SKIP_ROUTES = re.compile(r"^(admin/|i18n/|api/schema/|api/docs/|static/|healthz|livez|account/logout)")

# (segment before the parameter, parameter) -> (model label, lookup field). Most specific first.
OBJECT_SEGMENTS = [
    (r"filings/imports", "pk", "assessments.FilingImport", "pk"),
    (r"trainings/certificate", "pk", "assessments.CertificateTraining", "pk"),
    (r"catalog/certificates", "code", "certificates.Certificate", "code"),
    (r"supervision/certificates", "pk", "certificates.Certificate", "pk"),
    (r"credit/catalog", "certificate_id", "certificates.Certificate", "pk"),
    (r"certificates/requests", "pk", "certificates.IssuanceRequest", "pk"),
    (r"issuance/requests", "result_id", "certificates.IssuanceRequest", "result_id"),
    (r"credit/requests", "pk", "credit_bank.Conversion", "pk"),
    (r"filings", "pk", "assessments.Filing", "pk"),
    (r"trainers", "pk", "assessments.TrainerQualification", "pk"),
    (r"trainer-qualifications", "pk", "assessments.TrainerQualification", "pk"),
    (r"sites", "pk", "assessments.Site", "pk"),
    (r"sessions", "pk", "assessments.AssessmentSession", "pk"),
    (r"registrations", "pk", "assessments.Registration", "pk"),
    (r"results", "pk", "assessments.Result", "pk"),
    (r"(score-)?reviews", "pk", "assessments.ScoreReview", "pk"),
    (r"trainings", "pk", "assessments.TeacherTraining", "pk"),
    (r"(assessment-)?plans", "pk", "assessments.AssessmentPlan", "pk"),
    (r"reports", "year", "assessments.MonthlyReport", "year"),
    (r"orgs", "pk", "organizations.Org", "pk"),
    (r"seal/v", "version", "organizations.OrgSeal", "version"),
    (r"complaints", "pk", "organizations.Complaint", "pk"),
    (r"evidence", "evidence_pk", "organizations.ComplaintEvidence", "pk"),
    (r"complaints/evidence", "pk", "organizations.ComplaintEvidence", "pk"),
    (r"supervision/evidence", "pk", "organizations.OrgActionEvidence", "pk"),
    (r"institutions", "pk", "organizations.Institution", "pk"),
    (r"standards", "pk", "certificates.CertificateStandard", "pk"),
    (r"batches", "number", "certificates.SelectionBatch", "number"),
    (r"items", "pk", "certificates.ApplicationCertificate", "pk"),
    (r"(certificates|verify)", "number", "certificates.IssuedCertificate", "number"),
    (r"(paper|paper-copies)", "pk", "certificates.PaperCopyOrder", "pk"),
    (r"verify/t", "token", "certificates.IssuedCertificate", "token"),
    (r"c", "token", "certificates.CredentialPage", "token"),
    (r"outcomes", "pk", "credit_bank.Outcome", "pk"),
    (r"conversions", "pk", "credit_bank.Conversion", "pk"),
    (r"rules", "pk", "credit_bank.ConversionRule", "pk"),
    (r"transcripts", "number", "credit_bank.Transcript", "number"),
    (r"(t|transcripts/verify)", "token", "credit_bank.Transcript", "token"),
    (r"threads", "pk", "fees.FeeThread", "pk"),
    (r"provinces", "code", "accounts.Province", "code"),
    (r"notices", "pk", "pilot.Notice", "pk"),
    (r"notices/attachments", "pk", "pilot.NoticeAttachment", "pk"),
    (r"users", "pk", "accounts.User", "pk"),
    (r"candidates", "pk", "organizations.Org", "pk"),
    (r"indicators/orgs", "pk", "organizations.Org", "pk"),
    (r"dashboard/orgs", "pk", "organizations.Org", "pk"),
    (r"dashboard/institutions", "pk", "organizations.Institution", "pk"),
    (r"dashboard/refresh", "pk", "pilot.RollupRefresh", "pk"),
    (r"planning-windows", "year", None, "year"),
    (r"supervision/indicators", "year", None, "year"),
    (r"uploads", "token", None, "token"),
    (r"dashboard/lists", "measure", None, "measure"),
    (r"dashboard/export", "view", None, "view"),
]


def _value_params() -> dict:
    """Parameters that are not objects: the values to try."""
    from pilot.dashboard.lists import SOURCES

    return {"year": [2026], "token": ["nothing"], "measure": sorted(SOURCES),
            "view": ["provinces", "orgs", "certificates", "months", "waiting", "institutions", "hubei", "national"]}
# Extra parameters that ride on another one (reports/<year>/<month>, catalog/<id>/<level>).
RIDERS = {("assessments.MonthlyReport", "month"): "month", ("certificates.Certificate", "level"): None,
          (None, "month"): "month"}

# Routes that show an object to everyone by design, whatever the visitor's scope.
PUBLIC_ROUTES = re.compile(
    r"^(catalog/certificates/<str:code>/$|catalog/batches/<int:number>/$|orgs/<int:pk>/$|verify/|c/|"
    r"api/v1/(catalog/certificates/<str:code>|batches/<int:number>|orgs/<int:pk>|verify/|certificates/<str:number>/credential)"
    r"|credit/t/|api/v1/credit/transcripts/verify/|api/v1/planning-windows/|notices/)")

ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")


def routes():
    """(route, name, methods) for every URL pattern."""
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.name
    return [(route, name) for route, name in walk(get_resolver().url_patterns) if not SKIP_ROUTES.match(route)]


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def object_params(route: str):
    """For each parameter of ``route``: (name, model label or None, lookup), or raise if unknown."""
    found = []
    for match in PARAM.finditer(route):
        name = match.group(2)
        before = route[:match.start()].rstrip("/")
        for segment, param, label, lookup in OBJECT_SEGMENTS:
            if param == name and re.search(rf"(^|/){segment}$", before):
                found.append((name, label, lookup))
                break
        else:
            if not (found and (found[-1][1], name) in RIDERS):
                raise LookupError(f"{route}: no object kind for <{name}> after '{before.rsplit('/', 1)[-1]}'")
            found.append((name, "rider", name))
    return found


def fill(route, params, values):
    text = route
    for (name, _label, _lookup), value in zip(params, values, strict=True):
        text = PARAM.sub(lambda m, n=name, v=value: str(v) if m.group(2) == n else m.group(0), text, count=1)
    return "/" + text.replace("^", "").replace("$", "")


def candidates(params, world):
    """Every combination of world objects for the route's parameters: (values, the last object)."""
    values_of = _value_params()
    options = []
    for name, label, lookup in params:
        if label == "rider":
            options.append([None])
            continue
        if label is None:
            options.append([(value, None) for value in values_of[name]])
            continue
        model = apps.get_model(label)
        objs = [o for o in world.objects if isinstance(o, model)]
        options.append([(getattr(o, lookup), o) for o in objs])
    for combo in product(*options):
        values, last = [], None
        for (name, label, _lookup), chosen in zip(params, combo, strict=True):
            if label == "rider":
                values.append({"month": 10, "level": "junior"}.get(name, 1))
                continue
            value, obj = chosen
            values.append(value)
            last = obj if obj is not None else last
        yield values, last


def texts(response) -> str:
    """Everything readable in a response: HTML/JSON/CSV text, XLSX cells, PDF text, ZIP members."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return _texts(body, response.get("Content-Type", ""))


def _texts(body: bytes, content_type: str) -> str:
    if body[:4] == b"%PDF" or "pdf" in content_type:
        from pypdf import PdfReader

        try:
            return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
        except Exception:
            return ""
    if body[:2] == b"PK":
        out = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for info in archive.infolist():
                data = archive.read(info)
                if info.filename.endswith(".xml") or info.filename.endswith(".rels"):
                    out.append(data.decode("utf-8", "replace"))
                else:
                    out.append(_texts(data, ""))
        return "\n".join(out)
    text = body.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def full_id_allowed(actor, person_records) -> set[str]:
    """The ID numbers this actor may see in full, from the policy and every record about each person."""
    allowed = set()
    for number, records in person_records.items():
        for field, ids in records:
            if shown(field, relations_of(actor, **ids)) == Shown.FULL:
                allowed.add(number)
                break
    return allowed


def records_by_id_number():
    """For every person: (field, relation ids) of each record about them."""
    from assessments.models import Registration, TrainerQualification
    from certificates.issuance.models import IssuedCertificate
    from organizations.institutions.models import Enrolment

    records = defaultdict(list)
    for person in Person.objects.all():
        records[person.id_number].append((Field.ID_NUMBER, {"person_id": person.pk}))
    for r in Registration.objects.select_related("person"):
        records[r.person.id_number].append((Field.ID_NUMBER, {"person_id": r.person_id, "institution_id":
                                                              r.institution_id, "org_id": r.org_id}))
    for c in IssuedCertificate.objects.all():
        records[c.id_number].append((Field.ID_NUMBER, {"person_id": c.person_id, "institution_id": c.institution_id,
                                                       "org_id": c.org_id}))
    for t in TrainerQualification.objects.select_related("person", "certificate"):
        records[t.person.id_number].append((Field.TRAINER_ID_NUMBER, {"institution_id": t.institution_id,
                                                                      "org_id": t.certificate.org_id}))
    for e in Enrolment.objects.select_related("person"):
        records[e.person.id_number].append((Field.ID_NUMBER, {"person_id": e.person_id,
                                                              "institution_id": e.institution_id}))
    return records


def decision(obj: Model, actor):
    """The object's registered access decision for ``actor``: ("out", None) outside the scope,
    ("refused", None) when the actor may not even read it, ("in", access) otherwise; None when the
    model registers no decision."""
    decide = access_registry.access_decision_for(type(obj))
    if decide is None:
        return None
    try:
        return "in", decide(actor, obj)
    except NotInScope:
        return "out", None
    except Forbidden:
        return "refused", None


def in_scope(obj: Model, actor) -> bool:
    """The ground truth: the object's registered access decision where it has one (open sessions are
    seen beyond their org and province, fee threads by the alliance that negotiates), else the scope
    mechanism's paths."""
    decided = decision(obj, actor)
    if decided is not None:
        return decided[0] == "in"
    if not hasattr(type(obj), "scope_paths"):
        return True
    return scoped(type(obj)._default_manager.all(), actor).filter(pk=obj.pk).exists()


@pytest.fixture
def personas(request, provinces, hubei, shandong, hubei_institution, shandong_institution, org_a, org_b,
             student_person):
    users = {name: request.getfixturevalue(name) for name in PERSONAS if name}
    return {"hubei": hubei, "shandong": shandong, "hubei_institution": hubei_institution,
            "shandong_institution": shandong_institution, "org_a": org_a, "org_b": org_b,
            "student_person": student_person, **users}


# The personas in four groups, each a test of its own, so that make test's two processes share the
# matrix (one world is built per group); the groups mix heavy readers (the ministry, provinces) with
# light ones.
PERSONA_GROUPS = [
    ["ministry_user", "student_user", None],
    ["hubei_user", "shandong_user", "hubei_agency_user"],
    ["hubei_alliance_user", "hubei_institution_user", "shandong_institution_user"],
    ["org_a_user", "org_b_user", "social_learner_user"],
]
assert sorted(PERSONAS, key=str) == sorted((p for g in PERSONA_GROUPS for p in g), key=str)


@pytest.mark.django_db
@pytest.mark.parametrize("group", PERSONA_GROUPS, ids=lambda group: "+".join(p or "anonymous" for p in group))
def test_every_persona_on_every_endpoint(client, personas, settings, capsys, group):
    settings.VERIFY_RATE_PER_MINUTE = 100_000
    settings.COMPLAINT_LOOKUP_RATE = getattr(settings, "COMPLAINT_LOOKUP_RATE", None)
    world = build_world(personas)
    person_records = records_by_id_number()
    all_routes = routes()
    uncovered, failures = [], []
    tried = pairs = writes = 0
    plans = []
    for route, name in all_routes:
        try:
            params = object_params(route)
        except LookupError as error:
            uncovered.append(str(error))
            continue
        plans.append((route, name, params, list(candidates(params, world)) if params else [([], None)]))

    for persona in group:
        client.logout()
        user = personas[persona] if persona else None
        if user is not None:
            sign_in(client, user)
        actor = actor_for(user) if user is not None else anonymous_actor()
        allowed = full_id_allowed(actor, person_records)
        label = persona or "anonymous"
        for route, _name, _params, combos in plans:
            for values, obj in combos:
                url = fill(route, _params, values) if _params else "/" + route
                urls = [url]
                while urls:
                    target = urls.pop()
                    response = client.get(target, follow=False)
                    tried += 1
                    status = response.status_code
                    where = f"{label} GET {target}"
                    if status >= 500:
                        failures.append(f"{where}: {status}")
                        continue
                    if status != 200:
                        continue
                    pairs += 1
                    if obj is not None and not PUBLIC_ROUTES.match(route) and not in_scope(obj, actor):
                        failures.append(f"{where}: 200 for {obj._meta.label} {obj.pk} outside the scope (404 expected)")
                    body = texts(response)
                    for number in set(ID_NUMBER.findall(body)):
                        if number in person_records and number not in allowed:
                            failures.append(f"{where}: full ID number {number[:3]}…{number[-4:]} where the policy "
                                            "says masked or hidden")
                    if user is None:
                        leaked = {n for n in re.findall(r"学员\d+", body)} | {n for n in ("李小明", "赵丽华") if n in body}
                        if leaked:
                            failures.append(f"{where}: full names on a public page: {sorted(leaked)[:3]}")
                    if target == url and "html" in response.get("Content-Type", ""):
                        for kind in ("xlsx", "zip", "pdf"):
                            if f"export={kind}" in body:
                                urls.append(f"{url}{'&' if '?' in url else '?'}export={kind}")
                # Writes by a role that may only read this object.
                if obj is None or user is None:
                    continue
                decided = decision(obj, actor)
                if decided is None or decided[0] == "out" or (decided[0] == "in" and decided[1].may):
                    continue
                writes += 1
                before = _fingerprint(obj)
                for method in ("post", "patch", "put", "delete"):
                    response = getattr(client, method)(url, data={} if method == "post" else "{}",
                                                       **({} if method == "post" else {"content_type": "application/json"}))
                    if not _refused(url, response):
                        failures.append(f"{label} {method.upper()} {url}: {response.status_code} from a read-only role "
                                        "(403 expected)")
                if _fingerprint(obj) != before:
                    failures.append(f"{label} wrote to {obj._meta.label} {obj.pk} through {url} (read-only)")

    with capsys.disabled():
        print(f"\naccess matrix: {len(group)} personas × {len(plans)} routes → {tried} requests, "
              f"{pairs} answered 200 and checked for scope and personal data, {writes} read-only write attempts; "
              f"{len(failures)} failures, {len(uncovered)} routes without an object kind")
    assert uncovered == [], "\n".join(uncovered)
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:200])


def _refused(url: str, response) -> bool:
    """An API answers a read-only role's write with 403 (404 outside the scope, 405 where the
    method does not exist) before looking at the body. A page may simply show itself again (a view
    that ignores the method writes nothing: the fingerprint says so), but never reports success
    (201, 204, or a redirect other than to sign in)."""
    status = response.status_code
    if url.startswith("/api/"):
        return status in (401, 403, 404, 405)
    if status in (201, 204):
        return False
    return status != 302 or "/account/login/" in response.get("Location", "")


def _fingerprint(obj):
    from accounts.models import AuditEntry

    row = type(obj)._default_manager.filter(pk=obj.pk).values().first()
    return row, AuditEntry.objects.count()
