"""Login, logout, password change and reset, deactivated users, throttling."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail

from tests.conftest import PASSWORD
from vetting.audit import verify_chain
from vetting.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_login_page_is_public(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_login_with_the_right_password_opens_the_dashboard(client, practitioner):
    response = client.post("/accounts/login/", {"username": "pia", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, practitioner):
    response = client.post("/accounts/login/", {"username": "pia", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    # Announced by a screen reader as the page shows it (crispy's errors.html, overridden).
    assert b'<div class="alert alert-block alert-danger" role="alert">' in response.content
    assert "_auth_user_id" not in client.session


def test_deactivated_user_is_refused(client, make_user):
    make_user("practitioner", username="gone", is_active=False)
    response = client.post("/accounts/login/", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_is_throttled_after_repeated_failures(client, practitioner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "pia", "password": "wrong"})
    # Even the right password is refused while the lock-out lasts.
    response = client.post("/accounts/login/", {"username": "pia", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="pia").failures_since_start >= 5


def lock_out(client, settings, username="pia"):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/accounts/login/", {"username": username, "password": "wrong"})
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}
                       ).status_code == 429


def test_a_password_reset_lifts_the_lock_out_as_its_page_says(client, practitioner, settings):
    lock_out(client, settings)
    client.post("/accounts/password_reset/", {"email": "pia@clinic.example"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    new = "a-brand-new-passphrase-42"
    client.post(client.get(link)["Location"], {"new_password1": new, "new_password2": new})
    assert not AccessAttempt.objects.filter(username="pia").exists()
    response = client.post("/accounts/login/", {"username": "pia", "password": new})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_password_set_by_an_admin_lifts_the_lock_out(client, practitioner, make_user,
                                                        settings):
    from django.test import Client
    from django.urls import reverse

    lock_out(client, settings)
    admin = Client()
    admin.force_login(make_user("admin", username="ada", is_staff=True))
    new = "another-long-phrase-2"
    response = admin.post(reverse("admin:auth_user_password_change", args=[practitioner.pk]),
                          {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    response = client.post("/accounts/login/", {"username": "pia", "password": new})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_password_change_by_its_user_leaves_other_lock_outs(client, practitioner,
                                                              make_user, settings):
    """Only a new password lifts a lock-out, and only the account's own."""
    lock_out(client, settings)
    other = make_user("practitioner", username="ola")
    other_client = type(client)()
    other_client.force_login(other)
    new = "a-brand-new-passphrase-42"
    other_client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert AccessAttempt.objects.filter(username="pia").exists()


def test_logout_needs_post_and_ends_the_session(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_requires_login(client):
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_change_applies_the_validators(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert b"This password is too short" in response.content
    practitioner.refresh_from_db()
    assert practitioner.check_password(PASSWORD)


def test_password_reset_sends_a_working_link(client, practitioner):
    response = client.post("/accounts/password_reset/", {"email": "pia@clinic.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pia@clinic.example"]
    assert message.subject == "Clinic Vetting: reset your password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session key
    new = "a-brand-new-passphrase-42"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.check_password(new)
    # On record (the password signs decisions): that it happened, nothing of the password.
    entry = AuditEntry.objects.last()
    assert entry.summary == "Account pia: password reset by its user"
    assert entry.actor_user == practitioner and new not in str(entry.after)


def test_a_password_change_is_audited(client, practitioner):
    client.force_login(practitioner)
    new = "a-brand-new-passphrase-42"
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    entry = AuditEntry.objects.last()
    assert entry.summary == "Account pia: password changed by its user"
    assert verify_chain().ok


def test_a_refused_password_change_writes_nothing(client, practitioner):
    client.force_login(practitioner)
    written = AuditEntry.objects.count()
    client.post("/accounts/password_change/", {
        "old_password": "wrong", "new_password1": "x-y-z-long-pass-1", "new_password2":
        "x-y-z-long-pass-1"})
    assert AuditEntry.objects.count() == written


def test_password_reset_for_an_unknown_address_sends_nothing(client, practitioner):
    response = client.post("/accounts/password_reset/", {"email": "stranger@else.example"})
    assert response.status_code == 302  # same answer: does not reveal which addresses exist
    assert mail.outbox == []


def test_behind_the_proxy_the_lock_out_counts_the_forwarded_address(client, practitioner,
                                                                     settings):
    settings.PORTAL_TRUST_X_FORWARDED_FOR = True
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "pia", "password": "wrong"}, **attacker)
    assert client.post("/accounts/login/", {"username": "pia", "password": PASSWORD},
                       **attacker).status_code == 429
    # The practitioner, at another address behind the same proxy, still logs in.
    response = client.post("/accounts/login/", {"username": "pia", "password": PASSWORD},
                           HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302


def test_the_not_found_page_leads_staff_back_and_shows_others_nothing_more(client_for,
                                                                            practitioner):
    staff = client_for(practitioner).get("/assessments/999999/")
    assert staff.status_code == 404
    assert '<a href="/">Back to the dashboard</a>' in staff.content.decode()
    vendor = client_for(None).get("/v/not-a-token/")
    assert vendor.status_code == 404
    assert "There is nothing here" in vendor.content.decode()
    assert "Back to the dashboard" not in vendor.content.decode()


def test_a_password_change_from_the_admin_is_audited(client, make_user):
    admin = make_user("admin", username="ada", is_staff=True)
    client.force_login(admin)
    new = "a-brand-new-passphrase-42"
    response = client.post("/admin/password_change/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/done/"
    assert AuditEntry.objects.last().summary == "Account ada: password changed by its user"
    assert client.get(response["Location"]).status_code == 200
