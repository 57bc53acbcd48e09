"""Services: the one place where records change (see design/style.md).

Views, forms, tasks, commands and the admin call these functions; each runs in a
transaction, checks who may act, and writes its audit entry in that transaction.
"""

from .answers import (
    answer_set,
    answers_locked,
    evidence_download_record,
    evidence_upload,
    vendor_may_write,
)
from .checklists import checklist_load_file, checklists_load_all
from .dossiers import assessment_export, assessment_import
from .errors import InvalidInput, InvalidState, NotAllowed, ServiceError
from .evaluation import assessment_evaluation, assessment_refresh, clinic_today
from .lifecycle import (
    assessment_create,
    assessment_invite,
    assessment_overtake,
    assessment_request_information,
    assessment_resubmit,
    assessment_submit_for_review,
    assessment_supersede,
    assessment_suspend,
    assessment_vendor_submit,
    assessment_withdraw,
    newest_checklist_version,
)
from .review import (
    assessment_decide,
    clean_spec,
    decision_problems,
    reference_lot_spec,
    review_comment_add,
    reviewed_content,
    spec_problems,
)
from .system import worker_check_complete, worker_check_start

__all__ = [
    "InvalidInput", "InvalidState", "NotAllowed", "ServiceError",
    "answer_set", "answers_locked", "assessment_create", "assessment_decide", "clean_spec",
    "reference_lot_spec",
    "reviewed_content", "decision_problems", "spec_problems",
    "review_comment_add",
    "assessment_evaluation", "assessment_export",
    "assessment_import", "assessment_invite", "assessment_overtake", "assessment_refresh",
    "assessment_request_information", "assessment_resubmit", "assessment_submit_for_review",
    "assessment_supersede", "assessment_suspend", "assessment_vendor_submit",
    "assessment_withdraw", "checklist_load_file", "checklists_load_all", "clinic_today",
    "evidence_download_record", "evidence_upload", "newest_checklist_version",
    "vendor_may_write", "worker_check_complete",
    "worker_check_start",
]
