"""Revocation and reissue of issued certificates (org or ministry, always with a reason, audited).

A revoked certificate keeps its number and answers "revoked, with the reason" on verification. A name
correction reissues under the same number as a new version: the old version (its PDF and QR token)
is kept as superseded, the new one gets a new token and a new signed PDF. Certificates issued before
an org or certificate was delisted stay valid: nothing here runs on delisting; a reissue (a new
version dated today) is refused once the org has left the pilot.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from certificates import hooks
from certificates.issuance import pdf
from certificates.issuance.models import CertificateVersion, IssuedCertificate
from certificates.issuance.ofd_files import certificate_ofd_drop
from certificates.issuance.selectors import issued_certificate_access
from certificates.issuance.worker import issuance_render, new_token
from core import stamps
from core.errors import AppError
from organizations.supervision.selectors import org_standing


def _locked(issued: IssuedCertificate) -> IssuedCertificate:
    return IssuedCertificate.objects.select_for_update().get(pk=issued.pk)


def certificate_revoke(*, actor: Actor, issued: IssuedCertificate, reason: str) -> IssuedCertificate:
    issued_certificate_access(actor=actor, number=issued.number).require("revoke")
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("撤销证书必须填写原因。"), field="reason")
    with transaction.atomic():
        current = _locked(issued)
        if current.status == IssuedCertificate.Status.REVOKED:
            raise AppError(_("证书 %(number)s 已被撤销。") % {"number": current.number})
        current.status = IssuedCertificate.Status.REVOKED
        current.revoked_reason = reason[:500]
        current.revoked_at = timezone.now()
        current.save(update_fields=["status", "revoked_reason", "revoked_at"])
        stamps.renew(stamps.name(stamps.CERTIFICATE_NUMBER, current.number))
        audit_log(actor=actor, action="certificate.revoked", obj=current, province=current.province_id,
                  changes={"status": ["valid", "revoked"]}, note=reason)
        transaction.on_commit(lambda: hooks.send(hooks.certificate_revoked, certificate=current, reason=reason))
    return current


def certificate_reissue(*, actor: Actor, issued: IssuedCertificate, holder_name: str, reason: str) -> IssuedCertificate:
    """Correct the holder's name: same number, next version; the previous version is superseded."""
    issued_certificate_access(actor=actor, number=issued.number).require("reissue")
    holder_name = (holder_name or "").strip()
    reason = (reason or "").strip()
    if not holder_name:
        raise AppError(_("请填写更正后的姓名。"), field="holder_name")
    if not reason:
        raise AppError(_("换发证书必须填写原因。"), field="reason")
    try:
        pdf.glyph_plan(holder_name)
    except pdf.GlyphMissing as missing:
        raise AppError(str(missing), field="holder_name") from None
    # A new version is issued today: refused once the org has left the pilot, naming the delisting
    # (the certificate issued before it stays valid as it is).
    org_standing(issued.org).check("reissue", field="holder_name")
    with transaction.atomic():
        current = _locked(issued)
        if current.status != IssuedCertificate.Status.VALID:
            raise AppError(_("已撤销的证书不能换发。"))
        if holder_name == current.holder_name:
            raise AppError(_("更正后的姓名与证书上的姓名相同。"), field="holder_name")
        previous = CertificateVersion.objects.create(
            issued=current, version=current.version, holder_name=current.holder_name, id_type=current.id_type,
            id_number=current.id_number, issued_on=current.issued_on, token=current.token, pdf=current.pdf.name or "",
            reason=reason[:200])
        old_name = current.holder_name
        current.version += 1
        current.holder_name = holder_name
        current.token = new_token()
        current.issued_on = timezone.localdate()
        current.pdf = ""
        current.pdf_size = None
        certificate_ofd_drop(current)
        current.save(update_fields=["version", "holder_name", "token", "issued_on", "pdf", "pdf_size", "ofd",
                                    "ofd_size"])
        stamps.renew(stamps.name(stamps.CERTIFICATE_NUMBER, current.number))
        audit_log(actor=actor, action="certificate.reissued", obj=current, province=current.province_id,
                  changes={"holder_name": [old_name, holder_name], "version": [previous.version, current.version]},
                  note=reason)
        transaction.on_commit(lambda: hooks.send(hooks.certificate_reissued, certificate=current, previous=previous))
    issuance_render(certificate_id=current.pk)
    current.refresh_from_db()
    return current
