"""When the dashboard refreshes what changed, besides its 15-minute schedule: after a session's
status moves (finalized, cancelled), a chunk of certificates is issued or one revoked, and a fee
payment is recorded. Each asks once its transaction commits; requests join a refresh already queued
or running, so a batch of issuance chunks starts one or two refreshes, not one each. What changed is
known from the marks the database triggers left (``RollupChange``), not from these signals: they
only say when."""

from django.db.models.signals import post_save

from assessments.models import AssessmentSession
from certificates.hooks import certificate_revoked, certificates_issued
from fees.models import FeePayment
from pilot.dashboard.rollups import rollup_changes_on_commit


def _session_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields and "status" in update_fields:
        rollup_changes_on_commit("session")


def _issued(sender, **kwargs) -> None:
    rollup_changes_on_commit("issuance")


def _payment_saved(sender, instance, created=False, **kwargs) -> None:
    if created:
        rollup_changes_on_commit("payment")


def receivers_connect() -> None:
    post_save.connect(_session_saved, sender=AssessmentSession, dispatch_uid="pilot.rollups.session")
    certificates_issued.connect(_issued, dispatch_uid="pilot.rollups.issued")
    certificate_revoked.connect(_issued, dispatch_uid="pilot.rollups.revoked")
    post_save.connect(_payment_saved, sender=FeePayment, dispatch_uid="pilot.rollups.payment")
