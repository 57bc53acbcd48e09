"""Admin actions go through the lifecycle services; the vendor list shows each standing."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from vetting.models import Assessment, AuditEntry

pytestmark = pytest.mark.django_db
URL = "/admin/vetting/assessment/"


@pytest.fixture
def approved(assessment):
    Assessment.objects.filter(pk=assessment.pk).update(state="approved")
    assessment.refresh_from_db()
    return assessment


def snapshot(assessment):
    assessment.refresh_from_db()
    return assessment.state, AuditEntry.objects.count()


def test_suspend_action_asks_for_a_reason_first(client_for, make_user, approved):
    director = make_user("reviewer", "admin", username="dir", is_staff=True)
    before = snapshot(approved)
    response = client_for(director).post(URL, {"action": "suspend_approvals",
                                               ACTION_CHECKBOX_NAME: [approved.pk]})
    assert response.status_code == 200
    assert b"Suspend the selected approvals" in response.content
    assert snapshot(approved) == before


def test_suspend_action_suspends_through_the_service(client_for, make_user, approved):
    director = make_user("reviewer", "admin", username="dir", is_staff=True)
    response = client_for(director).post(URL, {
        "action": "suspend_approvals", ACTION_CHECKBOX_NAME: [approved.pk], "confirm": "1",
        "reason": "FDA warning letter 2026-02-11"})
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.state == "suspended"
    assert approved.closing_reason == "FDA warning letter 2026-02-11"
    assert AuditEntry.objects.last().actor_user == director


def test_an_admin_without_the_reviewer_role_cannot_suspend(client_for, admin_user, approved):
    before = snapshot(approved)
    response = client_for(admin_user).post(URL, {
        "action": "suspend_approvals", ACTION_CHECKBOX_NAME: [approved.pk], "confirm": "1",
        "reason": "recall"}, follow=True)
    assert b"Your role does not allow you to suspend an approval" in response.content
    assert snapshot(approved) == before


def test_withdraw_action_refuses_a_wrong_state(client_for, admin_user, approved):
    before = snapshot(approved)
    response = client_for(admin_user).post(URL, {
        "action": "withdraw_assessments", ACTION_CHECKBOX_NAME: [approved.pk], "confirm": "1",
        "reason": "duplicate"}, follow=True)
    assert b"You cannot withdraw the assessment" in response.content
    assert snapshot(approved) == before


def test_withdraw_action_withdraws_a_draft(client_for, admin_user, assessment):
    client_for(admin_user).post(URL, {
        "action": "withdraw_assessments", ACTION_CHECKBOX_NAME: [assessment.pk],
        "confirm": "1", "reason": "duplicate"})
    assert snapshot(assessment)[0] == "withdrawn"


def test_vendor_list_shows_the_standing(client_for, admin_user, approved, vendor):
    content = client_for(admin_user).get("/admin/vetting/vendor/").content.decode()
    assert 'class="field-approved_count">1<' in content
    assert 'class="field-open_count">0<' in content


def test_invitations_are_listed_read_only_without_the_token_hash(client_for, admin_user,
                                                                assessment, practitioner):
    from vetting.models import VendorContact
    from vetting.services import portal

    contact = VendorContact.objects.create(vendor=assessment.product.vendor, name="Ann",
                                           email="ann@vendor.example")
    invitation = portal.invitation_send(user=practitioner, assessment=assessment,
                                        contact=contact).invitation
    client = client_for(admin_user)
    assert client.get("/admin/vetting/invitation/").status_code == 200
    page = client.get(f"/admin/vetting/invitation/{invitation.pk}/change/").content.decode()
    assert invitation.token_hash not in page
    assert client.get("/admin/vetting/invitation/add/").status_code == 403


@pytest.mark.parametrize("model", ["report", "signingcertificate", "lot", "reminder"])
def test_admin_role_sees_the_report_and_lot_pages_read_only(client_for, admin_user, model):
    client = client_for(admin_user)
    assert client.get(f"/admin/vetting/{model}/").status_code == 200
    assert client.get(f"/admin/vetting/{model}/add/").status_code == 403


def test_register_edits_in_the_admin_are_audited(client_for, admin_user, product):
    from vetting.models import AuditEntry, VendorContact

    client = client_for(admin_user)
    entries = AuditEntry.objects.count()
    response = client.post(f"/admin/vetting/product/{product.pk}/change/", {
        "name": "Glow Serum", "category": "exosome_ev", "form": "topical", "description": ""})
    assert response.status_code == 302
    entry = AuditEntry.objects.last()
    assert AuditEntry.objects.count() == entries + 1
    assert entry.actor_user == admin_user and entry.after == {"name": "Glow Serum"}
    response = client.post("/admin/vetting/vendor/add/", {
        "name": "Nova Labs", "country": "", "website": "", "address": "", "notes": "",
        "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Ann", "contacts-0-email": "ann@nova.example"})
    assert response.status_code == 302
    contact = VendorContact.objects.get(email="ann@nova.example")
    summaries = list(AuditEntry.objects.order_by("-seq").values_list("object_type",
                                                                     flat=True)[:2])
    assert sorted(summaries) == ["Vendor", "VendorContact"]
    assert contact.vendor.created_by == admin_user


def test_register_records_cannot_be_deleted_in_the_admin(client_for, admin_user, product):
    response = client_for(admin_user).post(f"/admin/vetting/product/{product.pk}/delete/",
                                           {"post": "yes"})
    assert response.status_code == 403
    assert type(product).objects.filter(pk=product.pk).exists()
