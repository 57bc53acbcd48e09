"""Accounts and roles, as the admin role changes them in the admin site.

Roles are groups (vetting/permissions.py): whoever holds the reviewer role may sign
decisions, so who gave or took a role, and when, belongs in the audit trail beside the
decisions it made possible. Django's user admin saves the account through its own
forms; it calls these inside the same transaction (vetting/admin_accounts.py).
"""

from __future__ import annotations

from typing import Any

from vetting.audit import Actor, audit_record
from vetting.models import AuditEvent

FLAGS = (("active", "deactivated", "reactivated"),
         ("staff", "admin site access taken away", "admin site access given"),
         ("superuser", "superuser status taken away", "made a superuser"))


def account_state(user) -> dict[str, Any]:
    """What the audit trail keeps of an account: never its password or its hash."""
    return {"username": user.get_username(), "active": user.is_active,
            "staff": user.is_staff, "superuser": user.is_superuser,
            "roles": sorted(user.groups.values_list("name", flat=True))}


def account_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The changes between two account states, in words."""
    if before is None:
        roles = ", ".join(after["roles"]) or "none"
        return [f"created (roles: {roles})"]
    if after is None:
        return ["deleted"]
    changes = [f"renamed from {before['username']}"] if before["username"] != after[
        "username"] else []
    given = sorted(set(after["roles"]) - set(before["roles"]))
    taken = sorted(set(before["roles"]) - set(after["roles"]))
    if given:
        changes.append("role given: " + ", ".join(given))
    if taken:
        changes.append("role taken away: " + ", ".join(taken))
    for flag, off, on in FLAGS:
        if before[flag] != after[flag]:
            changes.append(on if after[flag] else off)
    return changes


def account_change_record(*, actor_user, user, before: dict[str, Any] | None,
                          after: dict[str, Any] | None) -> bool:
    """Audit a change of an account's roles, access or name (None: created / deleted).

    Returns False, writing nothing, when nothing the trail keeps has changed (an edit of
    the name or e-mail address only)."""
    changes = account_changes(before, after)
    if not changes:
        return False
    username = (after or before)["username"]
    audit_record(actor=Actor.for_user(actor_user), event=AuditEvent.RECORD_CHANGE, obj=user,
                 summary=f"Account {username}: " + "; ".join(changes),
                 before=before, after=after)
    return True


def account_password_record(*, actor_user, user, usable: bool) -> None:
    """Audit a password set (or password login disabled) by an admin for someone else's
    account; the password itself is never recorded."""
    what = "password set by an admin" if usable else "password login disabled"
    audit_record(actor=Actor.for_user(actor_user), event=AuditEvent.RECORD_CHANGE, obj=user,
                 summary=f"Account {user.get_username()}: {what}",
                 after={"username": user.get_username(), "password_login": usable})

