"""The role groups and the one permission module every view uses."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from vetting.permissions import (
    STAFF_ROLES,
    Role,
    RoleRequiredMixin,
    has_role,
    role_required,
    user_roles,
)

pytestmark = pytest.mark.django_db


def test_data_migration_creates_the_three_role_groups():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"practitioner", "reviewer", "admin"} <= names


def test_admin_group_may_manage_users_roles_and_vendors():
    codenames = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert {"add_user", "change_user", "change_group", "add_vendor", "change_vendor"} <= codenames


def test_user_roles_are_read_from_groups_by_name(make_user):
    user = make_user(Role.PRACTITIONER, Role.REVIEWER)
    assert user_roles(user) == {"practitioner", "reviewer"}
    assert has_role(user, [Role.REVIEWER])
    assert not has_role(user, [Role.ADMIN])


def test_groups_with_other_names_are_not_roles(make_user):
    user = make_user("marketing")
    assert user_roles(user) == frozenset()


def test_inactive_and_anonymous_users_hold_no_role(make_user):
    user = make_user(Role.ADMIN, is_active=False)
    assert user_roles(user) == frozenset()
    assert user_roles(AnonymousUser()) == frozenset()


def test_superuser_counts_as_admin_but_not_reviewer(django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@x.example", "pw-root-123456")
    assert user_roles(root) == {"admin"}


@role_required(Role.REVIEWER)
def reviewer_only(request):
    return HttpResponse("ok")


class StaffOnly(RoleRequiredMixin, View):
    def get(self, request):
        return HttpResponse("ok")


def request_as(user):
    request = RequestFactory().get("/somewhere/?x=1")
    request.user = user
    return request


def test_role_required_sends_anonymous_users_to_login():
    response = reviewer_only(request_as(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/somewhere/%3Fx%3D1"


def test_role_required_refuses_other_roles(make_user):
    with pytest.raises(PermissionDenied):
        reviewer_only(request_as(make_user(Role.PRACTITIONER, Role.ADMIN)))


def test_role_required_lets_the_role_through(make_user):
    assert reviewer_only(request_as(make_user(Role.REVIEWER))).status_code == 200


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_mixin_lets_every_staff_role_through(make_user, role):
    assert StaffOnly.as_view()(request_as(make_user(role))).status_code == 200


def test_mixin_refuses_a_user_without_role(make_user):
    with pytest.raises(PermissionDenied):
        StaffOnly.as_view()(request_as(make_user()))


def test_mixin_sends_anonymous_users_to_login():
    response = StaffOnly.as_view()(request_as(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_user_menu_names_the_users_roles(client_for, make_user):
    """A badge per role beside the user's name, in alphabetical order (the template sorted
    a set of names with dictsort, which gives nothing for plain strings: no badge showed)."""
    content = client_for(make_user("reviewer", "admin", first_name="Rita", last_name="Mo")).get(
        "/").content.decode()
    badges = re.findall(r'<span class="badge text-bg-light ms-1">(\w+)</span>', content)
    assert badges == ["admin", "reviewer"]
    assert "Rita Mo" in content
