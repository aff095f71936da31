"""Demo notices (通知公告) and policy documents (政策文件) the ministry published over the pilot's
first year and a half, as the speech names them; two carry attachments (the "2357" caps as a
spreadsheet, the coding rules as a Word document). Idempotent: found by title, attachments added
only to a notice that has none."""

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl

from core.uploads import DOCUMENT_KINDS, stored_file_save
from pilot.models import Notice, NoticeAttachment

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOTICE, ANNOUNCEMENT, POLICY = Notice.Category.NOTICE, Notice.Category.ANNOUNCEMENT, Notice.Category.POLICY

CAPS_TITLE = "关于在院校实施的X证书考核成本上限设置方案的公告"
CODING_TITLE = "职业技能等级证书编码规则（试行）"

# (title, category, document number (only where the source gives it), published (Beijing time), body)
NOTICES = [
    ("关于在院校实施“学历证书+若干职业技能等级证书”制度试点方案", POLICY, "教职成〔2019〕6号",
     datetime.datetime(2019, 4, 4, 10, 0),
     "经国务院同意，教育部、国家发展改革委、财政部、市场监管总局联合印发本方案，"
     "启动1+X证书制度试点工作。试点院校以高等职业学校、应用型本科高校和中等职业学校为主，"
     "培训评价组织按照相关规范，联合行业、企业和院校等，依据国家职业标准开发职业技能等级标准，"
     "负责实施职业技能考核、评价和证书发放。"),
    ("职业教育培训评价组织遴选与监督管理办法", POLICY, "", datetime.datetime(2019, 6, 20, 10, 0),
     "明确培训评价组织的遴选条件、程序和监督管理要求。对捆绑销售、高收费、考核放水、推进不力的"
     "培训评价组织实行动态调整，情节严重的退出试点。"),
    (CAPS_TITLE, POLICY, "", datetime.datetime(2020, 6, 1, 17, 0),
     "考核成本上限按“2357”设置：纸笔考试不超过200元/人次，机考不超过300元/人次，"
     "一般设备的实操考试不超过500元/人次，特殊设备的实操考试不超过700元/人次。详见附件。"),
    ("教育部办公厅关于落实在院校实施的X证书考核成本上限设置方案及相关说明的通知", POLICY, "",
     datetime.datetime(2020, 7, 3, 10, 0),
     "考核费用核定坚持“控制总额，核定基线，双方协商，保障运转”的原则。有规定的，按规定执行；"
     "无现成明文规定的，由培训评价组织与省级试点机构或院校联盟协商确定，由省级教育行政部门组织核定后"
     "由院校拨付。同一证书在同一省域内标准统一。"),
    (CODING_TITLE, POLICY, "", datetime.datetime(2020, 7, 10, 10, 0),
     "职业技能等级证书编号由培训评价组织编码、证书代码、等级、年份、考点代码和顺序号组成，"
     "全国唯一，可在本平台查验。证书参考样式另行发布。详见附件。"),
    ("关于开展第四批职业教育培训评价组织和职业技能等级证书遴选工作的通知", NOTICE, "",
     datetime.datetime(2020, 5, 20, 10, 0),
     "各有关单位：第四批遴选自即日起开始申报，申报截止日期为2020年6月30日。"
     "请申报主体通过本平台提交申报材料。"),
    ("关于做好2020年下半年1+X证书制度试点工作的通知", NOTICE, "教职成司函〔2020〕20号",
     datetime.datetime(2020, 8, 10, 17, 0),
     "各省、自治区、直辖市教育厅（教委），新疆生产建设兵团教育局，各培训评价组织：\n\n"
     "请各培训评价组织制订并提交9—12月份考核计划，按月调度推进；各省级教育行政部门通过平台为院校备案，"
     "备案不是审批。已通过考核的学生要及时发放证书，不得将证书发放与费用支付挂钩。"),
    ("关于第四批职业技能等级证书遴选申报情况的公告", ANNOUNCEMENT, "", datetime.datetime(2020, 7, 24, 10, 0),
     "第四批遴选共有602家申报主体提交984个证书，申报数量比第三批翻一番，龙头企业、行业协会学会等积极申报。"
     "评审结果将在本平台公示。"),
    ("关于公布第四批职业教育培训评价组织和职业技能等级证书名单的通知", NOTICE, "",
     datetime.datetime(2020, 12, 1, 10, 0),
     "经评审和公示，270家培训评价组织的355个职业技能等级证书纳入试点，名单见证书目录。"
     "各试点院校可通过本平台参与第四批证书试点。"),
]

CAPS = [("纸笔考试", 200), ("机考", 300), ("一般设备的实操考试", 500), ("特殊设备的实操考试", 700)]
CODING_PARTS = [("培训评价组织编码", "4位，由平台分配"), ("证书代码", "证书目录中的代码"),
                ("等级", "初级、中级、高级"), ("年份", "发证年份后两位"), ("考点代码", "考点登记时确定"),
                ("顺序号", "由平台按考点顺序分配，不重复、不跳号")]


def caps_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "考核成本上限"
    sheet.append(["考核方式", "成本上限（元/人次）"])
    for row in CAPS:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def coding_docx() -> bytes:
    """A small Word document (the three parts Word needs) with the coding rule's table as paragraphs."""
    paragraphs = [CODING_TITLE] + [f"{part}：{meaning}" for part, meaning in CODING_PARTS]
    body = "".join(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


ATTACHMENTS = {CAPS_TITLE: ("考核成本上限（“2357”）.xlsx", "xlsx", caps_xlsx),
               CODING_TITLE: ("职业技能等级证书编码规则（试行）.docx", "docx", coding_docx)}


def seed_notices(out) -> None:
    for title, category, number, published, body in NOTICES:
        notice, _created = Notice.objects.get_or_create(title=title, defaults={
            "category": category, "document_number": number, "body": body,
            "published_at": published.replace(tzinfo=BEIJING)})
        if title in ATTACHMENTS and not notice.attachments.exists():
            name, kind, build = ATTACHMENTS[title]
            content_type, extension = DOCUMENT_KINDS[kind]
            stored_file_save(NoticeAttachment(notice=notice), build(), original_name=name, content_type=content_type,
                             extension=extension)
    if out is not None:
        out.write(f"通知公告与政策文件：{len(NOTICES)} 篇（其中 {len(ATTACHMENTS)} 篇带附件）。\n")
