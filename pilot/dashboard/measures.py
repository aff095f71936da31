"""What the dashboard counts: the measures of its rollup tables and the definitions they share. A leaf
module: the refresh (rollups) writes these measures and the selectors and lists read them."""

from assessments.models import AssessmentSession
from certificates.issuance.models import IssuedCertificate

HUBEI = "42"
# Sessions whose results are not final yet (passed, but not yet handed to issuance).
OPEN_SESSION = (AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED)
PILOT_MEASURES = ("declared", "planned", "plan_met", "teachers", "teachers_hubei", "trained_students", "trained_social",
                  "sessions", "registered", "assessed", "passed", "issued", "revoked", "not_finalized", "waiting",
                  "blocked", "failed")
INSTITUTION_MEASURES = ("declared", "registered", "assessed", "passed", "issued", "not_issued")

# Certificates issued from a pass in the portal (imported certificates have none and are counted apart):
# the rollups count them in the month of that pass, and the list behind the figure the same way.
ISSUED_FROM_PASSES = IssuedCertificate.objects.filter(origin=IssuedCertificate.Origin.ISSUED, request__isnull=False)
