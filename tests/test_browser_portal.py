"""A practitioner invites a vendor; the vendor (no login, its own browser) answers,
uploads two documents, saves, comes back and submits; an information request and a
re-submission make submission 2, whose differences the practitioner sees."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.browser import shot
from tests.conftest import PASSWORD, PDF_BYTES
from tests.test_services_lifecycle import answer_practitioner_questions
from vetting import services
from vetting.models import Assessment, VendorContact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def upload(page, anchor, kind, path):
    page.set_input_files(f"#file-{anchor}-{kind}", str(path))
    page.locator(f"#{anchor}").get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=Document uploaded.")


def portal_link(live_server) -> str:
    link = re.search(r"https?://\S+/v/[\w-]+/", mail.outbox[-1].body).group(0)
    return link.split("/v/", 1)[1].join(["/v/", ""])


def test_invite_answer_upload_return_submit_request_information_resubmit(
        new_page, live_server, make_user, checklist_version, vendor, product, tmp_path,
        settings):
    cache.clear()
    settings.SITE_URL = live_server.url
    practitioner = make_user("practitioner", username="pia", first_name="Pia",
                             last_name="Lind")
    reviewer = make_user("reviewer", username="rui")
    VendorContact.objects.create(vendor=vendor, name="Vera Quality", email="vera@aurora.example",
                                 is_primary=True)
    assessment = services.assessment_create(user=practitioner, product=product)
    coa, gmp = tmp_path / "CoA lot 24-117.pdf", tmp_path / "GMP certificate.pdf"
    coa.write_bytes(PDF_BYTES + b"% coa")
    right = tmp_path / "right" / coa.name  # the same name, the right lot's content
    right.parent.mkdir()
    right.write_bytes(PDF_BYTES + b"% the right coa")
    gmp.write_bytes(PDF_BYTES + b"% gmp")

    # The practitioner invites the vendor from the assessment page.
    clinic = new_page()
    log_in(clinic, "pia")
    clinic.goto(f"/assessments/{assessment.pk}/")
    card = clinic.locator("#vendor-invitation")
    card.locator("#inv-days").fill("21")
    card.locator("#inv-message").fill("Please start with the certificate of analysis.")
    card.get_by_role("button", name="Send invitation").click()
    clinic.wait_for_selector("text=Invitation e-mailed to Vera Quality")
    assert "Sent" in card.inner_text()
    shot(clinic, "portal-1-invitation-card")
    link = portal_link(live_server)
    assert mail.outbox[-1].alternatives[0][1] == "text/html"

    # The vendor, on a phone, with no account: answers and saves.
    phone = new_page(width=390, height=844)
    phone.goto(link)
    assert "Questions about Glow Exosome Serum" in phone.inner_text("main")
    assert "Please start with the certificate of analysis." in phone.inner_text("main")
    assert phone.locator("nav.navbar").count() == 0
    shot(phone, "portal-2-home-phone")
    phone.get_by_role("link", name="Start").click()
    phone.select_option("select[name=q1_1__source]", "undisclosed")
    phone.fill("textarea[name=q1_2__inci_name]", "Rose exosome complex")
    phone.get_by_role("button", name="Save", exact=True).click()
    phone.wait_for_selector("text=Saved.")
    shot(phone, "portal-3-step-phone")

    # Two documents, on two steps.
    phone.goto(link + "steps/4/")
    phone.fill("textarea[name=q4_1__coa_lot]", "24-117")
    phone.get_by_role("button", name="Save", exact=True).click()
    phone.wait_for_selector("text=Saved.")
    upload(phone, "q4_1", "coa", coa)
    # A wrong file is replaced by the right one (the clinic keeps both on record).
    phone.locator("#q4_1 summary", has_text="replace").click()
    shot(phone, "portal-3b-replace-phone")
    phone.locator("#q4_1 input[name^=replace-]").set_input_files(str(right))
    phone.locator("#q4_1 details").get_by_role("button", name="Upload").click()
    phone.wait_for_selector("text=Document uploaded.")
    assert phone.inner_text("#q4_1").count("Document:") == 1  # the right one, in its place
    phone.goto(link + "steps/2/")
    phone.fill("[name=q2_2__issuing_body]", "MFDS")  # typed, not saved: the upload saves it
    upload(phone, "q2_2", "gmp_certificate", gmp)
    assert "GMP certificate.pdf" in phone.inner_text("#q2_2")
    assert phone.input_value("[name=q2_2__issuing_body]") == "MFDS"
    phone.context.close()

    # The vendor comes back later (another browser), finds its answers, and submits.
    desk = new_page()
    desk.goto(link)
    assert re.search(r"[1-9]\d* of \d+ questions answered", desk.inner_text("main"))
    desk.goto(link + "steps/1/")
    assert desk.input_value("select[name=q1_1__source]") == "undisclosed"
    shot(desk, "portal-4-step-desktop")
    desk.goto(link + "submit/")
    assert "Still missing" in desk.inner_text("main")
    shot(desk, "portal-5-confirm-desktop")
    desk.get_by_role("button", name="Submit to the clinic").click()
    desk.wait_for_selector("text=Thank you: your answers were received")
    shot(desk, "portal-6-done-desktop")

    # The practitioner sees submission 1 and the findings the vendor's answers raised.
    assert "Vendor submission 1 received" in mail.outbox[-1].subject
    clinic.goto(f"/assessments/{assessment.pk}/")
    assert "Vendor submitted" in clinic.inner_text("main")
    assert "does not disclose the biological source" in clinic.inner_text("main")
    assert "Submitted" in clinic.inner_text("#vendor-invitation")
    clinic.get_by_role("link", name="Submission 1").click()
    assert "First submission" in clinic.inner_text("main")
    assert "CoA lot 24-117.pdf" in clinic.inner_text("main")

    # Review asks the vendor for more (through the lifecycle service).
    answer_practitioner_questions(Assessment.objects.get(pk=assessment.pk), practitioner)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    services.assessment_request_information(
        user=reviewer, assessment=assessment, target="vendor",
        message="Please disclose the biological source and send the stability study.")

    again = new_page(width=390, height=844)
    again.goto(link)
    assert "Please disclose the biological source" in again.inner_text("main")
    shot(again, "portal-7-information-request-phone")
    again.goto(link + "steps/1/")
    again.select_option("select[name=q1_1__source]", "plant")
    again.get_by_role("button", name="Save", exact=True).click()
    again.wait_for_selector("text=Saved.")
    stability = tmp_path / "stability.pdf"
    stability.write_bytes(PDF_BYTES + b"% stability")
    again.goto(link + "steps/4/")
    upload(again, "q4_8", "stability_study", stability)
    again.goto(link + "submit/")
    again.get_by_role("button", name="Submit to the clinic").click()
    again.wait_for_selector("text=Thank you: your answers were received")
    assert "Submission 2" in again.inner_text("main")

    # Submission 2 and what changed.
    clinic.goto(f"/assessments/{assessment.pk}/")
    assert "does not disclose the biological source" not in clinic.inner_text("main")
    shot(clinic, "portal-8-assessment-after-resubmission")
    clinic.get_by_role("link", name="Submission 2").click()
    changes = clinic.inner_text("#changes")
    assert "What changed since submission 1" in changes
    assert "biological source: undisclosed" in changes
    assert "biological source: plant" in changes
    assert "stability.pdf" in changes
    shot(clinic, "portal-9-submission-2-diff")
    clinic.set_viewport_size({"width": 390, "height": 844})
    shot(clinic, "portal-10-submission-2-diff-phone")


def test_when_the_check_of_what_applies_fails_every_question_is_shown(
        new_page, live_server, practitioner, checklist_version, vendor, product, settings):
    """A vendor past the preview's rate limit once saw the donor questions of a cord-blood
    product stay hidden as "not asked", on the answers given before."""
    from vetting.services import portal as portal_services

    cache.clear()
    settings.PORTAL_RATE_PREVIEW = "1/m"
    contact = VendorContact.objects.create(vendor=vendor, name="Vera", email="vera@aurora.ex")
    assessment = services.assessment_create(user=practitioner, product=product)
    token = portal_services.invitation_send(user=practitioner, assessment=assessment,
                                            contact=contact).token
    before = list(assessment.answers.values_list("question_id", "value"))
    page = new_page()
    page.goto(f"/v/{token}/steps/1/")
    donors = page.locator("[data-question='1.4']")
    page.select_option("select[name=q1_1__source]", "plant")  # the one preview allowed
    page.wait_for_selector("[data-question='1.4'].is-na", state="attached")
    assert page.locator(".preview-failed").count() == 0
    page.select_option("select[name=q1_1__source]", "msc_umbilical_cord")  # refused: 429
    notice = page.locator(".preview-failed")
    notice.wait_for()
    assert "every question is shown" in notice.inner_text()
    assert "is-na" not in donors.get_attribute("class")
    assert page.locator(".question-card.is-na").count() == 0
    shot(page, "portal-preview-failed")
    # a preview writes nothing
    assert list(assessment.answers.values_list("question_id", "value")) == before


def test_answers_refused_on_save_are_still_unsaved_when_leaving(
        new_page, live_server, practitioner, checklist_version, vendor, product):
    """Shown again with an error, the page holds the typed answers unsaved: leaving it asks
    first, as it does before any save (a vendor lost a long answer so)."""
    from vetting.services import portal as portal_services

    cache.clear()
    contact = VendorContact.objects.create(vendor=vendor, name="Vera", email="vera@aurora.ex")
    assessment = services.assessment_create(user=practitioner, product=product)
    token = portal_services.invitation_send(user=practitioner, assessment=assessment,
                                            contact=contact).token
    page = new_page()
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.goto(f"/v/{token}/steps/3/")
    page.fill("input[name=q3_2__value]", "5 000 000 000")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=Your answers were not saved")
    page.get_by_role("link", name="All sections").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and page.url.endswith("/steps/3/")
    assert page.input_value("input[name=q3_2__value]") == "5 000 000 000"
    assert not assessment.answers.filter(question_id="3.2").exists()


def test_a_field_reached_with_tab_is_not_left_under_the_save_bar(
        new_page, live_server, practitioner, checklist_version, vendor, product):
    """On a phone, a text area half under the sticky Save bar, reached with Tab, is scrolled
    clear of it (the stylesheet's scroll-padding; the scroll is smooth, so it is waited
    for: a screenshot taken at once still shows the field under the bar)."""
    from vetting.services import portal as portal_services

    cache.clear()
    contact = VendorContact.objects.create(vendor=vendor, name="Vera", email="vera@aurora.ex")
    assessment = services.assessment_create(user=practitioner, product=product)
    token = portal_services.invitation_send(user=practitioner, assessment=assessment,
                                            contact=contact).token
    page = new_page(width=390, height=844)
    page.goto(f"/v/{token}/steps/1/")
    field = "textarea[name=q1_2__inci_name]"
    bar = page.locator("#step-form .sticky-bottom")
    # Scroll so that the text area's top shows just above the bar, the rest under it.
    page.evaluate("""([field, bar]) => {
        const box = document.querySelector(field).getBoundingClientRect();
        const top = document.querySelector(bar).getBoundingClientRect().top;
        window.scrollBy(0, box.top - top + 12);
    }""", [field, "#step-form .sticky-bottom"])
    assert page.locator(field).bounding_box()["y"] + 20 > bar.bounding_box()["y"]
    page.eval_on_selector("select[name=q1_2__cell_type]", "e => e.focus({preventScroll: true})")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "q1_2__inci_name"
    page.wait_for_function("""([field, bar]) =>
        document.querySelector(field).getBoundingClientRect().bottom
        <= document.querySelector(bar).getBoundingClientRect().top""",
                           arg=[field, "#step-form .sticky-bottom"], timeout=3000)
    shot(page, "portal-field-clear-of-the-bar")
