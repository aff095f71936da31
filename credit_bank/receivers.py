"""Subscribers to the documented hooks of issued certificates (certificates.hooks).

Each receiver is idempotent (the outcome is keyed on the certificate) and never raises: a failure is
logged and the sweep task (credit_bank.tasks.sweep_outcomes) records what was missed.
"""

import logging

from certificates.hooks import certificate_reissued, certificate_revoked, certificates_issued
from credit_bank.services import outcomes

logger = logging.getLogger(__name__)


def on_certificates_issued(sender, certificates, **kwargs) -> None:
    """A chunk of issued certificates: their outcomes in a few queries for the whole chunk."""
    try:
        outcomes.outcomes_record_many(issued=certificates)
    except Exception:
        logger.exception("credit bank: recording the outcomes of %d certificates failed; the sweep will retry",
                         len(certificates))


def on_certificate_revoked(sender, certificate, reason="", **kwargs) -> None:
    try:
        outcomes.outcome_revoke(issued=certificate, reason=reason)
    except Exception:
        logger.exception("credit bank: revoking the outcome of %s failed; the sweep will retry", certificate.number)


def on_certificate_reissued(sender, certificate, previous=None, **kwargs) -> None:
    try:
        outcomes.outcome_reissued(issued=certificate)
    except Exception:
        logger.exception("credit bank: following the reissue of %s failed; the sweep will retry", certificate.number)


def connect() -> None:
    # Issuance sends each chunk once to certificates_issued and then each certificate to
    # certificate_issued: the credit bank listens to the chunk (one receiver, not both).
    certificates_issued.connect(on_certificates_issued, dispatch_uid="credit_bank.record_outcomes")
    certificate_revoked.connect(on_certificate_revoked, dispatch_uid="credit_bank.revoke_outcome")
    certificate_reissued.connect(on_certificate_reissued, dispatch_uid="credit_bank.follow_reissue")
