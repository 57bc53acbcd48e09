"""Helpers shared by the services: role checks and locked fetches."""

from __future__ import annotations

from collections.abc import Iterable

from vetting.models import Assessment, AssessmentState
from vetting.permissions import has_role

from .errors import InvalidState, NotAllowed


def require_role(user, roles: Iterable[str], action: str) -> None:
    if user is None or not has_role(user, roles):
        raise NotAllowed(f"Your role does not allow you to {action}.")


def lock_assessment(assessment: Assessment | int) -> Assessment:
    """Re-read the assessment with a row lock (PostgreSQL) for the transaction."""
    pk = assessment.pk if isinstance(assessment, Assessment) else assessment
    return (
        Assessment.objects.select_for_update()
        .select_related("checklist_version", "product")
        .get(pk=pk)
    )


def require_state(assessment: Assessment, states: Iterable[str], action: str) -> None:
    if assessment.state not in states:
        label = AssessmentState(assessment.state).label.lower()
        raise InvalidState(f"You cannot {action}: the assessment is {label}.")
