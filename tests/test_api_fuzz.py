"""The API fuzzed from its own OpenAPI schema (issue 13, item 7).

Schemathesis drives every operation of /api/schema/ in-process, through Django's WSGI handler and
inside the test's transaction, as the ministry, an org, an institution (personas of tests/personas.py
bound to the demo pilot's org and institution) and an anonymous caller, over the demo pilot: orgs,
institutions, filings, sessions, results, certificates, complaints, fees, the credit bank.

Per persona and operation: a few generated cases, valid and invalid data mixed, from a fixed seed;
and, for an operation that takes a JSON body, the malformed bodies of ``MALFORMED_JSON_BODIES``.
Path parameters are mostly real values (``POOLS``): objects in the persona's scope (so that the cases
reach past the 404s into validation and the services) and objects outside it. Each case runs in a
savepoint that is rolled back: every case meets the same data. Checks: no 5xx, and every answer's
status code, content type and body are the ones the schema documents.
"""

import io
import time
import traceback
from collections import Counter
from contextlib import contextmanager

import hypothesis
import pytest
import schemathesis
from django.apps import apps
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Role
from accounts.scoping import actor_for, anonymous_actor, scoped
from tests.personas import make_persona

SEED = 20261013
GENERATED_CASES_PER_OPERATION = 3
# A JSON body that is not an object: what a client sends by mistake (issue 13 names [null] and [1]).
MALFORMED_JSON_BODIES = [None, [None], [1]]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
OUTSIDE_SAMPLE = 20  # objects outside the persona's scope among a parameter's real values

# (the path segment before the parameter, the parameter) -> (model, field): the parameter's real values.
# A new path parameter needs its line here; the test names any that is missing.
POOLS = {
    ("assessment-plans", "id"): ("assessments.AssessmentPlan", "pk"),
    ("batches", "number"): ("certificates.SelectionBatch", "number"),
    ("items", "id"): ("certificates.ApplicationCertificate", "pk"),
    ("certificates", "code"): ("certificates.Certificate", "code"),
    ("certificates", "number"): ("certificates.IssuedCertificate", "number"),
    ("verify", "number"): ("certificates.IssuedCertificate", "number"),
    ("complaints", "id"): ("organizations.Complaint", "pk"),
    ("evidence", "evidence_pk"): ("organizations.ComplaintEvidence", "pk"),
    ("conversions", "id"): ("credit_bank.Conversion", "pk"),
    ("rules", "id"): ("credit_bank.ConversionRule", "pk"),
    ("transcripts", "number"): ("credit_bank.Transcript", "number"),
    ("verify", "token"): ("credit_bank.Transcript", "token"),
    ("threads", "id"): ("fees.FeeThread", "pk"),
    ("filings", "id"): ("assessments.Filing", "pk"),
    ("institutions", "id"): ("organizations.Institution", "pk"),
    ("requests", "result_id"): ("certificates.IssuanceRequest", "result_id"),
    ("orgs", "id"): ("organizations.Org", "pk"),
    ("paper-copies", "id"): ("certificates.PaperCopyOrder", "pk"),
    ("planning-windows", "year"): ("assessments.PlanningWindow", "year"),
    ("results", "id"): ("assessments.Result", "pk"),
    ("score-reviews", "id"): ("assessments.ScoreReview", "pk"),
    ("sessions", "id"): ("assessments.AssessmentSession", "pk"),
    ("trainer-qualifications", "id"): ("assessments.TrainerQualification", "pk"),
}
# Body and query fields that name an object: given real values too, so that writes can succeed.
FIELD_POOLS = {
    "org": ("organizations.Org", "pk"),
    "institution": ("organizations.Institution", "pk"),
    "institution_id": ("organizations.Institution", "pk"),
    "alliance": ("organizations.Alliance", "pk"),
    "session": ("assessments.AssessmentSession", "pk"),
    "site": ("assessments.Site", "pk"),
    "registration": ("assessments.Registration", "pk"),
    "year": ("assessments.Filing", "year"),
    "batch": ("certificates.SelectionBatch", "number"),
    "certificate": ("certificates.Certificate", "code"),
    "certificate_code": ("certificates.Certificate", "code"),
    "outcome_id": ("credit_bank.Outcome", "pk"),
    "rule_id": ("credit_bank.ConversionRule", "pk"),
    "version": ("fees.FeeVersion", "pk"),
    "person": ("accounts.Person", "pk"),
    "province": ("accounts.Province", "code"),
}


