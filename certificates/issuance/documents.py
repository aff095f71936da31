"""The signed PDF of an issued certificate, built from its record: what it prints
(``certificate_data``, fed to the renderer certificates.issuance.pdf) and the signed document
(``certificate_pdf_render``). No query: the caller loads the certificate with its certificate, org
and seal. The issuance worker stores the Chinese PDF; the bilingual variant is rendered on request
and never stored.
"""

import functools

from accounts.models import IdType
from certificates.catalog.models import Level
from certificates.issuance import pdf, signing
from certificates.issuance.models import IssuedCertificate
from core.base_url import public_base_url
from core.uploads import stored_file_read


@functools.lru_cache(maxsize=64)
def _seal_png(seal_file) -> bytes:
    """A seal image's bytes, read through the storage API (local folder or object store). A stored
    file hashes by its name, and a seal version is never rewritten under the same name (a new upload
    gets a new one): the name is a safe cache key, so one issuing process reads each seal once."""
    return stored_file_read(seal_file)


def verify_url(token: str) -> str:
    """The public verification link a certificate's QR code carries (one version of one certificate)."""
    return f"{public_base_url()}/verify/t/{token}"


def certificate_data(issued: IssuedCertificate, *, variant: str = "zh", version=None) -> pdf.CertificateData:
    """What the PDF of ``issued`` (or of one of its superseded ``version``s) prints."""
    source = version or issued
    seal = issued.seal
    try:
        id_type_label = IdType(source.id_type).label
    except ValueError:
        id_type_label = source.id_type
    return pdf.CertificateData(
        number=issued.number, version=source.version, holder_name=source.holder_name, id_type=source.id_type,
        id_type_label=str(id_type_label), id_number=source.id_number, certificate_name=issued.certificate.name,
        level=issued.level, level_label=str(Level(issued.level).label), org_name=issued.org.name,
        issued_on=source.issued_on, verify_url=verify_url(source.token),
        seal_png=functools.partial(_seal_png, seal.file) if seal else None,
        seal_key=f"seal-{seal.pk}" if seal else "no-seal",
        variant=variant)


def certificate_pdf_render(issued: IssuedCertificate, *, variant: str = "zh", version=None) -> bytes:
    """The signed PDF (rendering raises pdf.GlyphMissing for a character no font covers)."""
    data = certificate_data(issued, variant=variant, version=version)
    return signing.sign_pdf(pdf.render_certificate(data), number=issued.number)
