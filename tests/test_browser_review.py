"""From "vendor submitted" to a signed decision, with an information request via the portal."""

import pytest

from tests.browser import shot
from tests.conftest import PASSWORD
from tests.test_services_review import in_review
from vetting.models import Assessment, VendorContact
from vetting.services import portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def submitted(checklist_version, make_user):
    """A documented assessment whose vendor has submitted through the portal."""
    practitioner = make_user("practitioner", username="pia")
    assessment = in_review("well-documented-product", practitioner)
    # in_review() submits for review; take it back to the vendor-submitted state the
    # scenario starts from, through the portal as a vendor would.
    Assessment.objects.filter(pk=assessment.pk).update(state="draft")
    contact = VendorContact.objects.create(vendor=assessment.product.vendor, name="Lee Joon",
                                           email="quality@hanbit.example")
    issued = portal.invitation_send(user=practitioner, assessment=assessment, contact=contact)
    portal.portal_submit(invitation=issued.invitation)
    assessment.refresh_from_db()
    assert assessment.state == "vendor_submitted"
    return assessment, issued.token


def test_vendor_submitted_to_signed_decision(new_page, make_user, submitted):
    assessment, token = submitted
    make_user("reviewer", username="dana", first_name="Dana", last_name="Director")

    # The practitioner completes and submits for review.
    clinic = new_page()
    login(clinic, "pia")
    clinic.goto(f"/assessments/{assessment.pk}/")
    clinic.get_by_role("button", name="Submit for review").click()
    assert "The assessment is now in review." in clinic.locator(".alert-success").inner_text()

    # The reviewer asks the vendor for information.
    reviewer = new_page()
    login(reviewer, "dana")
    reviewer.get_by_role("link", name="Review queue").click()
    reviewer.get_by_role("link", name=assessment.product.name).click()
    shot(reviewer, "review-1-page")
    reviewer.get_by_label("Message").fill("Please send the stability data of lot HB-2291.")
    reviewer.get_by_role("button", name="Send the request").click()
    assert "Information requested from the vendor." in reviewer.locator(
        ".alert-success").inner_text()

    # The vendor (no login, its own browser context) sees the request and re-submits.
    vendor = new_page(width=390, height=844)
    vendor.goto(f"/v/{token}/")
    assert "Please send the stability data of lot HB-2291." in vendor.locator(
        "main").inner_text()
    shot(vendor, "review-2-portal-request")
    vendor.get_by_role("link", name="Review and submit").click()
    vendor.get_by_role("button", name="Submit to the clinic").click()
    vendor.wait_for_url("**/done/")

    # Back in review with submission 2; the reviewer approves and signs.
    reviewer.goto("/review/")
    reviewer.get_by_role("link", name=assessment.product.name).click()
    assert "Submission 2" in reviewer.locator("main").inner_text()
    reviewer.get_by_label("Approved", exact=True).check()
    reviewer.get_by_label("Your password, to sign").fill("not my password")
    reviewer.get_by_role("button", name="Sign the decision").click()
    assert "The password is not correct" in reviewer.locator("main").inner_text()
    reviewer.get_by_label("Approved", exact=True).check()
    reviewer.get_by_label("Your password, to sign").fill(PASSWORD)
    shot(reviewer, "review-3-decision")
    reviewer.get_by_role("button", name="Sign the decision").click()
    reviewer.wait_for_url(f"**/assessments/{assessment.pk}/")
    text = reviewer.locator("main").inner_text()
    assert "Approved: signed by Dana Director." in text
    assert "Approved by Dana Director" in text
    shot(reviewer, "review-4-signed")
    assessment.refresh_from_db()
    assert assessment.state == "approved"
    assert assessment.submissions.count() == 2
