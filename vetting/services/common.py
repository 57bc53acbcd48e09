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


SIGNING_LOCKOUT_SECONDS = 15 * 60


def password_confirms(user, password: str) -> bool:
    """Re-entered password for a signature; too many wrong ones lock signing for a while.

    The login lock-out does not cover this check, so a stolen session could otherwise
    guess the signer's password here without limit.
    """
    from django.conf import settings
    from django.core.cache import cache

    key = f"signing-failures:{user.pk}"
    if cache.get(key, 0) >= settings.AXES_FAILURE_LIMIT:
        raise NotAllowed("Too many wrong passwords: signing is locked for 15 minutes.",
                         field="password")
    if user.check_password(password or ""):
        cache.delete(key)
        return True
    cache.add(key, 0, SIGNING_LOCKOUT_SECONDS)
    cache.incr(key)
    # 15 minutes from the last failure on every cache (the file cache's incr would reset it
    # to its 5-minute default; Redis's would keep the first failure's).
    cache.touch(key, SIGNING_LOCKOUT_SECONDS)
    return False


def require_signing_password(user, password: str, *, assessment, obj, summary: str,
                             after: dict, refused: str) -> None:
    """Refuse a signature without the right password, auditing the refusal."""
    from django.db import transaction

    from vetting.audit import Actor, audit_record
    from vetting.models import AuditEvent

    try:
        confirmed = password_confirms(user, password)
    except NotAllowed as locked:  # signing is locked: the attempt is on record too
        summary, refused = f"{summary.split(':')[0]}: signing locked", locked.message
        confirmed = False
    if confirmed:
        return
    # Audited in its own transaction: the refusal must stay on record.
    with transaction.atomic():
        audit_record(actor=Actor.for_user(user), event=AuditEvent.SIGNATURE,
                     assessment=assessment, obj=obj, summary=summary, after=after)
    raise NotAllowed(refused, field="password")
