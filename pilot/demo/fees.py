"""Demo fee verification: Web前端开发 in Hubei negotiated and verified; 老年照护 waiting in Hubei and
Shandong, so the province sees proposals waiting and the ministry sees where standards are missing."""

import datetime

from accounts.models import Province, RoleBinding, User
from accounts.scoping import Actor
from certificates.catalog.models import Certificate
from fees.caps import caps_ensure
from fees.models import FeeThread
from fees.services import fee_counter_propose, fee_proposal_submit, fee_version_verify


def _actor(username: str) -> Actor:
    user = User.objects.get(username=username)
    return Actor(user=user, binding=RoleBinding.objects.filter(user=user).first())


def seed_fees(out) -> None:
    caps_ensure()
    if FeeThread.objects.exists():
        return
    web = Certificate.objects.filter(name="Web前端开发", org__name="北京新奥时代科技有限责任公司").first()
    care = Certificate.objects.filter(name="老年照护", org__name="北京中福长者文化科技有限公司").first()
    if web is None or care is None:
        out and out.write("fees demo: the demo certificates are missing; skipped")
        return
    hubei, shandong = Province.objects.get(code="42"), Province.objects.get(code="37")
    level = web.levels.order_by("pk").first().level
    web_items = {"question_bank": ("60", "题库按三年摊销"), "paper_assembly": ("20", "每场组卷"),
                 "marking": ("30", "机评加人工复核"), "exam_system": ("80", "考试平台运维"),
                 "invigilation": ("50", "两名监考/考场"), "certificate": ("15", "证书印制及寄送")}
    version = fee_proposal_submit(actor=_actor("org_web"), certificate=web, level=level, province=hubei,
                                  items=web_items, note="按湖北考点实际测算")
    counter = dict(web_items, question_bank=("45", "院校联盟意见：题库已有部分积累"), exam_system=("70", "共享考点机房"))
    fee_counter_propose(actor=_actor("hubei_alliance"), thread=version.thread, items=counter, note="联盟反提议")
    latest = version.thread.versions.order_by("-number").first()
    fee_version_verify(actor=_actor("hubei_edu"), version=latest, effective_from=datetime.date(2020, 9, 1))
    care_level = care.levels.order_by("pk").first()
    care_items = {"question_bank": ("80", "题库建设"), "examiner_labour": ("120", "考评员两名")}
    if care_level.assessment_type in ("practical_general", "practical_special"):
        care_items["consumables"] = ("60", "实操耗材")
        care_items["equipment_setup"] = ("40", "设备调试")
    for province in (hubei, shandong):
        fee_proposal_submit(actor=_actor("org_care"), certificate=care, level=care_level.level, province=province,
                            items=care_items)
