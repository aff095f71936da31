"""The ministry opens the yellow-card candidates, opens one org's evidence and confirms the card."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.assessments.factories import TeacherTrainingFactory
from tests.certificates.factories import certificate_with_levels
from tests.e2e.conftest import browser_login
from tests.personas import PASSWORD
from tests.pilot.test_indicators import compute

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date


def test_ministry_cards_a_candidate_with_its_evidence(page, ministry_user, org_a, org_b, provinces):
    national_only = certificate_with_levels(org=org_a, code="X10001")
    both = certificate_with_levels(org=org_b, code="X10002")
    TeacherTrainingFactory(certificate=national_only, province=provinces["37"], start_date=D(2020, 8, 3),
                           end_date=D(2020, 8, 4))
    TeacherTrainingFactory(certificate=both, province=provinces["42"], start_date=D(2020, 8, 3), end_date=D(2020, 8, 4))
    compute(D(2020, 10, 1))

    browser_login(page, ministry_user, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="黄牌候选").click()
    table = page.locator("#candidate-table")
    expect(table).to_contain_text(org_a.name)
    expect(table).to_contain_text("截至2020-09-10未在湖北启动师资培训")
    expect(table).not_to_contain_text(org_b.name)
    table.get_by_role("link", name=org_a.name).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(org_a.name)
    expect(page.locator("#evidence-training")).to_contain_text("山东省")
    reason = page.get_by_label("原因与依据")
    expect(reason).to_have_value("根据2020年10月培训评价组织行为评价指标（统计截至2020-10-31），“甲培训评价组织”："
                                 "截至2020-09-10未在湖北启动师资培训（本年度首次师资培训：全国 2020-08-03，湖北 未启动）。")
    page.get_by_role("button", name="确认黄牌警告").click()
    expect(page.get_by_role("alert")).to_contain_text("记入其监管记录，并通知该组织")  # the portal's confirmation
    page.get_by_role("button", name="确认黄牌警告").click()

    expect(page.locator(".messages")).to_contain_text("已对“甲培训评价组织”黄牌警告")
    expect(page.locator(".tag-warn")).to_have_text("黄牌警告")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="黄牌候选").click()
    expect(page.locator(f"#candidate-table tr[data-org='{org_a.pk}']")).to_contain_text("黄牌警告")
    expect(page.locator(f"#candidate-table tr[data-org='{org_a.pk}']")).to_contain_text("不重复黄牌")
