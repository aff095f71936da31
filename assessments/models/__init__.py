"""Models of the assessment pipeline, one module per concern."""

from assessments.models.filings import Filing, FilingImport, FilingLevel, TrainerQualification, level_rank  # noqa: F401
from assessments.models.plans import AssessmentPlan, AssessmentPlanRow, PlanningWindow  # noqa: F401
from assessments.models.reports import MonthlyReport, MonthlyReportRow  # noqa: F401
from assessments.models.sessions import (  # noqa: F401
    AssessmentSession,
    Registration,
    Result,
    ResultAmendment,
    ScoreReview,
    Site,
)
from assessments.models.trainings import CertificateTraining, HubeiCommitment, TeacherTraining, TrainingMode  # noqa: F401
