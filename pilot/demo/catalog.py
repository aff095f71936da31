"""Demo catalog and selection batches, shaped by the figures in domain.md: batches 1–3 published
92 certificates of 73 orgs (batch 1: 6 certificates in 5 fields); batch 4 received 984
certificates from 602 applicants and approved 355 certificates of 270 (about 36%).

Org and certificate names beyond those domain.md names are invented for the demo. Idempotent:
certificates are looked up by code, orgs by name, batch 4 is generated only once.
"""

import datetime
import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from accounts.scoping import actor_for
from certificates.batches.models import ApplicationCertificate, BatchApplication, SelectionBatch
from certificates.batches.services import batch_publish
from certificates.catalog.models import AssessmentType, Certificate, CertificateStatusChange, Level
from certificates.catalog.services import certificate_create, certificate_skills_set, certificate_standard_upload
from organizations.orgs.models import Org
from pilot.demo import demo_credit_code

ENT, ASSOC, RESEARCH, PUBLIC, PNE = (Org.OrgType.ENTERPRISE, Org.OrgType.ASSOCIATION, Org.OrgType.RESEARCH,
                                     Org.OrgType.PUBLIC_INSTITUTION, Org.OrgType.PRIVATE_NON_ENTERPRISE)
P, C, PG, PS = (AssessmentType.PAPER, AssessmentType.COMPUTER, AssessmentType.PRACTICAL_GENERAL,
                AssessmentType.PRACTICAL_SPECIAL)

BATCHES = [
    # number, name, opened, closes, published
    (1, "第一批", datetime.date(2019, 4, 10), datetime.date(2019, 5, 10), datetime.date(2019, 6, 12)),
    (2, "第二批", datetime.date(2019, 7, 15), datetime.date(2019, 8, 20), datetime.date(2019, 10, 16)),
    (3, "第三批", datetime.date(2019, 10, 28), datetime.date(2019, 11, 30), datetime.date(2020, 1, 8)),
    (4, "第四批", datetime.date(2020, 5, 20), datetime.date(2020, 6, 30), datetime.date(2020, 12, 1)),
]

# Assessment type of 初级, 中级, 高级 by field; a certificate may set its own.
FIELD_TYPES = {
    "信息技术": (C, C, C), "先进制造": (PG, PG, PS), "汽车": (PG, PG, PS), "交通运输": (P, PG, PG),
    "建筑": (C, C, PG), "财经商贸": (C, C, C), "电子商务": (C, C, C), "现代物流": (C, C, PG),
    "文化艺术": (C, C, PG), "旅游餐饮": (P, PG, PG), "医疗健康": (P, PG, PG), "养老服务": (P, PG, PG),
    "能源环保": (C, PG, PS), "农林牧渔": (P, PG, PG), "体育": (P, PG, PG),
}
FIELD_MAJORS = {
    "信息技术": ["软件技术", "计算机应用技术", "计算机网络技术", "大数据技术与应用"],
    "先进制造": ["机械制造与自动化", "数控技术", "机电一体化技术", "工业机器人技术"],
    "汽车": ["汽车检测与维修技术", "新能源汽车技术", "汽车电子技术"],
    "交通运输": ["城市轨道交通运营管理", "民航运输", "铁道供电技术"],
    "建筑": ["建筑工程技术", "工程造价", "建筑装饰工程技术"],
    "财经商贸": ["会计", "财务管理", "金融管理", "市场营销"],
    "电子商务": ["电子商务", "移动商务", "跨境电子商务"],
    "现代物流": ["物流管理", "冷链物流技术与管理", "物流工程技术"],
    "文化艺术": ["数字媒体艺术设计", "广播影视节目制作", "艺术设计"],
    "旅游餐饮": ["酒店管理", "旅游管理", "烹调工艺与营养"],
    "医疗健康": ["护理", "助产", "食品营养与检测", "药品经营与管理"],
    "养老服务": ["老年服务与管理", "护理", "康复治疗技术"],
    "能源环保": ["发电厂及电力系统", "光伏发电技术与应用", "环境工程技术"],
    "农林牧渔": ["现代农业技术", "设施农业与装备", "园艺技术"],
    "体育": ["社会体育", "运动训练", "休闲体育"],
}

