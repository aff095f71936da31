"""The audit log reads in the reader's language (issue #16): every action, object, field and value."""

import ast
import io
import pathlib
import re

import pytest
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from accounts.audit import audit_log, audit_log_many
from accounts.audit_display import field_label, object_type_label
from accounts.audit_labels import ACTIONS
from accounts.models import ActivationCode
from accounts.scoping import actor_for
from certificates.catalog.models import Level
from certificates.paper_copies.models import PaperCopyOrder
from organizations.supervision.models import OrgAction

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ROOT = pathlib.Path(settings.BASE_DIR)
FIRST_PARTY = ("accounts", "organizations", "certificates", "assessments", "fees", "credit_bank", "pilot", "core")

# What the issue saw: run counters, an "as of" date, a coded trigger, a boolean, an evidence count, a
# moment; none of these keys is a translated field of most models, so the registry must name them.
CHANGES = {"runs": [0, 1], "as_of": [None, "2026-09-30"], "trigger": [None, "schedule"], "evidence": [None, 0],
           "withdrawn": [False, True], "internal_note": False, "closed_at": [None, "2026-12-07T13:32:21+00:00"]}


@pytest.fixture
def restore_language():
    """The locale middleware leaves the last request's language active in this thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _table(html: str) -> str:
    """The log's table as text (the page around it has its own words, checked elsewhere)."""
    table = html[html.index("<table"):html.index("</table>")]
    return re.sub(r"<[^>]+>", " ", table)


def _pages(client) -> str:
    text, number = "", 1
    while True:
        html = client.get(f"/account/audit/?page={number}").content.decode()
        text += _table(html)
        if f"page={number + 1}" not in html:
            return text
        number += 1


def _record_every_action():
    # Half of them as nameless objects ("X object (7)"), as models without __str__ were recorded.
    for n, (code, action) in enumerate(sorted(ACTIONS.items()), start=1):
        model = action.model.split(".")[1]
        audit_log(actor=None, action=code, object_type=action.model, object_id=str(n),
                  object_repr=f"{model.title()} object ({n})" if n % 2 else f"R-{n}", changes=CHANGES)


def test_every_registered_action_reads_in_chinese_and_in_english(as_user, ministry_user, restore_language):
    _record_every_action()
    client = as_user(ministry_user)
    chinese = _pages(client)
    for code, action in ACTIONS.items():
        assert code not in chinese
        with translation.override("zh-hans"):
            assert str(action.label) in chinese and object_type_label(action.model), code
    assert "object (" not in chinese and "indicatorrun" not in chinese
    assert not LATIN_WORD.findall(chinese), set(LATIN_WORD.findall(chinese))
    for expected in ("生成行为评价指标", "试点总览数据刷新", "计算次数：0 → 1", "统计截至：— → 2026-09-30",
                     "触发方式：— → 每月定时", "证据材料数：— → 0", "已撤回：否 → 是", "仅内部可见：— → 否",
                     "2026-12-07 21:32"):
        assert expected in chinese, expected

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _pages(client)
    assert not HAN.findall(english), "".join(sorted(set(HAN.findall(english))))
    for code, action in ACTIONS.items():
        assert code not in english
        with translation.override("en"):
            assert str(action.label) in english, code
    assert "object (" not in english
    assert "Behaviour indicators generated" in english and "Pilot overview refresh" in english


def test_the_export_reads_as_the_page_does(as_user, ministry_user, restore_language):
    _record_every_action()
    client = as_user(ministry_user)
    rows = list(load_workbook(io.BytesIO(client.get("/account/audit/?export=xlsx").content)).active.values)
    assert rows[0][:5] == ("时间", "操作人", "角色", "操作", "对象类型") and len(rows) == len(ACTIONS) + 1
    cells = " ".join(str(c) for row in rows[1:] for c in row[1:] if c is not None)
    assert not LATIN_WORD.findall(cells) and "object (" not in cells
    assert any(row[3] == "生成行为评价指标" and "触发方式：— → 每月定时" in row[7] for row in rows)

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    rows = list(load_workbook(io.BytesIO(client.get("/account/audit/?export=xlsx").content)).active.values)
    cells = " ".join(str(c) for row in rows for c in row[1:] if c is not None)
    assert not HAN.findall(cells) and rows[0][3] == "Actions"
    assert any(row[3] == "Behaviour indicators generated" for row in rows)


