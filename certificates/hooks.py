"""The documented hooks of issued certificates, for higher layers to subscribe to (the credit bank
turns an issued X certificate into a learning outcome; certificates never import upward).

``certificates_issued``  sent once per chunk of newly stored certificates, after their transaction
                         committed, by the worker that issued them (or imported them). Keyword
                         arguments: ``certificates`` (a list of certificates.models.IssuedCertificate,
                         with ``certificate`` and ``person`` loaded). Issuance runs in chunks of
                         ``ISSUANCE_CHUNK``: a receiver that writes per certificate should subscribe
                         here and write the whole chunk in a few queries.
``certificate_issued``   the same news one certificate at a time, sent for each certificate of the
                         chunk right after ``certificates_issued``. Keyword arguments:
                         ``certificate`` (certificates.models.IssuedCertificate). Subscribe to one of
                         the two, not both.
``certificate_revoked``  sent after a revocation committed. Keyword arguments: ``certificate``,
                         ``reason`` (str).
``certificate_reissued`` sent after a name correction committed: same number, new version.
                         Keyword arguments: ``certificate`` (the current state), ``previous``
                         (the certificates.models.CertificateVersion just superseded).

Delivery is at least once: a worker killed between sending and recording the send
(``IssuedCertificate.announced_at``) sends again when the sweep finds the certificate unannounced.
Receivers must therefore be idempotent (key their records on ``certificate.number``), must not
raise (failures are logged and do not stop issuance: signals are sent with ``send_robust``), and a
receiver that must not miss anything should also run its own idempotent task over
``IssuedCertificate`` rows (design.md, Layers). Subscribe from the higher app's ``AppConfig.ready()``::

    from certificates.hooks import certificates_issued
    certificates_issued.connect(record_outcomes, dispatch_uid="credit_bank.record_outcomes")
"""

import logging

from django.dispatch import Signal

from certificates.issuance.models import IssuedCertificate

certificates_issued = Signal()
certificate_issued = Signal()
certificate_revoked = Signal()
certificate_reissued = Signal()

logger = logging.getLogger(__name__)


def send(signal: Signal, **kwargs) -> None:
    """Send ``signal`` to every receiver; a failing receiver is logged, never propagated."""
    for receiver, result in signal.send_robust(sender=IssuedCertificate, **kwargs):
        if isinstance(result, Exception):
            logger.error("certificate hook receiver %r failed: %r", receiver, result,
                         exc_info=(type(result), result, result.__traceback__))
