"""Navigation marks one entry as the current page: the most specific one."""

import pytest

from accounts.scoping import actor_for
from core.navigation import SIDE_MENU_FROM, navigation_for, navigation_groups

pytestmark = pytest.mark.django_db


def test_only_the_most_specific_entry_is_current(ministry_user):
    actor = actor_for(ministry_user)
    current = [i["url"] for i in navigation_for(actor, "/supervision/indicators/orgs/3/") if i["active"]]
    assert current == ["/supervision/indicators/"]
    assert [i["url"] for i in navigation_for(actor, "/supervision/orgs/3/") if i["active"]] == ["/supervision/"]
    assert [i["url"] for i in navigation_for(actor, "/") if i["active"]] == ["/"]


def test_the_ministrys_entries_are_grouped_by_area_with_the_current_area_marked(ministry_user):
    actor = actor_for(ministry_user)
    items = navigation_for(actor, "/supervision/indicators/")
    groups = navigation_groups(items)
    assert [g["label"] for g in groups] == ["综合", "统计与报告", "备案与院校", "考核与成绩", "证书", "收费", "学分银行",
                                            "监管", "账户"]
    assert sum(len(g["items"]) for g in groups) == len(items) >= SIDE_MENU_FROM  # nothing lost
    assert all(g["label"] for g in groups)  # every entry declares a known area
    assert [g["label"] for g in groups if g["active"]] == ["监管"]
    supervision = next(g for g in groups if g["label"] == "监管")
    assert [i["label"] for i in supervision["items"]] == ["培训评价组织", "投诉举报", "监管", "行为评价指标", "黄牌候选"]


def test_a_role_with_few_entries_keeps_the_top_bar(as_user, ministry_user, student_user):
    student_page = as_user(student_user).get("/").content.decode()
    assert 'class="main-nav"' in student_page and 'class="side-nav"' not in student_page
    ministry_page = as_user(ministry_user).get("/").content.decode()
    assert 'class="side-nav"' in ministry_page and 'class="main-nav"' not in ministry_page
    assert "<summary>监管</summary>" in ministry_page
    assert '<a href="/" aria-current="page">工作台</a>' in ministry_page


def test_an_entry_of_no_known_area_is_listed_last_under_other():
    items = [{"label": "甲", "url": "/a/", "group": "no-such-area", "active": True},
             {"label": "工作台", "url": "/", "group": "general", "active": False}]
    groups = navigation_groups(items)
    assert [(str(g["label"]), [i["label"] for i in g["items"]], g["active"]) for g in groups] == [
        ("综合", ["工作台"], False), ("其他", ["甲"], True)]
