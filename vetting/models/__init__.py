from .assessment import (
    CLOSED_STATES,
    DECIDED_STATES,
    EDITABLE_STATES,
    OPEN_STATES,
    Answer,
    AnswerSource,
    Assessment,
    AssessmentState,
    ChecklistVersion,
    Decision,
    DecisionOutcome,
    EvidenceDocument,
    ExpectedEvidence,
    InformationRequestTarget,
    Recommendation,
    ReviewComment,
    VendorSubmission,
)
from .audit import GENESIS_HASH, ActorKind, AuditChainHead, AuditEntry, AuditEvent
from .lots import (
    USABLE_LOT_STATUSES,
    Lot,
    LotStatus,
    ParticleMethod,
    Reminder,
    ReminderKind,
    Sterility,
    StorageOnArrival,
)
from .portal import Invitation, InvitationStatus
from .registry import Product, ProductCategory, ProductForm, Vendor, VendorContact, WorkerCheck
from .reports import Report, ReportStatus, SigningCertificate

__all__ = [
    "CLOSED_STATES", "DECIDED_STATES", "EDITABLE_STATES", "OPEN_STATES", "GENESIS_HASH",
    "ActorKind", "Answer", "AnswerSource", "Assessment", "AssessmentState", "AuditChainHead",
    "AuditEntry", "AuditEvent", "ChecklistVersion", "Decision", "DecisionOutcome",
    "EvidenceDocument", "ExpectedEvidence", "Invitation", "InvitationStatus",
    "InformationRequestTarget", "Product", "ProductCategory", "ProductForm", "Recommendation",
    "ReviewComment", "Report", "ReportStatus", "SigningCertificate",
    "Vendor", "VendorContact", "VendorSubmission", "WorkerCheck",
    "USABLE_LOT_STATUSES", "Lot", "LotStatus", "ParticleMethod", "Reminder", "ReminderKind",
    "Sterility", "StorageOnArrival",
]
