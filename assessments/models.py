"""The app's models, for Django: each is defined in its feature package (filings, trainers,
trainings, plans, sessions, registrations, results, reports)."""

from assessments.filings.models import Filing, FilingImport, FilingLevel, level_rank
from assessments.plans.models import AssessmentPlan, AssessmentPlanRow, PlanningWindow
from assessments.registrations.models import Registration
from assessments.reports.models import MonthlyReport, MonthlyReportRow
from assessments.results.models import Result, ResultAmendment, ScoreReview
from assessments.sessions.models import AssessmentSession, Site
from assessments.trainers.models import TrainerQualification
from assessments.trainings.models import CertificateTraining, HubeiCommitment, TeacherTraining, TrainingMode

__all__ = [
    "AssessmentPlan", "AssessmentPlanRow", "AssessmentSession", "CertificateTraining", "Filing", "FilingImport",
    "FilingLevel", "HubeiCommitment", "MonthlyReport", "MonthlyReportRow", "PlanningWindow", "Registration", "Result",
    "ResultAmendment", "ScoreReview", "Site", "TeacherTraining", "TrainerQualification", "TrainingMode", "level_rank",
]
