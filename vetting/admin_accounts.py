"""The user and group admin.

Users: Django's own admin, with every change of what an account may do (its groups and
roles, permissions, active, staff and superuser flags, password login), every rename and
deletion and every password an admin sets written to the audit trail in the transaction of
the change (vetting/services/accounts.py says what is kept). An admin cannot delete their
own account: the entry names them, and a user named in the trail is never deleted.

Groups: every change is audited alike. The role groups are known by their names
(vetting/permissions.py), so they can be neither renamed nor deleted here: either would
take the role from everyone holding it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin, sensitive_post_parameters_m
from django.contrib.auth.models import Group
from django.db import transaction

from vetting.models.registry import folded
from vetting.permissions import Role
from vetting.services import accounts

User = get_user_model()


def _locked(model, pk):
    """The stored row, locked until the change commits: a concurrent save of the same
    account waits, and then reads the state this one leaves (PostgreSQL; SQLite
    serializes writers anyway)."""
    return model.objects.select_for_update().get(pk=pk)


class AuditedUserAdmin(UserAdmin):
    """Only a superuser makes superusers, grants permissions (one by one, or to a group:
    AuditedGroupAdmin) or changes a superuser's account (its password, its e-mail for a
    reset): the admin role manages what people may do through the roles, which the trail
    names plainly. Otherwise an admin could make themselves a superuser."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # also its password (user_change_password asks this)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.pk == request.user.pk  # never one's own
                                or obj.is_superuser and not request.user.is_superuser):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # The stored state, read before the form's values are saved over it.
        obj._audit_before = (accounts.account_state(_locked(User, obj.pk))
                             if change else None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # groups and permissions
        user = form.instance
        accounts.account_change_record(actor_user=request.user, user=user,
                                       before=getattr(user, "_audit_before", None),
                                       after=accounts.account_state(user))

    def get_deleted_objects(self, objs, request):
        """An account that has acted is named by records that are never deleted (protected
        links). Django would blame missing permissions and list every record; say why in
        one line, and what to do instead."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:  # nothing is deleted while anything is protected
            protected = [f"{len(protected)} records of the vetting (assessments, answers, "
                         "documents, audit entries, ...) name this account, and records are "
                         "kept. To stop it signing in, untick “Active” instead."]
            perms_needed = set()
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        accounts.account_change_record(actor_user=request.user, user=obj,
                                       before=accounts.account_state(obj), after=None)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # "Delete selected" runs outside the admin's own transactions. (It has asked
        # has_delete_permission about each account: your own among them is refused.)
        with transaction.atomic():
            for user in queryset:
                accounts.account_change_record(actor_user=request.user, user=user,
                                               before=accounts.account_state(user), after=None)
            super().delete_queryset(request, queryset)

    @sensitive_post_parameters_m
    def user_change_password(self, request, id, form_url=""):
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        # Django's view saves without a transaction of its own: the entry needs one.
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            if user is not None:
                user = _locked(User, user.pk)
                before_hash, before = user.password, accounts.account_state(user)
            response = super().user_change_password(request, id, form_url)
            if user is not None:
                user.refresh_from_db(fields=["password"])
                if user.password != before_hash:
                    accounts.account_password_record(actor_user=request.user, user=user,
                                                     before=before,
                                                     after=accounts.account_state(user))
            return response


class GroupForm(forms.ModelForm):
    """A group named like a role ("Reviewer", "reviewers") would look like the role to
    whoever gives it, and give nothing: roles are known by their exact names."""

    class Meta:
        model = Group
        fields = ["name", "permissions"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        like = {folded(role) + ending: role for role in Role.values for ending in ("", "s")}
        role = like.get(folded(name))
        if role is not None and name != role:
            raise forms.ValidationError(
                f"“{name}” would look like the {role} role and give nothing: roles are the "
                f"groups named exactly practitioner, reviewer and admin. Give people the "
                f"“{role}” group itself, or choose another name.")
        return name


class AuditedGroupAdmin(GroupAdmin):
    form = GroupForm
    fields = ["name", "permissions"]  # the name first, also where it is read-only

    def get_readonly_fields(self, request, obj=None):
        fields = ("name",) if obj is not None and obj.name in Role.values else ()
        if not request.user.is_superuser:  # a group's permissions are a superuser's to give
            fields = (*fields, "permissions")
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.name in Role.values:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # "Delete selected" would not ask has_delete_permission about each group.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        obj._audit_before = accounts.group_state(_locked(Group, obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the permissions
        group = form.instance
        accounts.group_change_record(actor_user=request.user, group=group,
                                     before=getattr(group, "_audit_before", None),
                                     after=accounts.group_state(group))

    def delete_model(self, request, obj):
        accounts.group_change_record(actor_user=request.user, group=obj,
                                     before=accounts.group_state(obj, members=True),
                                     after=None)
        super().delete_model(request, obj)


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, AuditedGroupAdmin)
