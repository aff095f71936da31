"""The signed OFD of an issued certificate, for tests: built from the same CertificateData as its PDF
(certificates.issuance.documents.certificate_data), sealed with the org's seal picture by the
platform's SM2 key, stamped on the page where the document places the seal."""

import datetime

from certificates.issuance.documents import certificate_data
from certificates.issuance.models import IssuedCertificate
from certificates.ofd import document, seal, signature


def certificate_ofd_signed(issued: IssuedCertificate, *, version=None,
                           signed_at: datetime.datetime | None = None) -> bytes:
    data = certificate_data(issued, version=version)
    signed_at = signed_at or datetime.datetime.now(datetime.UTC)
    _x, _y, width, height = document.SEAL_BOUNDARY
    seal_der = seal.seal_build(org_name=data.org_name, seal_png=data.seal_png(), seal_id=data.seal_key,
                               valid_start=signed_at - datetime.timedelta(days=1),
                               valid_end=signed_at + datetime.timedelta(days=365),
                               width_mm=round(width), height_mm=round(height))
    return signature.ofd_sign(document.render_ofd(data), seal_der=seal_der, page_id=document.PAGE_ID,
                              boundary=document.SEAL_BOUNDARY, signed_at=signed_at)
