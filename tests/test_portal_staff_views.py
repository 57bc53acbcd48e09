"""The clinic's side of the portal: invite, revoke, re-issue (every role, foreign objects,
methods) and the submission page with what changed."""

from __future__ import annotations

import re

import pytest

from tests.test_portal_services import reopen
from vetting.models import Assessment, AssessmentState, Invitation, Vendor, VendorContact
from vetting.services import portal as portal_services

S = AssessmentState
pytestmark = pytest.mark.django_db
STAFF = ["practitioner", "reviewer", "admin"]


@pytest.fixture
def contact(vendor):
    return VendorContact.objects.create(vendor=vendor, name="Vera Quality",
                                        email="vera@aurora.example")


@pytest.fixture
def invitation(assessment, practitioner, contact):
    return portal_services.invitation_send(user=practitioner, assessment=assessment,
                                           contact=contact).invitation


def invite_url(assessment):
    return f"/assessments/{assessment.pk}/invitations/"


# ------------------------------------------------------------------ invite

@pytest.mark.parametrize("role", STAFF)
def test_staff_invite_a_contact(client_for, make_user, assessment, contact, role, mailoutbox,
                                django_capture_on_commit_callbacks):
    client = client_for(make_user(role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(assessment), {
            "contact": contact.pk, "expires_in_days": 14, "message": "Hello"})
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{assessment.pk}/"
    invitation = Invitation.objects.get()
    assert invitation.contact == contact and invitation.message == "Hello"
    assert mailoutbox[0].to == [contact.email]
    assessment.refresh_from_db()
    assert assessment.state == S.AWAITING_VENDOR


def test_a_user_without_a_role_is_refused(client_for, norole_user, assessment, contact):
    response = client_for(norole_user).post(invite_url(assessment), {
        "contact": contact.pk, "expires_in_days": 30})
    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_anonymous_goes_to_the_login_page(client_for, assessment, contact):
    response = client_for(None).post(invite_url(assessment), {"contact": contact.pk,
                                                              "expires_in_days": 30})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Invitation.objects.count() == 0


def test_invite_of_an_unknown_assessment_is_404(client_for, practitioner, contact):
    response = client_for(practitioner).post("/assessments/999999/invitations/",
                                             {"contact": contact.pk, "expires_in_days": 30})
    assert response.status_code == 404


def test_invite_is_post_only(client_for, practitioner, assessment):
    assert client_for(practitioner).get(invite_url(assessment)).status_code == 405


def test_a_contact_of_another_vendor_is_refused(client_for, practitioner, assessment):
    other = Vendor.objects.create(name="Other Labs", country="France")
    stranger = VendorContact.objects.create(vendor=other, name="Sam", email="sam@other.ex")
    client = client_for(practitioner)
    response = client.post(invite_url(assessment), {"contact": stranger.pk,
                                                    "expires_in_days": 30}, follow=True)
    assert "The invitation was not sent" in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    assert Invitation.objects.count() == 0
    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT


def test_a_refusal_the_page_has_no_form_for_gives_its_reason_in_the_banner(
        client_for, practitioner, assessment, contact):
    Assessment.objects.filter(pk=assessment.pk).update(state="in_review")
    response = client_for(practitioner).post(invite_url(assessment), {
        "contact": contact.pk, "expires_in_days": 30})
    assert response.status_code == 400
    banner = response.content.decode().split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "You cannot invite the vendor: the assessment is in review." in banner
    assert Invitation.objects.count() == 0


def test_an_expiry_out_of_range_is_refused(client_for, practitioner, assessment, contact):
    response = client_for(practitioner).post(invite_url(assessment), {
        "contact": contact.pk, "expires_in_days": 400}, follow=True)
    assert "The invitation was not sent" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_a_refused_invitation_keeps_what_was_typed_with_the_message_at_its_field(
        client_for, practitioner, assessment, contact):
    response = client_for(practitioner).post(invite_url(assessment), {
        "contact": contact.pk, "expires_in_days": 0, "message": "Please answer by Friday."})
    assert response.status_code == 400
    page = response.content.decode()
    form = page[page.index('id="invitation-form"'):page.index("Send invitation")]
    assert 'id="inv-days" value="0"' in form and "Please answer by Friday.</textarea>" in form
    field = form[form.index('id="inv-days"'):form.index('for="inv-message"')]
    assert "is-invalid" in form[:form.index('id="inv-days"')].rsplit("<input", 1)[1]
    assert "greater than or equal to 1" in field
    assert f'<option value="{contact.pk}" selected>' in form
    assert Invitation.objects.count() == 0


# ------------------------------------------------------------------ revoke, re-issue

@pytest.mark.parametrize("role", STAFF)
def test_staff_revoke_an_invitation(client_for, make_user, assessment, invitation, role):
    response = client_for(make_user(role)).post(
        f"/assessments/{assessment.pk}/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


@pytest.mark.parametrize("role", STAFF)
def test_staff_reissue_an_invitation(client_for, make_user, assessment, invitation, role,
                                     mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(make_user(role)).post(
            f"/assessments/{assessment.pk}/invitations/{invitation.pk}/reissue/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert Invitation.objects.count() == 2
    assert "/v/" in mailoutbox[-1].body


@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_revoke_and_reissue_refuse_without_a_role(client_for, norole_user, assessment,
                                                  invitation, action):
    response = client_for(norole_user).post(
        f"/assessments/{assessment.pk}/invitations/{invitation.pk}/{action}/")
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None and Invitation.objects.count() == 1


@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_an_invitation_through_another_assessment_is_404(client_for, practitioner, invitation,
                                                         product, action):
    from vetting.services import assessment_create

    other = assessment_create(user=practitioner, product=product)
    response = client_for(practitioner).post(
        f"/assessments/{other.pk}/invitations/{invitation.pk}/{action}/")
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_revoke_and_reissue_are_post_only(client_for, practitioner, assessment, invitation,
                                          action):
    response = client_for(practitioner).get(
        f"/assessments/{assessment.pk}/invitations/{invitation.pk}/{action}/")
    assert response.status_code == 405


# ------------------------------------------------------------------ the assessment page

def test_the_assessment_page_shows_the_invitation_card(client_for, practitioner, assessment,
                                                       invitation):
    body = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'id="vendor-invitation"' in body
    assert "Vera Quality &lt;vera@aurora.example&gt;" in body
    assert ">Sent</span>" in body
    assert f" by {practitioner.username}</dd>" in body  # no full name: the user name
    practitioner.first_name, practitioner.last_name = "Pia", "Lind"
    practitioner.save()
    body = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert " by Pia Lind</dd>" in body  # as every other page names a person
    assert f"/invitations/{invitation.pk}/revoke/" in body
    assert f"/invitations/{invitation.pk}/reissue/" in body


def test_the_assessment_page_offers_the_invitation_form(client_for, practitioner, assessment,
                                                        contact):
    body = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert "Send invitation" in body
    assert f'<option value="{contact.pk}">' in body


# ------------------------------------------------------------------ submissions

@pytest.fixture
def two_submissions(assessment, invitation, practitioner, reviewer, pdf_upload):
    portal_services.portal_answers_save(invitation=invitation, values={
        "1.1": {"source": "plant"}, "4.1": {"coa_lot": "L-1"}})
    portal_services.portal_upload(invitation=invitation, question_id="4.1", kind="coa",
                                  upload=pdf_upload("coa-old.pdf", b"%PDF-1.4 old"))
    portal_services.portal_submit(invitation=invitation)
    reopen(assessment, practitioner, reviewer)
    old = assessment.documents.get()
    from vetting.services import evidence_upload

    evidence_upload(assessment=assessment, question_id="4.1", kind="coa", replaces=old,
                    upload=pdf_upload("coa-new.pdf", b"%PDF-1.4 new"),
                    vendor_label="Vera Quality <vera@aurora.example>")
    portal_services.portal_answers_save(invitation=invitation, values={
        "4.1": {"coa_lot": "L-2", "vial_lot": "L-1"},  # the clinic's part kept, as the page does
        "4.2": {"expiry_date": "2027-06-30"}})
    portal_services.portal_submit(invitation=invitation)
    return assessment


@pytest.mark.parametrize("role", STAFF)
def test_submission_2_shows_what_changed(client_for, make_user, two_submissions, role):
    response = client_for(make_user(role)).get(
        f"/assessments/{two_submissions.pk}/submissions/2/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "What changed since submission 1" in body
    assert "lot number on the CoA: L-1" in body and "lot number on the CoA: L-2" in body
    assert "expiry date: 2027-06-30" in body
    added = re.search(r'<li class="doc-added">.*?</li>', body, re.S).group()
    removed = re.search(r'<li class="doc-removed">.*?</li>', body, re.S).group()
    # Kinds as the checklist names them, not its keys ("coa").
    assert "coa-new.pdf (certificate of analysis, " in added and ", for 4.1)" in added
    assert "coa-old.pdf (certificate of analysis, for 4.1)" in removed


def test_submission_1_lists_its_answers_and_documents(client_for, practitioner,
                                                      two_submissions):
    body = client_for(practitioner).get(
        f"/assessments/{two_submissions.pk}/submissions/1/").content.decode()
    assert "First submission" in body
    assert "biological source: plant" in body
    assert "coa-old.pdf" in body
    assert "Submission 2 &rarr;" in body


def test_the_assessment_page_links_the_submissions(client_for, practitioner, two_submissions):
    body = client_for(practitioner).get(f"/assessments/{two_submissions.pk}/").content.decode()
    assert f'href="/assessments/{two_submissions.pk}/submissions/1/"' in body
    assert f'href="/assessments/{two_submissions.pk}/submissions/2/"' in body


def test_submission_pages_refuse_without_a_role(client_for, norole_user, two_submissions):
    path = f"/assessments/{two_submissions.pk}/submissions/1/"
    assert client_for(norole_user).get(path).status_code == 403
    response = client_for(None).get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("number", [0, 3])
def test_an_unknown_submission_is_404(client_for, practitioner, two_submissions, number):
    response = client_for(practitioner).get(
        f"/assessments/{two_submissions.pk}/submissions/{number}/")
    assert response.status_code == 404


def test_a_submission_through_another_assessment_is_404(client_for, practitioner,
                                                        two_submissions, product):
    from vetting.services import assessment_create

    other = assessment_create(user=practitioner, product=product)
    response = client_for(practitioner).get(f"/assessments/{other.pk}/submissions/1/")
    assert response.status_code == 404


def test_the_submission_page_is_get_only(client_for, practitioner, two_submissions):
    response = client_for(practitioner).post(
        f"/assessments/{two_submissions.pk}/submissions/1/")
    assert response.status_code == 405


def test_a_request_to_a_vendor_without_a_working_link_says_to_send_one(
        client_for, practitioner, reviewer, assessment, contact):
    reopen(assessment, practitioner, reviewer)  # never invited
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert ("A reviewer asked the vendor for more information: the vendor has no link that "
            'still works: send one (<a href="#vendor-invitation">Vendor invitation</a>)') in page
    assert "the vendor's link works again" not in page


def test_a_request_to_an_invited_vendor_says_its_link_works_again(
        client_for, practitioner, reviewer, assessment, contact):
    reopen(assessment, practitioner, reviewer)
    portal_services.invitation_send(user=practitioner, assessment=assessment, contact=contact)
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert "the vendor's link works again until it re-submits." in page