def test_the_filter_lists_actions_by_name_and_searches_their_names(as_user, ministry_user, org_a, restore_language):
    ministry = actor_for(ministry_user)
    audit_log(actor=ministry, action="org.yellow_card", obj=org_a, changes={"status": ["active", "yellow_card"]})
    audit_log(actor=ministry, action="notice.withdrawn", object_type="pilot.notice", object_id="9",
              object_repr="关于开展考核的通知")
    client = as_user(ministry_user)
    html = client.get("/account/audit/").content.decode()
    assert '<option value="org.yellow_card">黄牌警告</option>' in html
    table = _table(client.get("/account/audit/?q=黄牌").content.decode())
    assert "甲培训评价组织" in table and "关于开展考核的通知" not in table
    assert "培训评价组织" in table and "教育部" in table  # the object's kind, the actor's role
    assert "状态：正常 → 黄牌警告" in table or "状态：" in table and "→ 黄牌" in table
    table = _table(client.get("/account/audit/?action=notice.withdrawn").content.decode())
    assert "关于开展考核的通知" in table and "甲培训评价组织" not in table

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    table = _table(client.get("/account/audit/?q=yellow").content.decode())
    assert "甲培训评价组织" in table and "Yellow card" in table and "关于开展考核的通知" not in table


def test_related_objects_show_by_name_and_people_never_by_id_number(as_user, ministry_user, org_a, student_person):
    audit_log(actor=None, action="fee.refused", object_type="fees.feethread", object_repr="Web 初级 湖北省",
              changes={"org": [None, org_a.pk], "code": [None, "over_cap"]})
    audit_log(actor=None, action="credit.account_opened", object_type="credit_bank.learningaccount", object_id="1",
              object_repr="李小明", changes={"person": [None, student_person.pk]})
    table = _table(as_user(ministry_user).get("/account/audit/").content.decode())
    assert "培训评价组织：— → 甲培训评价组织" in table and "原因：— → 超过考核成本上限" in table
    assert "：— → 李小明" in table and student_person.id_number not in table


def test_bulk_lists_show_their_first_items_and_a_count(as_user, ministry_user):
    audit_log(actor=None, action="batch.published", object_type="certificates.selectionbatch", object_id="4",
              object_repr="4", changes={"certificates": [None, [f"X04{n:03d}" for n in range(1, 356)]]})
    table = _table(as_user(ministry_user).get("/account/audit/").content.decode())
    assert "X04001、X04002" in table and "X04021" not in table and "等 355 项" in table


def test_an_unregistered_action_is_refused():
    with pytest.raises(ValueError, match="not registered"):
        audit_log(actor=None, action="org.renamed_somehow", object_type="organizations.org", object_id="1")
    with pytest.raises(ValueError, match="not registered"):
        audit_log_many(actor=None, entries=[{"action": "filing.teleported", "object_type": "assessments.filing",
                                             "object_id": 1}])


def _audit_calls():
    """Every audit_log(...) call and audit_log_many entry dict in the portal's code: (where, action node,
    changes node)."""
    for package in FIRST_PARTY:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit_log":
                    kw = {k.arg: k.value for k in node.keywords}
                    yield where, kw.get("action"), kw.get("changes")
                elif isinstance(node, ast.Dict):
                    keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
                    if "action" in keys and "object_type" in keys:
                        values = dict(zip(keys, node.values, strict=True))
                        yield where, values["action"], values.get("changes")


