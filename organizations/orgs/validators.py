"""GB 32100 unified social credit code and the national school code."""

import re

from django.utils.translation import gettext as _

from core import normalize
from core.errors import AppError

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(rf"^[{CREDIT_CODE_CHARSET}]{{18}}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    value = normalize.code(raw)
    if len(value) != 18:
        raise AppError(_("统一社会信用代码应为 18 位，当前为 %(n)d 位。") % {"n": len(value)},
                       field="credit_code", code="credit_code_length")
    if not _CREDIT_RE.match(value):
        raise AppError(_("统一社会信用代码只能由数字和大写字母（不含 I、O、Z、S、V）组成。"),
                       field="credit_code", code="credit_code_chars")
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        raise AppError(_("统一社会信用代码校验位错误（按 GB 32100 应为 %(c)s）。") % {"c": expected},
                       field="credit_code", code="credit_code_check")
    return value


def normalize_school_code(raw: str) -> str:
    value = normalize.code(raw)
    if not re.fullmatch(r"[0-9]{10}", value):
        raise AppError(_("学校标识码应为 10 位数字，当前为“%(v)s”。") % {"v": value}, field="school_code",
                       code="school_code")
    return value
