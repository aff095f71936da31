"""The transcript PDF: A4, Chinese, real text in an embedded CJK font, signed by the platform's
issuing key exactly as e-certificates are.

A transcript is a table of any length, so it is laid out by WeasyPrint from
templates/credit_bank/pdf/transcript.html (it flows over pages; the certificate's fixed overlay
would not). WenQuanYi Zen Hei is the first font: one TrueType face, subset-embedded, small and fast;
Noto Sans CJK covers rare characters. Rendering is rare (once per change of the account), so the
~0.2 s it costs is not worth a faster path.

Signing is certificates.signing.sign_pdf itself: the platform's issuing key, a PAdES signature over
the whole file, which ``signing.check_pdf`` validates. (Its signature "reason" names a certificate
number; the transcript passes its own number there.)
"""

import io

from django.template.loader import render_to_string

from certificates.issuance import signing
from core.base_url import public_base_url

FONT_FAMILY = '"WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif'


def qr_svg(url: str) -> str:
    """The verification link as an inline SVG QR code (drawn as vector rectangles)."""
    import qrcode  # the PDF libraries load only when a transcript is rendered (rare), not in every process

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    rects = "".join(f'<rect x="{x}" y="{y}" width="1" height="1"/>' for y, row in enumerate(matrix)
                    for x, dark in enumerate(row) if dark)
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" shape-rendering="crispEdges">{rects}</svg>'


def render_unsigned(transcript, *, verify_url: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    html = render_to_string("credit_bank/pdf/transcript.html", {
        "t": transcript, "c": transcript.snapshot, "verify_url": verify_url, "qr_svg": qr_svg(verify_url),
        "font_family": FONT_FAMILY, "site": public_base_url()})
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(HTML(string=html, base_url="/").write_pdf())))
    writer.add_metadata({
        "/Title": f"学分银行成绩单 {transcript.number}", "/Author": "1+X证书制度试点管理平台 学分银行",
        "/Creator": "1+X证书制度试点管理平台", "/TranscriptNumber": transcript.number})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def transcript_pdf(transcript, *, verify_url: str) -> bytes:
    return signing.sign_pdf(render_unsigned(transcript, verify_url=verify_url), number=transcript.number)
