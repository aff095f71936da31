"""Models of the assessment pipeline, one module per concern."""

from assessments.models.filings import Filing, FilingImport, FilingLevel, TrainerQualification, level_rank  # noqa: F401
from assessments.models.sessions import (  # noqa: F401
    AssessmentSession,
    Registration,
    Result,
    ResultAmendment,
    ScoreReview,
    Site,
)