# (org name, type, region code, [(certificate, field, own level types or None)]), by batch.
CATALOG = {
    1: [
        ("北京筑信数字建造研究院", RESEARCH, "110108", [("建筑信息模型(BIM)", "建筑", (C, C, C))]),
        ("北京新奥时代科技有限责任公司", ENT, "110108", [("Web前端开发", "信息技术", None)]),
        ("北京中福长者文化科技有限公司", ENT, "110105", [("老年照护", "养老服务", None)]),
        ("京华物流采购培训中心", PNE, "110105", [("物流管理", "现代物流", None)]),
        ("北京车博汽车技术有限公司", ENT, "110108", [("汽车运用与维修", "汽车", None), ("智能新能源汽车", "汽车", None)]),
    ],
    2: [
        ("西安博远电商信息技术有限公司", ENT, "610113", [("电子商务数据分析", "电子商务", None)]),
        ("杭州云商职业技能研究院", PNE, "330106", [("网店运营推广", "电子商务", None)]),
        ("沈阳智造机器人技术有限公司", ENT, "210102", [("工业机器人操作与运维", "先进制造", (PG, PS, PS)),
                                            ("工业机器人应用编程", "先进制造", (C, PG, PS))]),
        ("全国焊接技术职业教育协会", ASSOC, "110105", [("特殊焊接技术", "先进制造", (PS, PS, PS))]),
        ("上海财信智能财税科技有限公司", ENT, "310104", [("智能财税", "财经商贸", None)]),
        ("北京嘉育母婴健康研究院", PNE, "110105", [("母婴护理", "医疗健康", None)]),
        ("北京感知物联科技有限公司", ENT, "110108", [("传感网应用开发", "信息技术", (C, C, PG))]),
        ("上海颐康养老服务研究中心", RESEARCH, "310104", [("失智老年人照护", "养老服务", None)]),
        ("南京物联智能技术有限公司", ENT, "320102", [("物联网安装调试与运维", "信息技术", (C, PG, PG))]),
    ],
    3: [
        ("北京华信智云科技有限公司", ENT, "110108", [("大数据应用开发(Python)", "信息技术", None),
                                         ("云计算平台运维与开发", "信息技术", None)]),
        ("上海网御信息技术有限公司", ENT, "310104", [("网络系统建设与运维", "信息技术", None),
                                         ("网络安全评估", "信息技术", None)]),
        ("深圳移动互联职业技能研究院", PNE, "440305", [("移动应用开发", "信息技术", None)]),
        ("北京智算未来科技有限公司", ENT, "110108", [("人工智能深度学习工程应用", "信息技术", None),
                                         ("智能计算平台应用开发", "信息技术", None)]),
        ("江苏工联网技术研究院", RESEARCH, "320102", [("工业互联网实施与运维", "信息技术", None)]),
        ("杭州视觉设计科技有限公司", ENT, "330106", [("界面设计", "信息技术", None), ("数字影像处理", "文化艺术", None)]),
        ("福州虚拟现实产业研究院", RESEARCH, "350102", [("虚拟现实应用开发", "信息技术", None)]),
        ("北京链信数字科技有限公司", ENT, "110108", [("区块链应用软件开发与运维", "信息技术", None)]),
        ("无锡芯测集成电路技术有限公司", ENT, "320211", [("集成电路开发与测试", "信息技术", (C, PG, PS))]),
        ("广州游创动漫科技有限公司", ENT, "440106", [("游戏美术设计", "文化艺术", None)]),
        ("武汉数控技术职业培训中心", PNE, "420106", [("数控车铣加工", "先进制造", None),
                                          ("多工序数控机床操作", "先进制造", None)]),
        ("西安增材制造技术研究院", RESEARCH, "610113", [("增材制造模型设计", "先进制造", (C, PG, PG))]),
        ("华夏机械工程职业教育学会", ASSOC, "110105", [("机械产品三维模型设计", "先进制造", (C, C, C))]),
        ("南京自动化控制技术有限公司", ENT, "320102", [("可编程控制器系统应用编程", "先进制造", (C, PG, PG)),
                                           ("工业传感器集成应用", "先进制造", None)]),
        ("苏州慧眼工业视觉科技有限公司", ENT, "320505", [("工业视觉系统运维", "先进制造", None)]),
        ("天津智能装备职业技能鉴定中心", PUBLIC, "120116", [("智能制造设备安装与调试", "先进制造", None)]),
        ("上海服务机器人技术研究所", RESEARCH, "310104", [("服务机器人应用开发", "先进制造", (C, PG, PG))]),
        ("深圳天翼无人机科技有限公司", ENT, "440305", [("无人机驾驶", "先进制造", (P, PS, PS)),
                                           ("无人机组装与调试", "先进制造", None)]),
        ("华南电梯职业技能协会", ASSOC, "440106", [("电梯维修保养", "先进制造", None)]),
        ("唐山焊接机器人技术有限公司", ENT, "130203", [("焊接机器人编程与维护", "先进制造", None)]),
        ("株洲轨道交通技术有限公司", ENT, "430211", [("轨道交通电气设备装调", "交通运输", (PG, PG, PS)),
                                         ("城市轨道交通运营服务", "交通运输", None)]),
        ("北京航空地面服务培训中心", PNE, "110105", [("民航旅客地面服务", "交通运输", None)]),
        ("青岛邮轮服务职业培训学院", PNE, "370202", [("邮轮运营服务", "交通运输", None)]),
        ("北京汽车技术职业教育研究院", RESEARCH, "110108", [("汽车电子电气与空调舒适系统技术", "汽车", None),
                                              ("汽车动力与驱动综合分析技术", "汽车", None)]),
        ("合肥新能源动力电池检测中心", PUBLIC, "340104", [("新能源汽车动力电池及管理系统检测", "汽车", None)]),
        ("重庆智能网联汽车研究院", RESEARCH, "500112", [("智能网联汽车检测与运维", "汽车", None)]),
        ("厦门业财科技有限公司", ENT, "350203", [("业财一体信息化应用", "财经商贸", None), ("财务共享服务", "财经商贸", None)]),
        ("上海金智投顾科技有限公司", ENT, "310104", [("金融智能投顾", "财经商贸", None)]),
        ("北京财税职业教育学会", ASSOC, "110105", [("个税计算", "财经商贸", None), ("数字化管理会计", "财经商贸", None)]),
        ("深圳链通供应链科技有限公司", ENT, "440305", [("供应链运营", "现代物流", None)]),
        ("杭州跨境电商职业技能研究院", PNE, "330106", [("跨境电商B2B数据运营", "电子商务", None)]),
        ("成都农商电商科技有限公司", ENT, "510107", [("农产品电商运营", "电子商务", None), ("社交电商运营", "电子商务", None)]),
        ("上海冷链物流技术研究中心", RESEARCH, "310104", [("冷链物流服务与管理", "现代物流", None)]),
        ("济南智慧仓储科技有限公司", ENT, "370102", [("智能仓储运营管理", "现代物流", None)]),
        ("北京筑图建筑科技有限公司", ENT, "110108", [("建筑工程识图", "建筑", (P, C, C)),
                                         ("工程造价数字化应用", "建筑", (C, C, C))]),
        ("长沙装配式建筑产业研究院", RESEARCH, "430104", [("装配式建筑构件制作与安装", "建筑", (C, PG, PS))]),
        ("南京建设工程质量检测中心", PUBLIC, "320102", [("建设工程质量检测", "建筑", None)]),
        ("广州美居室内设计有限公司", ENT, "440106", [("室内设计", "建筑", None)]),
        ("北京融媒体职业技能研究院", PNE, "110105", [("融媒体内容制作", "文化艺术", None), ("新媒体技术", "文化艺术", None)]),
        ("景德镇文创数字设计有限公司", ENT, "360203", [("文创产品数字化设计", "文化艺术", None)]),
        ("上海影像职业技能培训中心", PNE, "310104", [("摄影摄像技术", "文化艺术", None)]),
        ("华夏酒店管理职业教育学会", ASSOC, "110105", [("现代酒店服务质量管理", "旅游餐饮", None),
                                          ("餐饮管理运行", "旅游餐饮", None)]),
        ("杭州茶文化职业技能研究院", PNE, "330106", [("茶艺与茶营销", "旅游餐饮", None)]),
        ("西安研学旅行发展研究院", RESEARCH, "610113", [("研学旅行策划与管理", "旅游餐饮", (P, P, C))]),
        ("上海会展职业教育协会", ASSOC, "310104", [("会展策划与管理", "旅游餐饮", (P, C, C))]),
        ("北京康宁产后恢复技术研究院", PNE, "110105", [("产后恢复", "医疗健康", None)]),
        ("南京启智幼儿照护服务有限公司", ENT, "320102", [("幼儿照护", "医疗健康", None)]),
        ("北京运动营养职业技能研究院", PNE, "110105", [("运动营养咨询与指导", "体育", (P, P, C))]),
        ("广州药品流通职业教育协会", ASSOC, "440106", [("药品购销", "医疗健康", (P, C, C))]),
        ("天津食品检验技术中心", PUBLIC, "120116", [("食品检验管理", "医疗健康", (P, PG, PS))]),
        ("武汉颐养护理服务研究院", RESEARCH, "420106", [("老年护理服务需求评估", "养老服务", None),
                                           ("医养个案管理", "养老服务", None)]),
        ("北京智能配电技术有限公司", ENT, "110108", [("智能配电集成与运维", "能源环保", None)]),
        ("西宁光伏电站运维技术有限公司", ENT, "630104", [("光伏电站运维", "能源环保", None)]),
        ("宜兴环保水处理职业技能研究院", PNE, "320282", [("污水处理", "能源环保", (P, PG, PG))]),
        ("寿光设施农业技术服务中心", PUBLIC, "370783", [("家庭农场经营管理", "农林牧渔", (P, P, C)),
                                           ("设施农业生产管理", "农林牧渔", None)]),
        ("北京健身职业技能研究院", PNE, "110105", [("社会体育指导(健身指导)", "体育", None)]),
        ("深圳智能家居技术有限公司", ENT, "440305", [("物联网智能家居系统集成和应用", "信息技术", (C, PG, PG))]),
        ("广州码上编程科技有限公司", ENT, "440106", [("Python程序开发", "信息技术", None)]),
        ("北京慧谷人力资源服务有限公司", ENT, "110105", [("人力资源共享服务", "财经商贸", None)]),
    ],
}
# The two orgs the foundation's personas sign in for already exist with their own credit codes.
# 职业技能要求 of the first batch's certificates, per level, in the words such standards use.
SKILLS = {
    "Web前端开发": {
        Level.JUNIOR: ["能使用 HTML5 和 CSS3 完成静态网页制作", "能使用 JavaScript 实现常见的网页交互效果",
                       "能根据设计稿完成页面布局与样式还原", "能使用浏览器开发者工具排查页面显示问题"],
        Level.INTERMEDIATE: ["能使用响应式布局开发适配多终端的页面", "能使用 Vue.js 等前端框架开发单页应用",
                             "能通过 Ajax 与后端接口进行数据交互", "能使用 Git 进行代码版本管理与团队协作"],
        Level.SENIOR: ["能设计前端工程化方案并完成构建与部署", "能对网页进行性能分析与优化",
                       "能制定前端开发规范并指导团队实施", "能保障前端应用的安全性与兼容性"],
    },
    "老年照护": {
        Level.JUNIOR: ["能为老年人提供清洁、饮食、排泄等生活照护", "能协助老年人安全移动和体位转换",
                       "能识别老年人常见异常情况并及时报告"],
        Level.INTERMEDIATE: ["能为失能老年人制定并实施日常照护计划", "能开展老年人常见慢性病的照护与用药协助",
                             "能进行老年人跌倒、噎食等意外的应急处置"],
        Level.SENIOR: ["能对老年人进行综合能力评估", "能组织照护团队并开展照护质量管理",
                       "能对初级、中级照护人员进行培训与指导"],
    },
    "建筑信息模型(BIM)": {
        Level.JUNIOR: ["能使用 BIM 建模软件创建建筑、结构构件模型", "能根据模型输出平面图、立面图和剖面图"],
        Level.INTERMEDIATE: ["能进行专业 BIM 模型的碰撞检查与优化", "能利用 BIM 模型完成工程量统计"],
        Level.SENIOR: ["能制定项目 BIM 实施方案", "能组织多专业 BIM 协同与模型管理"],
    },
    "物流管理": {
        Level.JUNIOR: ["能完成货物入库、在库和出库作业", "能使用仓储管理系统进行单据处理"],
        Level.INTERMEDIATE: ["能进行仓储规划与库存控制", "能制定配送计划并优化配送路线"],
        Level.SENIOR: ["能设计供应链物流方案", "能进行物流成本分析与绩效评价"],
    },
    "汽车运用与维修": {
        Level.JUNIOR: ["能完成汽车日常维护保养作业", "能规范使用常用检测工具和设备"],
        Level.INTERMEDIATE: ["能诊断并排除发动机、底盘常见故障", "能检修汽车电气系统"],
        Level.SENIOR: ["能诊断汽车综合性疑难故障", "能制定维修方案并进行质量检验"],
    },
    "智能新能源汽车": {
        Level.JUNIOR: ["能按安全规范对新能源汽车进行高压断电操作", "能完成新能源汽车日常维护"],
        Level.INTERMEDIATE: ["能检测动力电池及管理系统并排除常见故障", "能检修驱动电机及控制系统"],
        Level.SENIOR: ["能诊断智能网联系统故障", "能分析整车控制策略并提出优化建议"],
    },
}

