"""The language sweep (issue 16): every page the personas may open, read in Chinese and in English.

Reuses the access matrix's world (tests/matrix_world.py) and its enumeration of the URL
configuration (tests/test_access_matrix.py): for every persona × every GET route that answers an
HTML page with 200, the visible text (text nodes and the title/placeholder/aria-label/alt
attributes, and the value of buttons; never <script> or <style>) must be

- in Chinese (the default): free of Latin words and raw codes (``snake_case``, ``fee.refused``,
  ``object (``, True/False/None), apart from the product and standard names of ``LATIN_ALLOWED``
  and what users typed (every text value stored in the world's database);
- the same for the XLSX exports the pages link to: each file's name and its header row;
- in English (the ``pilot_language`` cookie): free of Chinese characters, apart from what users
  typed (names, organisations, addresses: every text value stored in the world's database) and
  the language switcher's own name for Chinese; and of raw codes too.
"""

import io
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import models
from django.utils import translation
from openpyxl import load_workbook

from accounts.scoping import actor_for, anonymous_actor
from assessments.filings.imports import FILING_SCHEMA
from assessments.plans.imports import PLAN_SCHEMA
from assessments.registrations.imports import REGISTRATION_SCHEMA
from assessments.results.imports import ABSENT_WORDS, RESULT_SCHEMA
from certificates.batches.imports import COLUMNS as APPLICATION_COLUMNS
from certificates.catalog.models import AssessmentType
from certificates.issuance.imports import COLUMNS as ISSUED_COLUMNS
from tests.matrix_world import build_world
from tests.personas import sign_in
from tests.test_access_matrix import PERSONAS, PUBLIC_ROUTES, candidates, fill, in_scope, object_params, routes

# Product, standard and format names that stay Latin in the Chinese UI. Keep this short: a Latin
# word in the Chinese UI is a missing translation, not an entry for this list.
LATIN_ALLOWED = {
    "PDF", "XLSX", "xlsx", "CSV", "ZIP", "API", "OpenAPI", "Open", "Badges", "OFD", "ECharts", "QR", "ID", "URL",
    "HTTPS", "JSON", "JWT", "TOTP", "GB", "GB/T", "GBK", "Excel", "Word", "PNG", "JPEG", "PNG/JPEG", "KB", "MB",
    "English",
    "z",  # the robust z value of the pass-rate indicator, a statistician's name for it
}
# Codes are not words: a token with a digit in capitals (UTF-8, admission ticket numbers, example
# certificate codes, a second-factor secret) or capitals in dashed groups (an activation code's form).
CODE_LIKE = re.compile(r"(?=[A-Z0-9-]*[0-9])[A-Z0-9-]+|[A-Z0-9]+(?:-[A-Z0-9]+)+")
# Addresses are shown as they are typed.
ADDRESS = re.compile(r"https?://\S*")

# In the English UI: Chinese the spreadsheets themselves hold (column headers and cell words a file
# must carry whatever the reader's language; the import pages name them) and an example of a
# Chinese document number.
def _file_words() -> set[str]:
    headers = {c.header for schema in (FILING_SCHEMA, PLAN_SCHEMA, REGISTRATION_SCHEMA, RESULT_SCHEMA)
               for c in schema.columns}
    with translation.override("zh-hans"):
        types = {str(label) for _value, label in AssessmentType.choices}
    return headers | set(ABSENT_WORDS) | set(APPLICATION_COLUMNS) | set(ISSUED_COLUMNS) | types | {"教职成司函"}


LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.+/-]*[A-Za-z0-9]|[A-Za-z]")
CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
RAW_CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b[a-z]+\.[a-z_]+[a-z]\b|object \(")
# Python's values leaking into a page; in English only a text that is nothing else ("None registered"
# is English).
PYTHON_VALUE = re.compile(r"\b(True|False|None)\b")

VISIBLE_ATTRS = {"title", "placeholder", "aria-label", "alt"}


class _VisibleText(HTMLParser):
    """Collects what a reader sees or hears: text outside <script>/<style>/<template>, labelling
    attributes, and the value of buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
            return
        attrs = dict(attrs)
        for name in VISIBLE_ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_startendtag(self, tag, attrs):
        if tag not in ("script", "style", "template"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.parts


# Text the portal writes itself, not its users: codes and names the audit log and the notifications
# keep. Counting them as typed would let the very raw codes and frozen wording this sweep looks for
# through (an action code, "Xxx object (3)", a Chinese title in the English UI).
SYSTEM_WRITTEN = {
    "accounts.auditentry": {"actor_role", "action", "object_type", "object_id", "object_repr"},
    "accounts.notification": {"category", "kind", "title", "body", "link"},
}


def typed_data() -> tuple[set[str], str]:
    """Everything users typed into the world: the Latin words and, joined, the text of every
    text field of every first-party model (but what the portal wrote itself, SYSTEM_WRITTEN)."""
    first_party = {"accounts", "organizations", "certificates", "assessments", "fees", "credit_bank", "pilot"}
    values = []
    for model in apps.get_models():
        if model._meta.app_label not in first_party:
            continue
        written = SYSTEM_WRITTEN.get(model._meta.label_lower, set())
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField)) and not f.choices and f.name not in written]
        if fields:
            for row in model._default_manager.values_list(*fields):
                values.extend(str(v) for v in row if v)
    blob = "\n".join(values)
    return set(LATIN_WORD.findall(blob)), blob


# The access matrix's personas but the mirror images (Shandong, its institution, org B), whose pages
# are the same templates as Hubei's, its institution's and org A's: the sweep stays fast.
SWEPT_PERSONAS = [p for p in PERSONAS if p not in ("shandong_user", "shandong_institution_user", "org_b_user")]

# Pages of one route share a template: a couple of objects per route show its states (finalized
# or open, passed or not) and keep the sweep fast.
PAGES_PER_ROUTE = 2


EXPORT_LINK = re.compile(r'href="([^"#]*(?:[?&;]export=|\.xlsx)[^"#]*)"')
# Templates to fill in and upload again (a filing, plan, registration or result sheet): their file and
# sheet names and headers are the import's format, in Chinese whatever the reader's language (the
# import pages name them; _file_words); the sweep reads the exports.
IMPORT_TEMPLATE = re.compile(r"template\.xlsx|/sheet\.xlsx")


def export_texts(client, url: str, html: str, seen: set[str]):
    """(export url, texts) of the XLSX exports a page links to, each once: the file's name (the
    title, without its day) and its header row, the words of a spreadsheet."""
    for href in EXPORT_LINK.findall(html):
        href = unescape(href)
        if IMPORT_TEMPLATE.search(href):
            continue
        target = urljoin(url, href)
        key = target.split("?")[0] + "?" + "&".join(sorted(p for p in urlsplit(target).query.split("&")
                                                           if p.startswith("export=")))
        if key in seen:
            continue
        seen.add(key)
        response = client.get(target)
        if response.status_code != 200 or "spreadsheet" not in response.get("Content-Type", ""):
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        name = unquote(response.get("Content-Disposition", "").split("UTF-8''")[-1])
        title = re.sub(r"-\d{8}\.xlsx$|\.xlsx$", "", name)
        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        header = next(sheet.iter_rows(max_row=1, values_only=True), ())
        yield target, [title, sheet.title, *(str(h) for h in header if h is not None)]


def html_pages(client, plans, actor):
    """(url, html) of the GET routes answering the signed-in client with an HTML page. Objects
    outside the actor's scope are not asked for (the access matrix checks they answer 404)."""
    for route, params, combos in plans:
        seen = 0
        for values, obj in combos:
            if obj is not None and not PUBLIC_ROUTES.match(route) and not in_scope(obj, actor):
                continue
            url = fill(route, params, values) if params else "/" + route
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            body = b"".join(response.streaming_content) if response.streaming else response.content
            yield url, body.decode("utf-8", "replace")
            seen += 1
            if seen == PAGES_PER_ROUTE:
                break


def _plans(world):
    plans = []
    for route, _name in routes():
        if route.startswith("api/"):
            continue
        params = object_params(route)
        plans.append((route, params, list(candidates(params, world)) if params else [([], None)]))
    return plans


