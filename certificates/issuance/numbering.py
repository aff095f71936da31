"""Certificate numbers (证书编号), modelled on the published skill-certificate coding rules.

One capital letter and 21 digits, in this order (``SCHEME`` below is the one place to change widths):

==========  =====  ==============================================================================
field       width  value
==========  =====  ==============================================================================
type        1      letter: ``X`` for a 1+X vocational skill level certificate (职业技能等级证书)
org         4      the org's portal-assigned code (``Org.code``; allocated on first issuance)
province    2      GB/T 2260 code of the province where the assessment took place; 新疆生产建设兵团
                   is ``66`` (the code the Ministry's education statistics use for it)
site        6      ``0`` + the 5-digit portal-assigned assessment site code; where a request names
                   no site, ``1`` + the 5-digit portal id of the certificate (证书代码)
year        2      the last two digits of the issue year
level       1      初级 ``1``, 中级 ``2``, 高级 ``3`` (``LEVEL_DIGITS``)
serial      6      000001 … 999999, gap-free within its sequence scope
==========  =====  ==============================================================================

The **sequence scope** is everything before the serial (the 16-character prefix): each prefix has
its own gap-free serial, kept in ``NumberSequence`` and allocated in blocks under a row lock.
"""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from certificates.catalog.models import Level
from certificates.issuance.models import NumberSequence
from core import normalize
from core.errors import AppError
from organizations.orgs.models import Org


@dataclass(frozen=True)
class Scheme:
    type_letter: str = "X"
    org_width: int = 4
    province_width: int = 2
    site_width: int = 6
    year_width: int = 2
    level_width: int = 1
    serial_width: int = 6

    @property
    def digits(self) -> int:
        return (self.org_width + self.province_width + self.site_width + self.year_width + self.level_width
                + self.serial_width)

    @property
    def pattern(self) -> re.Pattern:
        return re.compile(rf"^{self.type_letter}\d{{{self.digits}}}$")


SCHEME = Scheme()
LEVEL_DIGITS = {Level.JUNIOR: "1", Level.INTERMEDIATE: "2", Level.SENIOR: "3"}
XPCC_PROVINCE_CODE = "66"  # 新疆生产建设兵团
SITE_KIND_SITE, SITE_KIND_CERTIFICATE = "0", "1"


def site_part(*, site_code: str, certificate_id: int, scheme: Scheme = SCHEME) -> str:
    width = scheme.site_width - 1
    code = normalize.code(site_code)
    if code:
        if not code.isdigit() or len(code) > width:
            raise AppError(_("考点代码“%(code)s”应为不超过 %(n)d 位的数字。") % {"code": code, "n": width},
                           code="site_code")
        return SITE_KIND_SITE + code.zfill(width)
    return SITE_KIND_CERTIFICATE + f"{certificate_id % 10 ** width:0{width}d}"


def number_prefix(*, org_code: str, province_code: str, site_code: str, certificate_id: int, year: int,
                  level: str, scheme: Scheme = SCHEME) -> str:
    """The sequence scope: the number without its serial."""
    if not (org_code and org_code.isdigit() and len(org_code) == scheme.org_width):
        raise AppError(_("组织编码“%(code)s”应为 %(n)d 位数字。") % {"code": org_code, "n": scheme.org_width})
    if not (province_code.isdigit() and len(province_code) == scheme.province_width):
        raise AppError(_("省份代码“%(code)s”无效。") % {"code": province_code})
    return (scheme.type_letter + org_code + province_code
            + site_part(site_code=site_code, certificate_id=certificate_id, scheme=scheme)
            + f"{year % 10 ** scheme.year_width:0{scheme.year_width}d}" + LEVEL_DIGITS[Level(level)])


def number_format(prefix: str, serial: int, scheme: Scheme = SCHEME) -> str:
    if not 1 <= serial < 10 ** scheme.serial_width:
        raise AppError(_("编号前缀 %(prefix)s 的流水号已用完。") % {"prefix": prefix}, code="serial_exhausted")
    return f"{prefix}{serial:0{scheme.serial_width}d}"


def number_is_wellformed(number: str, scheme: Scheme = SCHEME) -> bool:
    return bool(scheme.pattern.match(number or ""))


def numbers_allocate(*, prefix: str, count: int) -> list[str]:
    """Take ``count`` consecutive serials under ``prefix``. Must run inside the transaction that stores
    the certificates: the row lock on the sequence lasts until that transaction ends, so a rollback
    returns the block and two workers never share a serial."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers_allocate must run inside the transaction that stores the certificates")
    NumberSequence.objects.bulk_create([NumberSequence(prefix=prefix)], ignore_conflicts=True)
    sequence = NumberSequence.objects.select_for_update().get(prefix=prefix)
    first = sequence.last_value + 1
    sequence.last_value += count
    number_format(prefix, sequence.last_value)  # refuses a block that would run past the last serial
    sequence.save(update_fields=["last_value", "updated_at"])
    return [number_format(prefix, serial) for serial in range(first, first + count)]


def org_code_ensure(org) -> str:
    """The org's 4-digit portal code, allocated (lowest free code from 0001) if it has none yet."""
    if org.code:
        return org.code
    for _attempt in range(5):
        used = set(Org.objects.exclude(code__isnull=True).values_list("code", flat=True))
        code = next(f"{n:0{SCHEME.org_width}d}" for n in range(1, 10 ** SCHEME.org_width)
                    if f"{n:0{SCHEME.org_width}d}" not in used)
        try:
            with transaction.atomic():
                if Org.objects.filter(pk=org.pk, code__isnull=True).update(code=code):
                    org.code = code
                    return code
        except IntegrityError:  # another worker gave that code to another org at the same moment
            continue
        org.refresh_from_db(fields=["code"])
        return org.code
    raise AppError(_("无法为组织分配编码，请稍后重试。"))
