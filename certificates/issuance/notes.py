"""Why a pass was not issued, worded when read, in the reader's language (issue 16: nothing is stored
in the writer's language). The worker keeps what a note means: the request's status, block code and
``note_params`` (``{}``; a duplicate's ``{"number"}``, the held certificate; a glyph block's
``{"chars"}``; a pass held for its org's delisting or withdrawal, ``OrgStanding.as_params()``).
``request_note`` says it. Requests answered before notes were kept that way show the text stored
with them (``status_note``)."""

import datetime

from django.utils.translation import gettext as _

from certificates.issuance.models import HELD_FOR_ORG, IssuanceBlock, IssuanceRequest
from certificates.issuance.pdf import glyph_missing_message
from organizations.supervision.selectors import standing_refusal

Status = IssuanceRequest.Status


def request_note(request: IssuanceRequest) -> str:
    params = request.note_params
    if params is None:
        return request.status_note
    if request.status == Status.FAILED:
        return _("该成绩不是合格成绩（证书等级不存在或成绩低于合格分数），不予发证。")
    if request.status == Status.DUPLICATE:
        return _("已持有同一证书同一等级的有效证书 %(number)s，本次合格仅作记录。") % {"number": params.get("number", "")}
    if request.status == Status.BLOCKED:
        if request.block_code == IssuanceBlock.NO_SEAL:
            return _("培训评价组织尚未上传电子公章，上传后将自动发证。")
        if request.block_code == IssuanceBlock.GLYPH:
            return glyph_missing_message(params.get("chars", []))
        if request.block_code in HELD_FOR_ORG:
            ended_on = params.get("ended_on")
            return standing_refusal(org_name=params.get("org", ""), delisted=request.block_code == IssuanceBlock.DELISTED,
                                    ended_on=datetime.date.fromisoformat(ended_on) if ended_on else None, work="issue")
    return request.status_note