def _codes(node) -> list[str]:
    """The codes an action expression can give: literals, both sides of a condition, an f-string's prefix
    (with a trailing '*'); none for a variable (the runtime check refuses those unregistered)."""
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes(node.body) + _codes(node.orelse)
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        return [node.values[0].value + "*"]
    return []


def test_every_call_site_records_a_registered_action_with_named_fields():
    calls = list(_audit_calls())
    assert len(calls) > 90  # the scan finds them
    unregistered, unnamed = [], []
    for where, action, changes in calls:
        for code in _codes(action):
            if code.endswith("*"):
                if not any(c.startswith(code[:-1]) for c in ACTIONS):
                    unregistered.append((where, code))
                continue
            if code not in ACTIONS:
                unregistered.append((where, code))
                continue
            model = ACTIONS[code].model
            for key in changes.keys if isinstance(changes, ast.Dict) else []:
                if isinstance(key, ast.Constant) and not HAN.search(field_label(model, key.value)):
                    unnamed.append((where, code, key.value))
    assert not unregistered and not unnamed, (unregistered, unnamed)


def test_actions_named_from_a_choice_are_all_registered():
    """f"org.{kind}" and the like: every value the choice can take has its name."""
    named = ([f"org.{kind}" for kind in OrgAction.Kind.values]
             + [f"paper_copy.{status}" for status in PaperCopyOrder.Status.values]
             + [f"account.code_issued.{purpose}" for purpose in ActivationCode.Purpose.values])
    assert [code for code in named if code not in ACTIONS] == []


def test_objects_are_named_in_the_readers_language(as_user, ministry_user, org_a, restore_language):
    """An entry keeps the object's name in the actor's language; while the object exists the log
    names it in the reader's. A name the action chose itself (not the object's plain name) stays."""
    from tests.assessments.factories import SessionFactory
    from tests.certificates.factories import certificate_with_levels

    session = SessionFactory(certificate=certificate_with_levels(org=org_a, name="Web前端开发"))
    with translation.override("zh-hans"):
        audit_log(actor=None, action="session.created", obj=session)
        chinese_name = str(session)
    with translation.override("en"):
        audit_log(actor=None, action="session.updated", obj=session)
        english_name = str(session)
    audit_log(actor=None, action="session.cancelled", obj=session, object_repr="自定义名称 7")
    assert chinese_name != english_name and "初级" in chinese_name
    client = as_user(ministry_user)
    chinese = _table(client.get("/account/audit/").content.decode())
    assert chinese.count(chinese_name) == 2 and english_name not in chinese and "自定义名称 7" in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _table(client.get("/account/audit/").content.decode())
    assert english.count(english_name) == 2 and "初级" not in english and "自定义名称 7" in english
    rows = list(load_workbook(io.BytesIO(client.get("/account/audit/?export=xlsx").content)).active.values)
    assert sum(row[5] == english_name for row in rows) == 2


def test_a_refused_fee_proposal_names_its_level_not_its_code(org_b_user, org_a, hubei):
    from accounts.models import AuditEntry
    from core.errors import AppError
    from fees.services import fee_proposal_submit
    from tests.certificates.factories import certificate_with_levels
    from tests.fees.conftest import items

    certificate = certificate_with_levels(org=org_a, name="Web前端开发")  # not org B's: refused
    with pytest.raises(AppError):
        fee_proposal_submit(actor=actor_for(org_b_user), certificate=certificate, level="junior", province=hubei,
                            items=items(question_bank="150", exam_system="100"))
    entry = AuditEntry.objects.get(action="fee.refused")
    assert "junior" not in entry.object_repr and "初级" in entry.object_repr


