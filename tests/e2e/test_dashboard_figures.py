"""After ``seed_demo`` the ministry reads the dashboard: no rate above 100 % (nationally and for the
pilot year), and the trend's month axis runs without a jump (a long stretch without data is one
labelled break, never 2020 drawn next to 2026)."""

import io
import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from pilot.demo import DEMO_PASSWORD
from tests.e2e.conftest import browser_login

pytestmark = pytest.mark.django_db(transaction=True)


def _index(label: str) -> int:
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def assert_continuous(labels: list[str]) -> None:
    expected = None
    for label in labels:
        first, _sep, last = label.partition(" … ")
        if expected is not None:
            assert _index(first) == expected, (label, labels)
        expected = _index(last or first) + 1


def assert_no_rate_above_100(page) -> None:
    rates = page.locator(".rates strong").all_inner_texts()
    assert rates
    for text in rates:
        if text.strip() != "—":
            assert float(text.rstrip("%")) <= 100, rates


def test_after_the_demo_the_dashboard_has_no_rate_above_100_and_a_continuous_month_axis(page):
    call_command("seed_demo", stdout=io.StringIO())
    browser_login(page, User.objects.get(username="moe_officer"), DEMO_PASSWORD)
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("全国试点总览")
    chart = page.locator("#trend-chart[data-chart-ready='1']")
    expect(chart.locator("canvas")).to_have_count(1)
    assert_no_rate_above_100(page)
    labels = json.loads(chart.get_attribute("data-labels"))
    assert labels[0].startswith("2020-") and "2020-10" in labels
    assert_continuous(labels)
    assert any(" … " in label for label in labels)  # the years without data are one break
    # The table beside the chart: the same months, the break said in words.
    rows = page.locator("#by-month tbody th").all_text_contents()
    assert any(re.search(r"2021-01 … ", r) for r in rows)
    # The pilot year alone.
    page.goto("/dashboard/?year=2020")
    expect(page.locator("#trend-chart[data-chart-ready='1'] canvas")).to_have_count(1)
    assert_no_rate_above_100(page)
    assert_continuous(json.loads(page.locator("#trend-chart").get_attribute("data-labels")))
