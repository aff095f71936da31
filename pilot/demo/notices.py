"""Demo notices (通知公告)."""

import datetime

from pilot.models import Notice


def seed_notices(out) -> None:
    Notice.objects.get_or_create(title="关于做好2020年下半年1+X证书制度试点工作的通知", defaults={
        "category": Notice.Category.NOTICE, "document_number": "教职成司函〔2020〕20号",
        "published_at": datetime.datetime(2020, 8, 10, 9, 0, tzinfo=datetime.UTC),
        "body": "各省、自治区、直辖市教育厅（教委），新疆生产建设兵团教育局，各培训评价组织：\n\n"
                "请各培训评价组织制订并提交9—12月份考核计划，按月调度推进；各省级教育行政部门通过平台为院校备案，"
                "备案不是审批。已通过考核的学生要及时发放证书，不得将证书发放与费用支付挂钩。"})
    Notice.objects.get_or_create(title="关于在院校实施的X证书考核成本上限设置方案的公告", defaults={
        "category": Notice.Category.POLICY,
        "published_at": datetime.datetime(2020, 6, 1, 9, 0, tzinfo=datetime.UTC),
        "body": "考核成本上限按“2357”设置：纸笔考试不超过200元/人次，机考不超过300元/人次，"
                "一般设备的实操考试不超过500元/人次，特殊设备的实操考试不超过700元/人次。"})