FOUNDATION_ORGS = {"北京新奥时代科技有限责任公司", "北京中福长者文化科技有限公司"}
_TYPE_PREFIX = {ENT: "91", ASSOC: "51", RESEARCH: "12", PUBLIC: "12", PNE: "52"}


def credit_code(org_type: str, region: str, serial: int) -> str:
    """A valid (GB 32100) demo credit code: registration prefix, region, a serial, check char."""
    return demo_credit_code(f"{_TYPE_PREFIX[org_type]}{region}{serial:09d}")


def _levels(index: int, field: str, own) -> list[dict]:
    types = own or FIELD_TYPES[field]
    # Every fourth certificate offers 初级 and 中级 only; practical seniors pass at 70.
    count = 2 if index % 4 == 3 else 3
    return [{"level": level, "assessment_type": kind, "full_mark": Decimal("100"),
             "pass_mark": Decimal("70") if level == Level.SENIOR and kind in (PG, PS) else Decimal("60")}
            for level, kind in list(zip((Level.JUNIOR, Level.INTERMEDIATE, Level.SENIOR), types, strict=True))[:count]]


def _majors(index: int, field: str) -> list[str]:
    majors = FIELD_MAJORS[field]
    return [majors[(index + k) % len(majors)] for k in range(2 + index % 2)]