@contextmanager
def _in_process():
    """Requests through the WSGI handler inside the test's transaction: Django must not close the
    connection when a request ends (the test client disconnects the same receivers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class _RolledBack(Exception):
    pass


def _path_parameters(operation):
    segments = operation.path.strip("/").split("/")
    for before, segment in zip(segments, segments[1:], strict=False):
        if segment.startswith("{"):
            yield before, segment.strip("{}")


class Pools:
    """A persona's real values of each path parameter and object field: those in its scope (first),
    and some outside it."""

    def __init__(self, schema):
        missing = sorted({f"{op.path}: {key}" for op in _operations(schema) for key in _path_parameters(op)
                          if key not in POOLS})
        assert not missing, f"add the real values of these path parameters to POOLS: {missing}"

    def for_actor(self, actor) -> dict:
        """(segment, parameter) or field name -> (values in scope, values outside it)."""
        values = {}
        for source in {*POOLS.values(), *FIELD_POOLS.values()}:
            label, field = source
            qs = apps.get_model(label).objects.order_by(field)
            mine = list(scoped(qs, actor).values_list(field, flat=True).distinct())
            others = list(qs.exclude(**{f"{field}__in": mine}).values_list(field, flat=True).distinct()[:OUTSIDE_SAMPLE])
            values[source] = (mine, others)
        return {key: values[source] for key, source in (*POOLS.items(), *FIELD_POOLS.items())}


def _draw_real(data, pool, *, generated):
    """Half the time a value in the persona's scope, a quarter one outside it, a quarter the generated one."""
    mine, others = pool
    choice = data.draw(st.integers(0, 3))
    values = (mine or others) if choice >= 2 else (others or mine) if choice == 1 else []
    return data.draw(st.sampled_from(values)) if values else generated


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


