"""Demo complaints (投诉举报) against the demo orgs, one in each state of the triage.

Looked up by their reference (the natural key), so running the step twice adds nothing. Dates are
set in the autumn of 2020, the time of the speech the demo follows.
"""

import datetime
import io

from accounts.models import User
from accounts.scoping import actor_for
from core.uploads import stored_file_save
from organizations.complaints import services
from organizations.complaints.models import Complaint, ComplaintEvidence, ComplaintNote
from organizations.orgs.models import Org

Category, Status = Complaint.Category, Complaint.Status


def _at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2020, month, day, hour, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


COMPLAINTS = [
    # (reference, org name, category, text, contact name, contact, filed, [(status after, note, internal, at)])
    ("TS2020-DEMO-U7KX", "北京中福长者文化科技有限公司", Category.EXCESSIVE_FEES,
     "2020年10月在我校组织的老年照护（中级）考核中，考务人员按每人次860元收取考核费用，"
     "并要求另交“培训资料费”200元，远高于特殊设备实操考试每人次700元的上限。附收费通知截图。",
     "", "13907100123", _at(10, 12),
     [(Status.INVESTIGATING, "已请湖北省教育厅核实收费通知和实际收费情况。", False, _at(10, 14)),
      (Status.UPHELD, "经核实，该组织在湖北两所院校按每人次860元收费，超过考核成本上限，另收资料费无依据。"
                      "责令退还超收费用，并纳入组织行为评价。", False, _at(10, 30))]),
    ("TS2020-DEMO-B3QM", "北京新奥时代科技有限责任公司", Category.BUNDLED_SALES,
     "该组织在Web前端开发证书师资培训中称，院校必须采购其指定的实训平台（每套12万元）才能承办考核，"
     "否则不安排考核站点。", "王老师", "wang.teacher@example.edu.cn", _at(10, 20),
     [(Status.INVESTIGATING, "已要求该组织说明考核站点条件的依据，并抽查三所院校的采购合同。", False, _at(10, 22)),
      (Status.INVESTIGATING, "投诉人另电话补充了采购合同编号，见受理记录。", True, _at(10, 23))]),
    ("TS2020-DEMO-D9PW", "北京新奥时代科技有限责任公司", Category.FALSE_PUBLICITY,
     "网上有机构宣称“交费即可包过Web前端开发中级证书”，打着该组织的名义招生。", "", "", _at(9, 28),
     [(Status.DISMISSED, "经核查，宣传主体为与该组织无关的社会培训机构，该组织已发布声明并报案；投诉不属实。",
       False, _at(10, 9))]),
    ("TS2020-DEMO-R4HN", "北京中福长者文化科技有限公司", Category.INACTION,
     "我省两所试点院校反映，9月至今该组织未安排老年照护证书的师资培训，也未提交考核计划。",
     "李主任", "027-87654321", _at(11, 2), []),
]


def _fee_notice_png() -> bytes:
    """A stand-in for a photographed fee notice: a page with ruled lines and a red stamp."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 640), "white")
    draw = ImageDraw.Draw(image)
    for y in range(80, 560, 36):
        draw.line((48, y, 432, y), fill=(150, 150, 150), width=2)
    draw.rectangle((48, 30, 432, 60), fill=(40, 40, 40))
    draw.ellipse((300, 470, 420, 590), outline=(200, 20, 30), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def seed_complaints(out) -> None:
    ministry = User.objects.filter(username="moe_officer").first()
    actor = actor_for(ministry)  # the triage goes through the services: notes, audit, the org's notification
    for reference, org_name, category, text, contact_name, contact, filed, steps in COMPLAINTS:
        if Complaint.objects.filter(reference=reference).exists():
            continue
        complaint = Complaint.objects.create(reference=reference, org=Org.objects.get(name=org_name),
                                             category=category, text=text, contact_name=contact_name, contact=contact)
        if "截图" in text:
            stored_file_save(ComplaintEvidence(complaint=complaint), _fee_notice_png(), original_name="收费通知截图.png",
                             content_type="image/png", extension=".png")
        for after, note, internal, at in steps:
            if after == complaint.status:
                entry = services.complaint_note_add(actor=actor, complaint=complaint, note=note, internal=internal)
            else:
                complaint = services.complaint_transition(actor=actor, complaint=complaint, status=after, note=note,
                                                          internal=internal)
                entry = complaint.notes.last()
            ComplaintNote.objects.filter(pk=entry.pk).update(at=at)
        last = steps[-1][3] if steps else filed
        Complaint.objects.filter(pk=complaint.pk).update(
            created_at=filed, status_changed_at=last, closed_at=last if complaint.closed_at else None)