def _batches() -> dict[int, SelectionBatch]:
    batches = {}
    for number, name, opened, closes, published in BATCHES:
        batch, _created = SelectionBatch.objects.get_or_create(number=number, defaults={
            "name": name, "opened_on": opened, "closes_on": closes,
            "status": SelectionBatch.Status.PUBLISHED if number < 4 else SelectionBatch.Status.REVIEWING,
            "published_on": published if number < 4 else None})
        batches[number] = batch
    return batches


def _demo_pdf(title: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("STSong-Light", 20)
    page.drawString(72, 760, f"{title}职业技能等级标准")
    page.setFont("STSong-Light", 11)
    page.drawString(72, 730, "（演示文件，内容为模拟）")
    page.showPage()
    page.save()
    return buffer.getvalue()


def seed_catalog_batches_1_to_3(batches: dict[int, SelectionBatch]) -> int:
    made, serial = 0, 300_000_000
    for number in (1, 2, 3):
        batch, sequence = batches[number], 0
        published_at = timezone.make_aware(datetime.datetime.combine(batch.published_on, datetime.time(10)))
        for org_name, org_type, region, certificates in CATALOG[number]:
            serial += 7919
            org, _ = Org.objects.get_or_create(name=org_name, defaults={
                "credit_code": credit_code(org_type, region, serial), "org_type": org_type, "batch_number": number})
            for name, field, own in certificates:
                sequence += 1
                code = f"X{number:02d}{sequence:03d}"
                if Certificate.objects.filter(code=code).exists():
                    continue
                certificate = certificate_create(actor=None, code=code, name=name, org=org, batch=batch, field=field,
                                                 levels=_levels(sequence, field, own), majors=_majors(sequence, field))
                Certificate.objects.filter(pk=certificate.pk).update(status_changed_at=published_at)
                made += 1
                if org_name in FOUNDATION_ORGS:
                    _standard_for(certificate, SimpleUploadedFile(f"{name}职业技能等级标准.pdf", _demo_pdf(name),
                                                                  "application/pdf"))
    return made


def _standard_for(certificate: Certificate, upload) -> None:

    officer = User.objects.filter(role_bindings__role=Role.MINISTRY, username="moe_officer").first()
    if officer is not None:
        certificate_standard_upload(actor=actor_for(officer), certificate=certificate, upload=upload)


# --- batch 4 --------------------------------------------------------------------------------

BATCH4_APPLICANTS, BATCH4_CERTIFICATES = 602, 984
BATCH4_APPROVED_BODIES, BATCH4_APPROVED = 270, 355
BATCH4_RETURNING = 30  # orgs of batches 1–3 applying again; 12 of them approved

_CITIES = [("北京", "110108"), ("上海", "310104"), ("广州", "440106"), ("深圳", "440305"), ("杭州", "330106"),
           ("南京", "320102"), ("武汉", "420106"), ("成都", "510107"), ("西安", "610113"), ("天津", "120116"),
           ("重庆", "500112"), ("长沙", "430104"), ("济南", "370102"), ("苏州", "320505"), ("合肥", "340104"),
           ("郑州", "410105"), ("福州", "350102"), ("沈阳", "210102"), ("青岛", "370202"), ("南昌", "360102")]
_WORDS = ["华创", "博远", "智联", "新航", "瑞德", "中科", "启明", "鼎信", "天成", "卓越", "睿思", "恒通", "远景", "精工",
          "蓝海", "星辰", "聚能", "优学", "职通", "匠心", "云帆", "明德", "同创", "鸿业", "嘉禾", "致远", "宏图", "金桥",
          "锦程", "慧谷", "正心", "弘毅", "笃行", "格致", "求是", "知行"]
_SUFFIXES = {ENT: ["科技有限公司", "教育科技有限公司", "信息技术有限公司", "技术股份有限公司"],
             ASSOC: ["职业教育协会", "行业协会"], RESEARCH: ["技术研究院", "职业教育研究院"],
             PUBLIC: ["职业技能鉴定中心", "技术服务中心"], PNE: ["职业技能培训中心", "职业培训学校"]}
_TYPE_WEIGHTS = [(ENT, 70), (ASSOC, 12), (RESEARCH, 8), (PUBLIC, 5), (PNE, 5)]
_TOPICS = {
    "信息技术": ["数字孪生", "边缘计算", "软件测试", "数据标注", "数据库管理", "嵌入式系统", "5G移动网络", "低代码开发",
             "容器云", "信息系统适配", "智能终端", "计算机视觉"],
    "先进制造": ["智能产线", "精密测量", "激光加工", "工业数据采集", "数字化设计与制造", "液压与气动", "模具数字化", "智能检测"],
    "汽车": ["汽车智能座舱", "新能源汽车维修", "汽车营销评估", "商用车维修", "汽车美容装潢", "汽车钣金喷涂"],
    "交通运输": ["高速铁路客运", "航空物流", "港口装卸", "城市公交智能调度", "通用航空", "船舶驾驶"],
    "建筑": ["智慧工地", "建筑装饰", "建筑能效", "市政工程", "路桥工程", "测绘地理信息"],
    "财经商贸": ["智能审计", "薪酬管理", "数字营销", "门店运营", "商务数据", "税务数字化"],
    "电子商务": ["直播电商", "跨境电商营销", "电商视觉设计", "网络客户服务", "私域流量", "电商物流"],
    "现代物流": ["物流数字化", "港口物流", "快递运营", "多式联运", "仓配一体化", "物流装备"],
    "文化艺术": ["数字出版", "短视频制作", "非遗文创", "数字展陈", "动画制作", "视觉传达"],
    "旅游餐饮": ["智慧景区", "民宿管理", "中式烹饪", "西式面点", "导游服务", "咖啡制作"],
    "医疗健康": ["健康管理", "康复辅助", "中医养生", "口腔护理", "医学检验", "公共营养"],
    "养老服务": ["智慧养老", "老年康体", "社区养老", "失能照护", "安宁疗护", "老年心理"],
    "能源环保": ["储能系统", "风电运维", "环境监测", "固废处理", "节能评估", "碳排放管理"],
    "农林牧渔": ["智慧农业", "农产品质量检测", "畜禽养殖", "园林绿化", "农机操作", "茶叶加工"],
    "体育": ["户外运动", "体育赛事", "青少年体能", "冰雪运动", "运动康复", "健身教练"],
}
_TOPIC_SUFFIXES = ["应用", "运维", "技术", "管理", "服务", "设计", "实施", "分析"]


def _batch4_names(rng: random.Random, taken: set[str]) -> tuple[list, list]:
    """Names for the approved certificates (all different) and for the rejected ones, which
    partly compete with approved ones for the same certificate, as competing bodies do."""
    pool = [(f"{topic}{suffix}", field) for field, topics in _TOPICS.items() for topic in topics
            for suffix in _TOPIC_SUFFIXES if f"{topic}{suffix}" not in taken]
    rng.shuffle(pool)
    approved = pool[:BATCH4_APPROVED]
    rejected = (pool[BATCH4_APPROVED:] + pool[:BATCH4_APPROVED])
    return approved, rejected


def _batch4_applicants(rng: random.Random) -> list[dict]:
    """602 applicants: 30 returning orgs, the rest new bodies with generated names and codes."""
    returning = list(Org.objects.filter(batch_number__in=(1, 2, 3)).exclude(name__in=FOUNDATION_ORGS)
                     .order_by("name")[:BATCH4_RETURNING])
    applicants = [{"name": o.name, "credit_code": o.credit_code, "org_type": o.org_type, "org": o} for o in returning]
    names = set(Org.objects.values_list("name", flat=True))
    types = [t for t, weight in _TYPE_WEIGHTS for _ in range(weight)]
    serial = 600_000_000
    while len(applicants) < BATCH4_APPLICANTS:
        org_type = rng.choice(types)
        city, region = rng.choice(_CITIES)
        name = f"{city}{rng.choice(_WORDS)}{rng.choice(_SUFFIXES[org_type])}"
        if name in names:
            continue
        names.add(name)
        serial += 104_729
        applicants.append({"name": name, "credit_code": credit_code(org_type, region, serial), "org_type": org_type,
                           "org": None})
    return applicants


def _certificate_counts(rng: random.Random) -> tuple[list[int], list[int]]:
    """How many certificates each applicant filed (sums to 984) and how many were approved (270
    applicants with 355 certificates; 12 of them returning orgs, linked rather than created)."""
    filed = [3] * 41 + [2] * 300 + [1] * 261  # 123 + 600 + 261 = 984
    rng.shuffle(filed)
    bodies = (rng.sample(range(BATCH4_RETURNING), 12)
              + rng.sample(range(BATCH4_RETURNING, BATCH4_APPLICANTS), BATCH4_APPROVED_BODIES - 12))
    twice = set(rng.sample([i for i in bodies if filed[i] >= 2], BATCH4_APPROVED - BATCH4_APPROVED_BODIES))
    approved = [0] * BATCH4_APPLICANTS
    for i in bodies:
        approved[i] = 2 if i in twice else 1
    return filed, approved


def seed_batch4(batch: SelectionBatch) -> None:
    if BatchApplication.objects.filter(batch=batch).exists():
        return
    rng = random.Random(2020)
    applicants = _batch4_applicants(rng)
    filed, approved = _certificate_counts(rng)
    approved_names, rejected_names = _batch4_names(rng, set(Certificate.objects.values_list("name", flat=True)))
    submitted = timezone.make_aware(datetime.datetime(2020, 6, 28, 15, 0))
    applications = BatchApplication.objects.bulk_create(
        BatchApplication(batch=batch, applicant_name=a["name"], credit_code=a["credit_code"], org_type=a["org_type"],
                         org=a["org"]) for a in applicants)
    BatchApplication.objects.filter(batch=batch).update(submitted_at=submitted)
    notice_from, notice_until = datetime.date(2020, 11, 10), datetime.date(2020, 11, 16)
    decided = timezone.make_aware(datetime.datetime(2020, 11, 20, 10, 0))
    rejected_at = timezone.make_aware(datetime.datetime(2020, 10, 30, 10, 0))
    items, cursor, next_approved, next_rejected = [], 0, 0, 0
    for index, application in enumerate(applications):
        own = set()
        for k in range(filed[index]):
            ok = k < approved[index]
            if ok:
                name, field = approved_names[next_approved]
                next_approved += 1
            else:
                name, field = rejected_names[next_rejected % len(rejected_names)]
                next_rejected += 1
                while name in own:  # one application never names a certificate twice
                    name, field = rejected_names[next_rejected % len(rejected_names)]
                    next_rejected += 1
            own.add(name)
            cursor += 1
            items.append(ApplicationCertificate(
                application=application, name=name, field=field,
                levels=[{**lv, "full_mark": str(lv["full_mark"]), "pass_mark": str(lv["pass_mark"])}
                        for lv in _levels(cursor, field, None)],
                expert_score=Decimal(rng.randint(8000, 9650)) / 100 if ok else Decimal(rng.randint(4500, 7999)) / 100,
                notice_from=notice_from if ok else None, notice_until=notice_until if ok else None,
                outcome=ApplicationCertificate.Outcome.APPROVED if ok else ApplicationCertificate.Outcome.REJECTED,
                decided_at=decided if ok else rejected_at))
    ApplicationCertificate.objects.bulk_create(items, batch_size=500)


def seed_skills() -> int:
    """Fill the levels whose skills are still blank (an org's own edits in the demo stay).
    Idempotent: a second run finds nothing blank and changes nothing."""
    filled = 0
    for certificate in Certificate.objects.filter(name__in=SKILLS).prefetch_related("levels"):
        wanted = {lv.level: "\n".join(SKILLS[certificate.name].get(lv.level, ())) for lv in certificate.levels.all()
                  if not lv.skills and SKILLS[certificate.name].get(lv.level)}
        if wanted and certificate_skills_set(actor=None, certificate=certificate, skills=wanted):
            filled += 1
    return filled


def seed_catalog(out) -> None:
    batches = _batches()
    made = seed_catalog_batches_1_to_3(batches)
    seed_skills()
    batch4 = batches[4]
    seed_batch4(batch4)
    if batch4.status != SelectionBatch.Status.PUBLISHED:
        batch_publish(actor=None, batch=batch4)
        published_on = BATCHES[3][4]
        at = timezone.make_aware(datetime.datetime.combine(published_on, datetime.time(10)))
        SelectionBatch.objects.filter(pk=batch4.pk).update(published_on=published_on)
        Certificate.objects.filter(batch=batch4).update(status_changed_at=at)
        CertificateStatusChange.objects.filter(certificate__batch=batch4).update(at=at)
    if made:
        out.write(f"证书目录：新增 {made} 个第一至三批证书；第四批 {BATCH4_APPLICANTS} 个单位申报 {BATCH4_CERTIFICATES} 个证书。")
