"""The user and group admin: roles, groups and permissions given and taken, access changed,
accounts and groups created, renamed and deleted and passwords set are each an audit entry
in the same transaction as the change; the role groups keep their names."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from vetting.audit import verify_chain
from vetting.models import AuditEntry, AuditEvent


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def staff_member(make_user):
    return make_user("practitioner", username="sam")


def change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def change_data(user, *, roles: list[str], permissions: tuple[str, ...] = (),
                **fields) -> dict:
    """The user change form as the admin site posts it."""
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email,
            "groups": [Group.objects.get(name=name).pk for name in roles],
            "user_permissions": [permission(name).pk for name in permissions],
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "last_login_0": "", "last_login_1": "", "_save": "Save"}
    flags = {"is_active": user.is_active, "is_staff": user.is_staff,
             "is_superuser": user.is_superuser}
    flags.update(fields.pop("flags", {}))
    data.update({name: "on" for name, on in flags.items() if on})
    data.update(fields)
    return data


def roles_of(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def account_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="User").order_by("seq"))


def test_giving_a_role_is_audited_with_who_gave_it(admin_client, admin_user, staff_member):
    response = admin_client.post(change_url(staff_member),
                                 change_data(staff_member, roles=["practitioner", "reviewer"]))
    assert response.status_code == 302
    assert roles_of(staff_member) == ["practitioner", "reviewer"]
    [entry] = account_entries()
    assert entry.event == AuditEvent.RECORD_CHANGE
    assert (entry.actor_user, entry.object_id) == (admin_user, str(staff_member.pk))
    assert entry.summary == "Account sam: role given: reviewer"
    assert (entry.before["groups"], entry.after["groups"]) == (["practitioner"],
                                                               ["practitioner", "reviewer"])
    assert verify_chain().ok


def test_taking_a_role_away_and_deactivating_are_one_entry(admin_client, make_user):
    user = make_user("practitioner", "reviewer", username="rita")
    data = change_data(user, roles=["practitioner"], flags={"is_active": False})
    admin_client.post(change_url(user), data)
    user.refresh_from_db()
    assert (roles_of(user), user.is_active) == (["practitioner"], False)
    [entry] = account_entries()
    assert entry.summary == "Account rita: role taken away: reviewer; deactivated"


@pytest.fixture
def superuser_client(client_for, make_user):
    return client_for(make_user("admin", username="root", is_staff=True, is_superuser=True))


def test_admin_site_access_and_superuser_status_are_audited(superuser_client, staff_member):
    data = change_data(staff_member, roles=["practitioner"],
                       flags={"is_staff": True, "is_superuser": True})
    superuser_client.post(change_url(staff_member), data)
    [entry] = account_entries()
    assert entry.summary == "Account sam: admin site access given; made a superuser"


def test_an_edit_of_name_or_address_only_is_saved_without_an_entry(admin_client,
                                                                    staff_member):
    data = change_data(staff_member, roles=["practitioner"], first_name="Samira",
                       email="samira@clinic.example")
    assert admin_client.post(change_url(staff_member), data).status_code == 302
    staff_member.refresh_from_db()
    assert (staff_member.first_name, staff_member.email) == ("Samira", "samira@clinic.example")
    assert account_entries() == []


def test_a_renamed_account_keeps_its_old_name_in_the_entry(admin_client, staff_member):
    admin_client.post(change_url(staff_member),
                      change_data(staff_member, roles=["practitioner"], username="samira"))
    [entry] = account_entries()
    assert entry.summary == "Account samira: renamed from sam"


def test_a_new_account_is_audited_with_its_roles(admin_client, admin_user):
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "newbie", "usable_password": "true", "password1": "a-long-pass-phrase-1",
        "password2": "a-long-pass-phrase-1", "_save": "Save"})
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    [entry] = account_entries()
    assert (entry.object_id, entry.actor_user) == (str(user.pk), admin_user)
    assert entry.summary == "Account newbie: created (groups: none)"
    assert entry.after["password_login"] is True
    assert entry.before is None


def test_a_deleted_account_is_audited(admin_client, staff_member):
    pk = staff_member.pk
    response = admin_client.post(reverse("admin:auth_user_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    [entry] = account_entries()
    assert (entry.summary, entry.object_id) == ("Account sam: deleted", str(pk))
    assert entry.before["groups"] == ["practitioner"] and entry.after is None


def test_an_account_named_by_records_is_kept_and_the_page_says_why(admin_client,
                                                                   practitioner, assessment):
    url = reverse("admin:auth_user_delete", args=[practitioner.pk])
    page = admin_client.get(url).content.decode()
    assert "records are kept. To stop it signing in, untick “Active” instead." in page
    assert "doesn&#x27;t have permission" not in page and "doesn't have permission" not in page
    count = AuditEntry.objects.count()
    admin_client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=practitioner.pk).exists()
    assert AuditEntry.objects.count() == count


def test_accounts_deleted_together_are_each_audited(admin_client, make_user):
    users = [make_user(username=f"gone{i}") for i in range(2)]
    response = admin_client.post(reverse("admin:auth_user_changelist"), {
        "action": "delete_selected", "_selected_action": [u.pk for u in users], "post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username__startswith="gone").exists()
    assert sorted(e.summary for e in account_entries()) == ["Account gone0: deleted",
                                                           "Account gone1: deleted"]


def test_a_password_set_by_an_admin_is_audited_without_the_password(admin_client,
                                                                     staff_member):
    url = reverse("admin:auth_user_password_change", args=[staff_member.pk])
    response = admin_client.post(url, {"password1": "another-long-phrase-2",
                                       "password2": "another-long-phrase-2",
                                       "usable_password": "true"})
    assert response.status_code == 302
    staff_member.refresh_from_db()
    assert staff_member.check_password("another-long-phrase-2")
    [entry] = account_entries()
    assert entry.summary == "Account sam: password set by an admin"
    stored = f"{entry.summary}{entry.before}{entry.after}"
    assert "another-long-phrase-2" not in stored and staff_member.password not in stored


def test_a_refused_password_writes_nothing(admin_client, staff_member):
    url = reverse("admin:auth_user_password_change", args=[staff_member.pk])
    old = staff_member.password
    response = admin_client.post(url, {"password1": "one-long-phrase-3",
                                       "password2": "other-long-phrase-4",
                                       "usable_password": "true"})
    assert response.status_code == 200
    staff_member.refresh_from_db()
    assert staff_member.password == old and account_entries() == []


def test_an_invalid_form_changes_nothing_and_writes_nothing(admin_client, staff_member):
    data = change_data(staff_member, roles=["practitioner", "reviewer"], username="")
    assert admin_client.post(change_url(staff_member), data).status_code == 200
    assert roles_of(staff_member) == ["practitioner"] and account_entries() == []


def test_a_role_change_is_not_kept_when_its_entry_cannot_be_written(admin_client,
                                                                     staff_member,
                                                                     monkeypatch):
    refuse_audit(monkeypatch)
    with pytest.raises(RuntimeError):
        admin_client.post(change_url(staff_member),
                          change_data(staff_member, roles=["practitioner", "reviewer"]))
    assert roles_of(staff_member) == ["practitioner"]


@pytest.mark.parametrize("role", ["practitioner", "reviewer"])
def test_other_roles_cannot_give_roles(client_for, make_user, staff_member, role):
    client = client_for(make_user(role, is_staff=True))
    response = client.post(change_url(staff_member),
                           change_data(staff_member, roles=["practitioner", "reviewer"]))
    assert response.status_code == 403
    assert roles_of(staff_member) == ["practitioner"] and account_entries() == []


def test_anonymous_cannot_give_roles(client_for, staff_member):
    response = client_for(None).post(change_url(staff_member),
                                     change_data(staff_member, roles=["reviewer"]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert roles_of(staff_member) == ["practitioner"] and account_entries() == []


def test_a_permission_given_to_an_account_is_audited(superuser_client, staff_member):
    data = change_data(staff_member, roles=["practitioner"], permissions=("auth.change_user",))
    superuser_client.post(change_url(staff_member), data)
    assert staff_member.has_perm("auth.change_user")
    [entry] = account_entries()
    assert entry.summary == "Account sam: permission given: auth.change_user"
    assert entry.after["permissions"] == ["auth.change_user"]


def test_a_group_that_is_not_a_role_is_named_as_a_group(admin_client, staff_member):
    Group.objects.create(name="night shift")
    admin_client.post(change_url(staff_member),
                      change_data(staff_member, roles=["practitioner", "night shift"]))
    [entry] = account_entries()
    assert entry.summary == "Account sam: added to group: night shift"


def test_password_login_disabled_by_an_admin_is_audited(admin_client, staff_member):
    url = reverse("admin:auth_user_password_change", args=[staff_member.pk])
    response = admin_client.post(url, {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    staff_member.refresh_from_db()
    assert not staff_member.has_usable_password()
    [entry] = account_entries()
    assert entry.summary == "Account sam: password login disabled"
    assert (entry.before["password_login"], entry.after["password_login"]) == (True, False)


def test_an_admin_cannot_delete_their_own_account(admin_client, admin_user):
    response = admin_client.post(reverse("admin:auth_user_delete", args=[admin_user.pk]),
                                 {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=admin_user.pk).exists() and account_entries() == []


def test_an_admin_cannot_delete_their_own_account_among_others(admin_client, admin_user,
                                                                staff_member):
    response = admin_client.post(reverse("admin:auth_user_changelist"), {
        "action": "delete_selected", "_selected_action": [admin_user.pk, staff_member.pk],
        "post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk__in=[admin_user.pk, staff_member.pk]).count() == 2
    assert account_entries() == []


def refuse_audit(monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr("vetting.services.accounts.audit_record", refuse)


def test_a_deletion_is_not_kept_when_its_entry_cannot_be_written(admin_client, staff_member,
                                                                  monkeypatch):
    refuse_audit(monkeypatch)
    with pytest.raises(RuntimeError):
        admin_client.post(reverse("admin:auth_user_delete", args=[staff_member.pk]),
                          {"post": "yes"})
    assert User.objects.filter(pk=staff_member.pk).exists()


def test_a_bulk_deletion_is_not_kept_when_an_entry_cannot_be_written(admin_client, make_user,
                                                                     monkeypatch):
    users = [make_user(username=f"kept{i}") for i in range(2)]
    refuse_audit(monkeypatch)
    with pytest.raises(RuntimeError):
        admin_client.post(reverse("admin:auth_user_changelist"), {
            "action": "delete_selected", "_selected_action": [u.pk for u in users],
            "post": "yes"})
    assert User.objects.filter(username__startswith="kept").count() == 2


def test_a_password_is_not_kept_when_its_entry_cannot_be_written(admin_client, staff_member,
                                                                 monkeypatch):
    old = staff_member.password
    refuse_audit(monkeypatch)
    with pytest.raises(RuntimeError):
        admin_client.post(reverse("admin:auth_user_password_change", args=[staff_member.pk]),
                          {"password1": "another-long-phrase-2",
                           "password2": "another-long-phrase-2", "usable_password": "true"})
    staff_member.refresh_from_db()
    assert staff_member.password == old


# Groups

def group_url(group, view: str = "change") -> str:
    return reverse(f"admin:auth_group_{view}", args=[group.pk])


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_a_role_group_cannot_be_renamed(admin_client, role):
    group = Group.objects.get(name=role)
    response = admin_client.post(group_url(group), {"name": "renamed", "permissions": []})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == role


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_a_role_group_cannot_be_deleted(admin_client, staff_member, role):
    group = Group.objects.get(name=role)
    response = admin_client.post(group_url(group, "delete"), {"post": "yes"})
    assert response.status_code == 403
    assert Group.objects.filter(name=role).exists()
    assert roles_of(staff_member) == ["practitioner"]


def test_groups_cannot_be_deleted_in_bulk(admin_client):
    roles = list(Group.objects.values_list("pk", flat=True))
    admin_client.post(reverse("admin:auth_group_changelist"), {
        "action": "delete_selected", "_selected_action": roles, "post": "yes"})
    # The action is not offered: the admin site answers with its list again.
    assert Group.objects.count() == len(roles) and group_entries() == []


def group_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="Group").order_by("seq"))


def test_a_role_groups_permissions_are_audited(client_for, make_user):
    root = make_user("admin", username="root", is_staff=True, is_superuser=True)
    group = Group.objects.get(name="reviewer")
    response = client_for(root).post(group_url(group), {
        "permissions": [permission("auth.change_user").pk]})
    assert response.status_code == 302
    [entry] = group_entries()
    assert entry.actor_user == root
    assert entry.summary == "Group reviewer: permission given: auth.change_user"
    assert (entry.before["permissions"], entry.after["permissions"]) == (
        [], ["auth.change_user"])


def test_another_group_can_be_renamed_and_is_audited(admin_client):
    group = Group.objects.create(name="night shift")
    response = admin_client.post(group_url(group), {"name": "late shift", "permissions": []})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "late shift"
    [entry] = group_entries()
    assert entry.summary == "Group late shift: renamed from night shift"


def test_another_group_can_be_created_and_deleted_and_both_are_audited(superuser_client,
                                                                       staff_member):
    admin_client = superuser_client
    response = admin_client.post(reverse("admin:auth_group_add"), {
        "name": "night shift", "permissions": [permission("vetting.view_vendor").pk]})
    assert response.status_code == 302
    group = Group.objects.get(name="night shift")
    staff_member.groups.add(group)
    response = admin_client.post(group_url(group, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(name="night shift").exists()
    assert [e.summary for e in group_entries()] == [
        "Group night shift: created (permissions: vetting.view_vendor)",
        "Group night shift: deleted (members: sam)"]


def test_a_group_change_is_not_kept_when_its_entry_cannot_be_written(superuser_client,
                                                                      monkeypatch):
    group = Group.objects.get(name="reviewer")
    refuse_audit(monkeypatch)
    with pytest.raises(RuntimeError):
        superuser_client.post(group_url(group),
                              {"permissions": [permission("auth.change_user").pk]})
    assert not group.permissions.exists()


@pytest.mark.parametrize("role", ["practitioner", "reviewer"])
def test_other_roles_cannot_change_groups(client_for, make_user, role):
    group = Group.objects.get(name="reviewer")
    client = client_for(make_user(role, is_staff=True))
    response = client.post(group_url(group), {"permissions": [permission("auth.change_user").pk]})
    assert response.status_code == 403
    assert not group.permissions.exists() and group_entries() == []


def test_an_admin_who_is_not_a_superuser_cannot_make_superusers_or_grant_permissions(
        admin_client, admin_user, staff_member):
    """The admin role manages what people may do through roles; an admin could make
    themselves a superuser (and grant themselves the deletion of audit entries)."""
    page = admin_client.get(change_url(admin_user)).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    for user in (admin_user, staff_member):
        data = change_data(user, roles=roles_of(user), flags={"is_superuser": True},
                           permissions=("vetting.delete_auditentry",))
        assert admin_client.post(change_url(user), data).status_code == 302
        user.refresh_from_db()
        assert not user.is_superuser and not user.user_permissions.exists()
    assert account_entries() == []  # nothing changed, nothing recorded


def test_an_admin_cannot_change_a_superusers_account_or_password(admin_client, make_user):
    """Setting a superuser's password (or its e-mail, for a reset) would be signing in as
    it."""
    root = make_user("admin", username="root", is_staff=True, is_superuser=True)
    before = root.password
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "taken-over-phrase-1", "password2": "taken-over-phrase-1",
         "usable_password": "true"})
    assert response.status_code == 403
    response = admin_client.post(change_url(root), change_data(
        root, roles=["admin"], email="ada@clinic.example", flags={"is_superuser": True}))
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.password == before and root.email != "ada@clinic.example"
    assert account_entries() == []


def test_an_admin_cannot_give_a_group_permissions(admin_client, admin_user):
    """A group with the deletion of audit entries, joined by the admin, was the other way to
    a superuser's powers."""
    response = admin_client.post(reverse("admin:auth_group_add"), {
        "name": "x", "permissions": [permission("vetting.delete_auditentry").pk]})
    assert response.status_code == 302
    assert not Group.objects.get(name="x").permissions.exists()
    group = Group.objects.get(name="admin")
    before = set(group.permissions.values_list("pk", flat=True))
    admin_client.post(group_url(group), {
        "permissions": [*before, permission("vetting.delete_auditentry").pk]})
    assert set(group.permissions.values_list("pk", flat=True)) == before


@pytest.mark.parametrize("name", ["Reviewer", "reviewers", " ADMIN ", "Practitioner"])
def test_a_group_named_like_a_role_is_refused(superuser_client, name):
    response = superuser_client.post(reverse("admin:auth_group_add"), {"name": name})
    assert response.status_code == 200
    assert "would look like the" in response.content.decode()
    assert Group.objects.count() == 3 and group_entries() == []


def test_a_group_of_another_name_is_created(superuser_client):
    response = superuser_client.post(reverse("admin:auth_group_add"), {"name": "night shift"})
    assert response.status_code == 302