def _sweep(client, personas, language, check):
    world = build_world(personas)
    latin_typed, typed = typed_data()
    file_words = _file_words()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    failures, pages, exports = set(), 0, 0
    plans = _plans(world)
    for persona in SWEPT_PERSONAS:
        client.logout()
        user = personas[persona] if persona else None
        if user is not None:
            sign_in(client, user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        actor = actor_for(user) if user is not None else anonymous_actor()
        exported: set[str] = set()
        for url, html in html_pages(client, plans, actor):
            pages += 1
            for text in visible_text(html):
                for problem in check(text, latin_typed, typed, file_words):
                    failures.add(f"{url.split('?')[0]}: {problem}  [in: {text[:80]!r}]")
            for export_url, texts in export_texts(client, url, html, exported):
                exports += 1
                for text in texts:
                    for problem in check(text, latin_typed, typed, file_words):
                        failures.add(f"{export_url} (XLSX name or header): {problem}  [in: {text[:80]!r}]")
    return pages, exports, sorted(failures)


def _raw_codes(text, latin_typed):
    for match in RAW_CODE.finditer(ADDRESS.sub(" ", text)):
        if match.group(0) not in latin_typed:
            yield f"raw code {match.group(0)!r}"


def _latin_allowed(word, latin_typed) -> bool:
    if word in LATIN_ALLOWED or word in latin_typed or CODE_LIKE.fullmatch(word):
        return True
    return "/" in word and all(_latin_allowed(part, latin_typed) for part in word.split("/") if part)


def _chinese_check(text, latin_typed, _typed, _file_words):
    yield from _raw_codes(text, latin_typed)
    if PYTHON_VALUE.search(text):
        yield f"Python value {PYTHON_VALUE.search(text).group(0)!r}"
    for word in LATIN_WORD.findall(ADDRESS.sub(" ", text)):
        if not _latin_allowed(word, latin_typed) and not RAW_CODE.fullmatch(word):
            yield f"Latin word {word!r}"


def _typed_run(run, typed) -> bool:
    """A run of Chinese that users typed: one value, or two values side by side (a province and an
    address)."""
    return run in typed or any(run[:i] in typed and run[i:] in typed for i in range(1, len(run)))


def _english_check(text, latin_typed, typed, file_words):
    yield from _raw_codes(text, latin_typed)
    if PYTHON_VALUE.fullmatch(text):
        yield f"Python value {text!r}"
    for run in CJK_RUN.findall(text):
        if run in file_words or run == "简体中文" or _typed_run(run, typed):
            continue
        yield f"Chinese {run!r}"


@pytest.fixture
def sweep_personas(request, provinces, hubei, shandong, hubei_institution, shandong_institution, org_a, org_b,
                   student_person):
    users = {name: request.getfixturevalue(name) for name in PERSONAS if name}
    return {"hubei": hubei, "shandong": shandong, "hubei_institution": hubei_institution,
            "shandong_institution": shandong_institution, "org_a": org_a, "org_b": org_b,
            "student_person": student_person, **users}


@pytest.mark.django_db
def test_chinese_ui_has_no_english_or_raw_codes(client, sweep_personas, settings, capsys):
    settings.VERIFY_RATE_PER_MINUTE = 100_000
    pages, exports, failures = _sweep(client, sweep_personas, "zh-hans", _chinese_check)
    with capsys.disabled():
        print(f"\nlanguage sweep (zh-hans): {pages} pages, {exports} exports, {len(failures)} findings")
    assert pages > 300 and exports > 40
    assert failures == [], f"{len(failures)} findings:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_english_ui_has_no_chinese(client, sweep_personas, settings, capsys):
    settings.VERIFY_RATE_PER_MINUTE = 100_000
    pages, exports, failures = _sweep(client, sweep_personas, "en", _english_check)
    with capsys.disabled():
        print(f"\nlanguage sweep (en): {pages} pages, {exports} exports, {len(failures)} findings")
    assert pages > 300 and exports > 40
    assert failures == [], f"{len(failures)} findings:\n" + "\n".join(failures)
