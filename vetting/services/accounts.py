"""Accounts, roles and groups, as the admin role changes them in the admin site.

Roles are groups (vetting/permissions.py): whoever holds the reviewer role may sign
decisions, and a model permission such as `auth.change_user` lets its holder give roles.
So who gave or took a role, a group or a permission, and when, belongs in the audit trail
beside the decisions it made possible. Django's user and group admin save through their
own forms; they call these inside the same transaction (vetting/admin_accounts.py).
"""

from __future__ import annotations

from typing import Any

from vetting.audit import Actor, audit_record
from vetting.models import AuditEvent
from vetting.permissions import Role

FLAGS = (("active", "deactivated", "reactivated"),
         ("staff", "admin site access taken away", "admin site access given"),
         ("superuser", "superuser status taken away", "made a superuser"),
         ("password_login", "password login disabled", "password login enabled"))


def _permissions(permissions) -> list[str]:
    return sorted(f"{app}.{codename}" for app, codename in permissions.values_list(
        "content_type__app_label", "codename"))


def account_state(user) -> dict[str, Any]:
    """What the audit trail keeps of an account: never its password or its hash."""
    return {"username": user.get_username(), "active": user.is_active,
            "staff": user.is_staff, "superuser": user.is_superuser,
            "password_login": user.has_usable_password(),
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "permissions": _permissions(user.user_permissions)}


def _added_and_removed(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    return sorted(set(after) - set(before)), sorted(set(before) - set(after))


def _permission_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    added, removed = _added_and_removed(before["permissions"], after["permissions"])
    return ([f"permission given: {', '.join(added)}"] if added else []) + (
        [f"permission taken away: {', '.join(removed)}"] if removed else [])


def account_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The changes between two account states, in words."""
    if before is None:
        return [f"created (groups: {', '.join(after['groups']) or 'none'})"]
    if after is None:
        return ["deleted"]
    changes = []
    if before["username"] != after["username"]:
        changes.append(f"renamed from {before['username']}")
    added, removed = _added_and_removed(before["groups"], after["groups"])
    for names, role_words, group_words in ((added, "role given", "added to group"),
                                           (removed, "role taken away", "removed from group")):
        roles = [name for name in names if name in Role.values]
        others = [name for name in names if name not in Role.values]
        changes += [f"{words}: {', '.join(group)}" for words, group in
                    ((role_words, roles), (group_words, others)) if group]
    changes += _permission_changes(before, after)
    for flag, off, on in FLAGS:
        if before[flag] != after[flag]:
            changes.append(on if after[flag] else off)
    return changes


def account_change_record(*, actor_user, user, before: dict[str, Any] | None,
                          after: dict[str, Any] | None) -> bool:
    """Audit a change of what an account may do, or of its name (None: created /
    deleted). Returns False, writing nothing, when nothing the trail keeps has changed
    (an edit of the person's name or e-mail address only)."""
    changes = account_changes(before, after)
    if not changes:
        return False
    username = (after or before)["username"]
    audit_record(actor=Actor.for_user(actor_user), event=AuditEvent.RECORD_CHANGE, obj=user,
                 summary=f"Account {username}: " + "; ".join(changes),
                 before=before, after=after)
    return True


def account_password_record(*, actor_user, user, before: dict[str, Any],
                            after: dict[str, Any]) -> None:
    """Audit a password an admin set for an account (or password login disabled); that it
    happened, never the password or its hash."""
    changes = account_changes(before, after) or ["password set by an admin"]
    audit_record(actor=Actor.for_user(actor_user), event=AuditEvent.RECORD_CHANGE, obj=user,
                 summary=f"Account {user.get_username()}: " + "; ".join(changes),
                 before=before, after=after)
    login_failures_clear(user)


def login_failures_clear(user) -> None:
    """Lift a lock-out after too many failed log-ins (django-axes' records of the account's
    failures, from every address): a new password set by an admin, or reset through the
    e-mailed link, is the way back in that the lock-out page offers."""
    from axes.utils import reset

    reset(username=user.get_username())


def own_password_record(*, user, how: str) -> None:
    """Audit a user's own password change (`how`: "changed" on the password page, or
    "reset" through the e-mailed link): the password signs decisions. That it happened,
    never the password or its hash."""
    audit_record(actor=Actor.for_user(user), event=AuditEvent.RECORD_CHANGE, obj=user,
                 summary=f"Account {user.get_username()}: password {how} by its user")
    if how == "reset":
        login_failures_clear(user)


def group_state(group, *, members: bool = False) -> dict[str, Any]:
    state = {"name": group.name, "permissions": _permissions(group.permissions)}
    if members:  # what a deletion takes away from each of them
        state["members"] = sorted(group.user_set.values_list("username", flat=True))
    return state


def group_change_record(*, actor_user, group, before: dict[str, Any] | None,
                        after: dict[str, Any] | None) -> bool:
    """Audit a group created, renamed, deleted or given or refused permissions."""
    if before is None:
        changes = [f"created (permissions: {', '.join(after['permissions']) or 'none'})"]
    elif after is None:
        changes = [f"deleted (members: {', '.join(before['members']) or 'none'})"]
    else:
        changes = [f"renamed from {before['name']}"] if before["name"] != after["name"] else []
        changes += _permission_changes(before, after)
    if not changes:
        return False
    audit_record(actor=Actor.for_user(actor_user), event=AuditEvent.RECORD_CHANGE, obj=group,
                 summary=f"Group {(after or before)['name']}: " + "; ".join(changes),
                 before=before, after=after)
    return True