def test_an_entry_for_many_objects_names_them_in_the_readers_language(as_user, ministry_user, restore_language):
    with translation.override("zh-hans"):
        audit_log(actor=None, action="certificate.issued", object_type="certificates.issuedcertificate",
                  object_id="1", object_repr="3 份证书", changes={"numbers": ["A1", "A2", "A3"]})
        audit_log(actor=None, action="certificate.imported", object_type="certificates.issuedcertificate",
                  object_repr="导入 2 份证书", changes={"count": 2, "first": "B1", "last": "B2"})
        audit_log(actor=None, action="account.created", object_type="accounts.user", object_repr="2 个学生账户",
                  changes={"role": [None, "student"], "users": [None, [[1, "xs1"], [2, "xs2"]]]})
    client = as_user(ministry_user)
    chinese = _table(client.get("/account/audit/").content.decode())
    assert "3 份证书" in chinese and "导入 2 份证书" in chinese and "2 个学生账户" in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _table(client.get("/account/audit/").content.decode())
    assert not HAN.findall(english), "".join(sorted(set(HAN.findall(english))))


def test_a_registration_recorded_in_chinese_reads_in_english(as_user, ministry_user, org_a, hubei, restore_language):
    """A file of registrations records each as 'name · certificate（level）date' in the actor's words:
    the registration's own name, so the log names it in the reader's."""
    import datetime

    from tests.assessments.factories import pipeline_candidate
    from tests.certificates.factories import certificate_with_levels

    registration = pipeline_candidate(certificate=certificate_with_levels(org=org_a, name="Web前端开发"),
                                      province=hubei, date=datetime.date(2026, 10, 12))
    recorded = f"{registration.name_given} · Web前端开发（初级）2026-10-12"  # as services.registrations_import wrote it
    audit_log_many(actor=None, entries=[{"action": "registration.created", "object_type": "assessments.registration",
                                         "object_id": registration.pk, "object_repr": recorded}])
    client = as_user(ministry_user)
    assert recorded in _table(client.get("/account/audit/?action=registration.created").content.decode())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _table(client.get("/account/audit/?action=registration.created").content.decode())
    assert "初级" not in english and f"{registration.name_given} · Web前端开发" in english


def test_a_fee_negotiation_is_named_in_the_readers_language(as_user, ministry_user, org_a_user, org_a, hubei,
                                                              restore_language):
    from fees.caps import caps_ensure
    from fees.services import fee_proposal_submit
    from tests.certificates.factories import certificate_with_levels
    from tests.fees.conftest import items

    caps_ensure()
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    with translation.override("zh-hans"):
        fee_proposal_submit(actor=actor_for(org_a_user), certificate=certificate, level="junior", province=hubei,
                            items=items(question_bank="150", exam_system="100"))
    client = as_user(ministry_user)
    assert "Web前端开发 初级 湖北省" in _table(client.get("/account/audit/?action=fee.proposed").content.decode())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _table(client.get("/account/audit/?action=fee.proposed").content.decode())
    with translation.override("en"):
        assert f"Web前端开发 {Level.JUNIOR.label} 湖北省" in english and "初级" not in english


def test_a_result_recorded_in_chinese_reads_in_english(as_user, ministry_user, org_a, hubei, restore_language):
    """Scores from a file record each result as 'candidate · certificate（level）date' in the uploader's words."""
    import datetime

    from assessments.models import Result
    from tests.assessments.factories import pipeline_candidate
    from tests.certificates.factories import certificate_with_levels

    registration = pipeline_candidate(certificate=certificate_with_levels(org=org_a, name="Web前端开发"),
                                      province=hubei, date=datetime.date(2026, 10, 12))
    result = Result.objects.get(registration=registration)
    recorded = f"{registration.person.name} · Web前端开发（初级）2026-10-12"  # as results.services wrote it
    audit_log_many(actor=None, entries=[{"action": "result.recorded", "object_type": "assessments.result",
                                         "object_id": result.pk, "object_repr": recorded}])
    client = as_user(ministry_user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _table(client.get("/account/audit/?action=result.recorded").content.decode())
    assert "初级" not in english and f"{registration.person.name} · Web前端开发" in english