class Fuzzer:
    def __init__(self, schema):
        self.operations = _operations(schema)
        # One strategy per operation for all personas: Hypothesis keeps what it worked out from the schema.
        self.strategies = {operation.label: st.one_of([operation.as_strategy(mode) for mode in schemathesis.GenerationMode])
                           for operation in self.operations}
        self.pools = Pools(schema)
        self.failures = []
        self._errors = []

    def run(self, persona: str, seed: int, headers: dict, actor) -> Counter:
        """Every operation as one persona; returns how many cases got each status code."""
        self._statuses = Counter()
        pools = self.pools.for_actor(actor)

        def on_exception(sender, request, **kwargs):
            self._errors.append(traceback.format_exc())

        got_request_exception.connect(on_exception)
        try:
            with _in_process():
                for operation in self.operations:
                    self._generated(persona, seed, operation, headers, pools)
                    self._malformed(persona, operation, headers, pools)
        finally:
            got_request_exception.disconnect(on_exception)
        return self._statuses

    def _generated(self, persona, seed, operation, headers, pools):
        cases = self.strategies[operation.label]

        @hypothesis.settings(max_examples=GENERATED_CASES_PER_OPERATION, database=None, deadline=None,
                             phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @hypothesis.seed(seed)
        @hypothesis.given(data=st.data())
        def run(data):
            case = data.draw(cases)
            keys = {name: before for before, name in _path_parameters(operation)}
            for name, value in list((case.path_parameters or {}).items()):
                pool = pools.get((keys.get(name), name))
                if pool:
                    case.path_parameters[name] = str(_draw_real(data, pool, generated=value))
            for container in (case.query, case.body):
                if isinstance(container, dict):
                    for name in sorted(set(container) & set(FIELD_POOLS), key=str):
                        container[name] = _draw_real(data, pools[name], generated=container[name])
            self._call(persona, operation, case, headers)

        run()

    def _malformed(self, persona, operation, headers, pools):
        body = (operation.definition.raw.get("requestBody") or {}).get("content", {})
        if "application/json" not in body:
            return
        path_parameters = {}
        for key in _path_parameters(operation):
            mine, others = pools[key]
            path_parameters[key[1]] = str((mine or others or ["1"])[0])
        for value in MALFORMED_JSON_BODIES:
            case = operation.Case(path_parameters=path_parameters, body=value, media_type="application/json")
            self._call(persona, operation, case, headers)

    def _call(self, persona, operation, case, headers):
        self._errors.clear()
        cache.clear()  # throttles count within a case, not across the run
        try:
            with transaction.atomic():
                response = case.call(headers=headers)
                raise _RolledBack
        except _RolledBack:
            pass
        except Exception as exc:  # the error page itself failed: the exception left the handler
            self._statuses["raised"] += 1
            self.failures.append((persona, operation.label, case, None, exc, list(self._errors)))
            return
        self._statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:
            self.failures.append((persona, operation.label, case, response, exc, list(self._errors)))

    def report(self) -> str:
        lines = []
        for persona, label, case, response, exc, errors in self.failures:
            kinds = sorted({getattr(e, "title", type(e).__name__) for e in getattr(exc, "exceptions", [exc])})
            status = response.status_code if response is not None else "raised"
            lines.append(f"--- {persona} | {label} | {status} | {', '.join(kinds)}")
            lines.append(case.as_curl_command(headers={"Authorization": "Token …"}))
            lines.append(response.content[:500].decode(errors="replace") if response is not None else "")
            lines.extend(errors)
            lines.append(str(exc)[:3000])
        return "\n".join(lines)


@pytest.fixture
def demo_pilot(db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.postgres
def test_api_fuzz(demo_pilot, capsys):
    from organizations.institutions.models import Institution
    from organizations.orgs.models import Org

    org = Org.objects.get(name="北京新奥时代科技有限责任公司")
    institution = Institution.objects.get(name="武汉职业技术学院")
    users = {
        "ministry": make_persona(Role.MINISTRY, username="fuzz_moe"),
        "org": make_persona(Role.ORG, scope_id=org.pk, username="fuzz_org"),
        "institution": make_persona(Role.INSTITUTION, province=institution.province, scope_id=institution.pk,
                                    username="fuzz_inst"),
        "anonymous": None,
    }
    with _in_process():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
    fuzzer = Fuzzer(schema)
    started = time.monotonic()
    statuses = {}
    for index, (persona, user) in enumerate(users.items()):
        headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"} if user else {}
        statuses[persona] = fuzzer.run(persona, SEED + index, headers, actor_for(user) if user else anonymous_actor())
    elapsed = time.monotonic() - started
    total = sum(sum(counter.values()) for counter in statuses.values())
    with capsys.disabled():
        print(f"\nAPI fuzz: seed {SEED}, {len(fuzzer.operations)} operations, {GENERATED_CASES_PER_OPERATION} generated "
              f"cases per operation and {len(MALFORMED_JSON_BODIES)} malformed JSON bodies per operation with a body")
        for persona, counter in statuses.items():
            by_status = " ".join(f"{status}×{n}" for status, n in sorted(counter.items(), key=lambda item: str(item[0])))
            print(f"  {persona:<12}{sum(counter.values()):>5} cases  ({by_status})")
        print(f"  {'total':<12}{total:>5} cases in {elapsed:.0f} s, {len(fuzzer.failures)} failed")
        if fuzzer.failures:
            print(fuzzer.report())
    assert not fuzzer.failures, f"{len(fuzzer.failures)} cases failed (printed above)"
