"""Notifications keep what they mean and read in their reader's language (issue #16)."""

import pathlib
import re

import pytest
from django.conf import settings
from django.utils import translation

from accounts import services
from accounts.models import Notification
from accounts.notification_kinds import KINDS, render
from organizations.supervision.models import OrgAction

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")
ROOT = pathlib.Path(settings.BASE_DIR)


@pytest.fixture
def restore_language():
    """The locale middleware leaves the last request's language active in this thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_a_notification_reads_in_chinese_and_in_english(as_user, org_a_user, org_a, restore_language):
    services.notify_scope(role="org", scope_id=org_a.pk, kind="org.supervision_action", category="supervision",
                          params={"action": OrgAction.Kind.YELLOW_CARD.label, "reason": "违规收费"},
                          link=f"/supervision/orgs/{org_a.pk}/")
    stored = org_a_user.notifications.get()
    assert stored.title == "" and stored.body == ""  # the meaning is kept, not a wording
    assert stored.params == {"action": {"msgid": "黄牌警告"}, "reason": "违规收费"}

    client = as_user(org_a_user)
    page = client.get("/account/notifications/").content.decode()
    assert "教育部对贵组织采取了监管措施：黄牌警告" in page and "违规收费" in page
    assert "教育部对贵组织采取了监管措施：黄牌警告" in client.get("/").content.decode()  # the workbench

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/account/notifications/").content.decode()
    with translation.override("en"):
        title = str(stored.title_text)
    assert "Yellow card" in title and not HAN.search(title)
    assert title in page and "教育部对贵组织" not in page and "违规收费" in page  # their own words stay theirs


def test_every_kind_reads_in_both_languages():
    class Sample(dict):
        def __missing__(self, key):
            return 7

    for code, kind in KINDS.items():
        for template in (kind.title, kind.body):
            with translation.override("en"):
                english = str(template) % Sample()
            assert not HAN.search(english), (code, english)


def test_a_choice_label_is_translated_when_read_not_when_sent(org_a_user):
    services.notify(users=[org_a_user], kind="score_review.answered",
                    params={"s": OrgAction.Kind.DELIST.label, "answer": "维持原成绩"})
    notification = org_a_user.notifications.get()
    with translation.override("en"):
        assert notification.title_text == render("score_review.answered", notification.params)[0]
        assert "Delisting" in notification.title_text or not HAN.search(notification.title_text)
    with translation.override("zh-hans"):
        assert notification.title_text == "成绩复核结果：摘牌" and notification.body_text == "维持原成绩"


def test_notifications_stored_before_kinds_read_as_they_were(as_user, org_a_user, restore_language):
    Notification.objects.create(user=org_a_user, title="旧的通知：费用标准已核定", body="旧的正文")
    client = as_user(org_a_user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/account/notifications/").content.decode()
    assert "旧的通知：费用标准已核定" in page and "旧的正文" in page


def test_an_unknown_kind_or_a_missing_parameter_is_refused_when_sending(org_a_user):
    with pytest.raises(ValueError, match="not registered"):
        services.notify(users=[org_a_user], kind="org.praised", params={})
    with pytest.raises(KeyError):
        services.notify(users=[org_a_user], kind="fee.verified", params={"c": "Web前端开发"})
    assert not Notification.objects.exists()


def test_notifications_are_made_only_by_the_notification_service():
    """No code outside accounts/services.py builds Notification rows itself."""
    pattern = re.compile(r"(?<!class )Notification\(|Notification\.objects\.(create|bulk_create|get_or_create|update_or_create)")
    offenders = []
    for package in ("accounts", "organizations", "certificates", "assessments", "fees", "credit_bank", "pilot",
                    "core"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "accounts" / "services.py":
                continue
            if pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_an_object_parameter_is_named_in_the_readers_language(org_a):
    """A model passed as a parameter is kept by reference and named when read: a session's name holds
    its level, in words of the reader's language; once the object is gone, its name as sent."""
    from tests.accounts.factories import UserFactory
    from tests.assessments.factories import SessionFactory
    from tests.certificates.factories import certificate_with_levels

    session = SessionFactory(certificate=certificate_with_levels(org=org_a, name="Web前端开发"))
    user = UserFactory()
    with translation.override("zh-hans"):
        services.notify(users=[user], kind="credit.conversion_requested",
               params={"name": "李小明", "certificate": session, "course": "WEB1101"})
    note = Notification.objects.get(user=user)
    with translation.override("en"):
        english = note.body_text
        assert english == f"{session} → WEB1101" and "初级" not in english
    with translation.override("zh-hans"):
        chinese = note.body_text
        assert "初级" in chinese
    session.registrations.all().delete()
    session.delete()
    with translation.override("en"):
        assert note.body_text == chinese  # gone: its name as sent
