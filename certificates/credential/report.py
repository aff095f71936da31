"""The verification report (查验报告): a Chinese A4 PDF an employer can file, saying what the platform
checked about one certificate and when — its live status, whether the signature of its stored PDF is
the platform's and intact, the issuing org and the issue date — signed with the same PAdES signature
as the certificates themselves (certificates.issuance.signing), so the report's own integrity can be
checked too. It carries the masked name only: anyone may take it from a public credential page.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from certificates.credential.selectors import CredentialFacts
from certificates.issuance import signing
from certificates.issuance.documents import verify_url
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.pdf import FULL_FONT_FAMILY, qr_svg
from certificates.issuance.selectors import certificate_pdf_stored
from core.base_url import public_base_url


@dataclass(frozen=True)
class SignatureFinding:
    checked: bool  # the certificate has a stored signed PDF to check
    genuine: bool
    text: str


def _signature_finding(issued: IssuedCertificate) -> SignatureFinding:
    content = certificate_pdf_stored(issued)
    if content is None:
        if issued.origin == IssuedCertificate.Origin.IMPORTED:
            return SignatureFinding(False, False, "平台启用前签发的证书（导入记录），无平台电子签名文件，以平台记录为准")
        return SignatureFinding(False, False, "电子证书文件尚在生成中，未核验签名，以平台记录为准")
    check = signing.check_pdf(content)
    if check.signed and check.by_issuer and check.intact and check.whole_file:
        return SignatureFinding(True, True, "平台签发密钥的数字签名完好，证书文件未被篡改")
    return SignatureFinding(True, False, "平台存档的证书文件签名校验未通过，请联系平台核实")


def report_pdf(issued: IssuedCertificate, facts: CredentialFacts, *, now: datetime.datetime | None = None) -> bytes:
    """The signed report of ``issued`` as checked ``now``."""
    from weasyprint import HTML

    now = timezone.localtime(now or timezone.now())
    link = verify_url(issued.token)
    html = render_to_string("certificates/credential/report.html", {
        "facts": facts, "checked_at": now, "signature": _signature_finding(issued), "verify_url": link,
        "qr_svg": qr_svg(link), "font_family": f'"{FULL_FONT_FAMILY}"', "site": public_base_url(),
        "report_number": f"CY{now:%Y%m%d%H%M%S}{secrets.token_hex(2).upper()}"})
    return signing.sign_pdf(HTML(string=html, base_url="/").write_pdf(), number=issued.number,
                            reason=f"查验报告 {issued.number}")
