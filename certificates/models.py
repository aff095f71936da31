"""The app's models, for Django: each is defined in its feature package (catalog, selection batches, issuance, paper copies)."""

from certificates.batches.models import ApplicationCertificate, BatchApplication
from certificates.catalog.models import (
    AssessmentType,
    Certificate,
    CertificateLevel,
    CertificateMajor,
    CertificateStandard,
    CertificateStatusChange,
    Level,
    SelectionBatch,
    level_lookup,
)
from certificates.credential.models import CredentialPage, VerificationCount
from certificates.issuance.models import (
    CertificateVersion,
    IssuanceBlock,
    IssuanceRequest,
    IssuedCertificate,
    NumberSequence,
    OfdSeal,
)
from certificates.paper_copies.models import PaperCopyOffer, PaperCopyOrder

__all__ = [
    "ApplicationCertificate",
    "AssessmentType",
    "BatchApplication",
    "Certificate",
    "CertificateLevel",
    "CertificateMajor",
    "CertificateStandard",
    "CertificateStatusChange",
    "CertificateVersion",
    "CredentialPage",
    "IssuanceBlock",
    "IssuanceRequest",
    "IssuedCertificate",
    "Level",
    "NumberSequence",
    "OfdSeal",
    "PaperCopyOffer",
    "PaperCopyOrder",
    "SelectionBatch",
    "VerificationCount",
    "level_lookup",
]
