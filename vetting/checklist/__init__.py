"""The vetting checklist as versioned data, and a pure-Python rules engine.

Nothing in this package imports Django: it loads checklist files, evaluates answers
and reads dossiers without a database, so the web app, the management commands,
the benchmark and the tests all share it.
"""

from .conditions import ConditionError, Context, Truth
from .dossier import Dossier, DossierError, dossier_to_dict, load_dossier, parse_dossier
from .engine import (
    DomainScore,
    Evaluation,
    Evidence,
    Finding,
    Gap,
    Recommendation,
    Severity,
    SummaryScore,
    evaluate,
)
from .schema import (
    Checklist,
    ChecklistError,
    Domain,
    Field,
    Question,
    Rule,
    SourceGroup,
    UnknownVersion,
    answer_problems,
    bundled_versions,
    get_checklist,
    latest_version,
    load_checklist,
    parse_checklist,
)

__all__ = [
    "Checklist",
    "ChecklistError",
    "ConditionError",
    "Context",
    "Domain",
    "DomainScore",
    "Dossier",
    "DossierError",
    "Evaluation",
    "Evidence",
    "Field",
    "Finding",
    "Gap",
    "Question",
    "Recommendation",
    "Rule",
    "Severity",
    "SourceGroup",
    "SummaryScore",
    "Truth",
    "UnknownVersion",
    "bundled_versions",
    "answer_problems",
    "dossier_to_dict",
    "evaluate",
    "get_checklist",
    "latest_version",
    "load_checklist",
    "load_dossier",
    "parse_checklist",
    "parse_dossier",
]
