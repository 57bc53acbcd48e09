"""Roles and the one place where views check them.

Roles are Django groups created by a data migration (practitioner, reviewer,
admin) and checked by name here and nowhere else. A person may hold several.
Every later view uses `role_required` (function views) or `RoleRequiredMixin`
(class-based views), so who-may-do-what reads in one file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.urls import get_script_prefix


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    REVIEWER = "reviewer", "Reviewer"
    ADMIN = "admin", "Administrator"


# Staff roles see every record of the installation and may fill in assessments:
# reviewers and admins can do everything a practitioner can (product brief).
STAFF_ROLES: tuple[str, ...] = (Role.PRACTITIONER, Role.REVIEWER, Role.ADMIN)
REVIEWER_ROLES: tuple[str, ...] = (Role.REVIEWER,)
ADMIN_ROLES: tuple[str, ...] = (Role.ADMIN,)


def user_roles(user) -> frozenset[str]:
    """The role names a user holds; cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_vetting_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        if user.is_superuser:
            # A superuser administers the installation, but signing still
            # needs the reviewer role given explicitly.
            names.add(Role.ADMIN)
        cached = frozenset(names)
        user._vetting_roles = cached
    return cached


def has_role(user, roles: Iterable[str]) -> bool:
    return not user_roles(user).isdisjoint(roles)


def _check(request: HttpRequest, roles: Iterable[str]) -> None:
    if not has_role(request.user, roles):
        raise PermissionDenied("Your role does not allow this.")


def role_required(*roles: str) -> Callable:
    """Decorator: anonymous users go to the login page, other roles get 403."""
    allowed = roles or STAFF_ROLES

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            _check(request, allowed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based twin of `role_required`; set `allowed_roles` on the view."""

    allowed_roles: tuple[str, ...] = STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        _check(request, self.allowed_roles)
        return super().dispatch(request, *args, **kwargs)


def roles_context(request: HttpRequest) -> dict:
    """Template context: which roles the user holds, for navigation; and `root`, the
    site's path prefix ("/", or the SCRIPT_NAME it is served under), which list rows put
    before the paths they write out (a reverse() per row cost more than the row)."""
    roles = user_roles(getattr(request, "user", None))
    return {
        "root": get_script_prefix(),
        "user_roles": roles,
        "role_names": sorted(roles),  # the user menu's badges
        "is_staff_role": not roles.isdisjoint(STAFF_ROLES),
        "is_reviewer": Role.REVIEWER in roles,
        "is_admin_role": Role.ADMIN in roles,
    }


# Models the admin role manages in the admin site (users, roles and the
# vendor register); later issues add theirs here.
ADMIN_SITE_MODELS = {
    "auth": ("user", "group"),
    "vetting": (
        "vendor", "vendorcontact", "product", "workercheck",
        # Shown read-only: vetting/admin.py refuses add, change and delete whatever
        # the permission, since these change only through the services.
        "checklistversion", "assessment", "answer", "evidencedocument", "expectedevidence",
        "vendorsubmission", "decision", "reviewcomment", "invitation", "report",
        "signingcertificate", "lot", "reminder", "auditentry", "auditchainhead",
    ),
}


def grant_admin_role_permissions(sender=None, **kwargs) -> None:
    """Give the admin group the Django model permissions of ADMIN_SITE_MODELS."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=Role.ADMIN).first()
    if group is None:
        return
    for app_label, models_ in ADMIN_SITE_MODELS.items():
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model__in=models_
        )
        group.permissions.add(*permissions)
