"""The app's models, for Django: each is defined in its feature package (orgs, institutions and
alliances, e-seals, supervision, complaints)."""

from organizations.complaints.models import Complaint, ComplaintEvidence, ComplaintNote
from organizations.institutions.models import Alliance, Enrolment, Institution
from organizations.orgs.models import Org
from organizations.seals.models import OrgSeal
from organizations.supervision.models import OrgAction, OrgActionEvidence

__all__ = [
    "Alliance",
    "Complaint",
    "ComplaintEvidence",
    "ComplaintNote",
    "Enrolment",
    "Institution",
    "Org",
    "OrgAction",
    "OrgActionEvidence",
    "OrgSeal",
]
