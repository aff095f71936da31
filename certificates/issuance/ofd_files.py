"""The signed OFD (GB/T 33190 版式文件) of an issued certificate, beside its PDF: the current version,
drawn from the same ``certificate_data`` as the PDF (certificates.ofd.document) and sealed with the
org seal version the certificate was issued with (certificates.ofd.signature).

Made on the FIRST DOWNLOAD and stored, not in the issuance pipeline: most certificates are only ever
taken as PDFs, so issuing does not pay for an OFD nobody asks for, and the pipeline's figures stay
what they were. Like a PDF missing from storage, a download that finds no OFD queues the
certificates.render_ofd task (certificates.issuance.services.certificate_ofds_queue) and is answered
202 with when to come back: nothing is rendered or written inside the request (issue 14).

The seal version's GB/T 38540 ``SES_Seal`` is built once, on the first OFD that needs it, and kept
(``OfdSeal``): its SM2 signature is randomized, so each build would be another seal. A later seal
version has its own and never changes the OFD of a certificate issued before it.

Imported certificates (issued before the portal) have no org seal here, so they have no OFD.
"""

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from certificates.issuance.documents import certificate_data
from certificates.issuance.models import IssuedCertificate, OfdSeal
from certificates.ofd.document import PAGE_ID, SEAL_BOUNDARY, render_ofd
from certificates.ofd.seal import seal_build
from certificates.ofd.signature import ofd_sign
from core.uploads import stored_file_read
from organizations.seals.models import OrgSeal

logger = logging.getLogger(__name__)

OFD_TYPE = "application/ofd"  # the media type of GB/T 33190 files

# A seal version never stops being the one its certificates were issued with (a new version applies
# only to later certificates), and a certificate's OFD may first be asked for years after issue: the
# SES_Seal is valid from the version's upload for this long.
SEAL_VALID_YEARS = 50

# (seal version pk, its stored file's random name) -> its kept SES_Seal, which is never rewritten
_seal_ders: dict[tuple[int, str], bytes] = {}


def ofd_filename(issued: IssuedCertificate, version: int) -> str:
    return f"{issued.number}-v{version}.ofd"


def ofd_seal_der(seal: OrgSeal) -> bytes:
    """The DER ``SES_Seal`` of org seal version ``seal``: the kept one, else built now and kept (two
    processes building it at once keep the first one stored)."""
    key = (seal.pk, seal.file.name)
    if key in _seal_ders:
        return _seal_ders[key]
    kept = OfdSeal.objects.filter(seal=seal).values_list("der", flat=True).first()
    if kept is None:
        start = seal.uploaded_at
        der = seal_build(org_name=seal.org.name, seal_png=stored_file_read(seal.file),
                         seal_id=f"1X-ORG{seal.org_id}-SEAL{seal.version}", valid_start=start,
                         valid_end=start + datetime.timedelta(days=round(365.25 * SEAL_VALID_YEARS)),
                         width_mm=seal.printed_mm, height_mm=seal.printed_mm)
        kept = OfdSeal.objects.get_or_create(seal=seal, defaults={"der": der})[0].der
    _seal_ders[key] = bytes(kept)
    return _seal_ders[key]


def issued_ofd(issued: IssuedCertificate, *, signed_at: datetime.datetime | None = None) -> bytes:
    """The signed OFD of ``issued``'s current version (loaded with its certificate, org and seal).
    The page leaves the seal picture to the signature's stamp, so it shows once. Raises ValueError
    for a certificate without a seal (imported), pdf.GlyphMissing as the PDF does."""
    if issued.seal is None:
        raise ValueError(f"certificate {issued.number} has no org seal, so no OFD")
    package = render_ofd(certificate_data(issued), draw_seal=False)
    return ofd_sign(package, seal_der=ofd_seal_der(issued.seal), page_id=PAGE_ID, boundary=SEAL_BOUNDARY,
                    signed_at=signed_at or timezone.now())


def certificate_ofd_store(*, certificate_id: int) -> bool:
    """Make and store the OFD of one certificate unless it is stored already (a file recorded but
    gone from storage is made again under its name). A conditional update records it: a reissue
    meanwhile, or another worker first, wins and our file is removed. Returns whether it stored one."""
    issued = (IssuedCertificate.objects.select_related("certificate", "org", "seal", "seal__org")
              .filter(pk=certificate_id).first())
    if issued is None or issued.seal is None:
        return False
    storage = issued.ofd.storage
    recorded = issued.ofd.name or ""
    if recorded and storage.exists(recorded):
        return False
    content = issued_ofd(issued)
    if recorded:
        logger.warning("the stored OFD of certificate %s is missing; making it again", issued.number)
        name = recorded
    else:
        name = issued.ofd.field.generate_filename(issued, ofd_filename(issued, issued.version))
        if storage.exists(name):  # left by a worker stopped after writing, before recording it
            storage.delete(name)
    stored = storage.save(name, ContentFile(content))
    updated = IssuedCertificate.objects.filter(pk=issued.pk, version=issued.version, ofd=recorded).update(
        ofd=stored, ofd_size=len(content))
    if not updated and stored != recorded:
        storage.delete(stored)
    return bool(updated)


def certificate_ofd_drop(issued: IssuedCertificate) -> None:
    """Forget the stored OFD of a version being superseded (inside the reissue's transaction): the
    fields now (the caller saves them), the file once the transaction commits. A superseded version
    keeps its PDF only: OFDs are made for the current version."""
    name = issued.ofd.name or ""
    issued.ofd, issued.ofd_size = "", None
    if name:
        storage = IssuedCertificate._meta.get_field("ofd").storage
        transaction.on_commit(lambda: storage.delete(name))
