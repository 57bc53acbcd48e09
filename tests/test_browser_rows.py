"""A repeatable question (6.2, one row per study): "Another entry" adds blank rows on the
page, so that several studies are saved at once."""

from __future__ import annotations

import pytest

from tests.browser import shot
from tests.test_browser_portal import log_in
from vetting import services
from vetting.models import VendorContact
from vetting.services import portal as portal_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assessment(make_user, checklist_version, product):
    return services.assessment_create(user=make_user("practitioner", username="pia"),
                                      product=product)


@pytest.fixture
def page(new_page, assessment, vendor):
    """The vendor's page of domain 6 (6.2: one row per study)."""
    contact = VendorContact.objects.create(vendor=vendor, name="Vera Quality",
                                           email="vera@aurora.example", is_primary=True)
    token = portal_services.invitation_send(user=assessment.created_by, assessment=assessment,
                                            contact=contact).token
    page = new_page()
    page.goto(f"/v/{token}/steps/6/")
    return page


def test_three_studies_are_saved_at_once(page, assessment, new_page):
    another = page.get_by_role("button", name="Another entry")
    page.select_option("[name=q6_2__r0__design]", "split_face")
    page.fill("[name=q6_2__r0__n]", "25")
    another.click()
    another.click()
    assert page.locator("#q6_2 .repeat-heading").all_inner_texts() == [
        "Entry 1", "Entry 2", "Add another"]
    page.select_option("[name=q6_2__r1__design]", "case_series")
    page.fill("[name=q6_2__r1__n]", "12")
    page.check("[name=q6_2__r1__blinded][value=no]")
    page.fill("[name=q6_2__r2__registry_id]", "NCT0000001")
    shot(page, "rows-three-studies")
    page.locator("button[name=save]:not(.visually-hidden)").first.click()
    page.wait_for_url("**/steps/6/?saved=1")
    assert assessment.answers.get(question_id="6.2").value == [
        {"design": "split_face", "n": 25},
        {"design": "case_series", "n": 12, "blinded": "no"},
        {"registry_id": "NCT0000001"},
    ]
    # Shown again: the three studies and one blank row to add a fourth.
    assert page.locator("#q6_2 .repeat-heading").all_inner_texts() == [
        "Entry 1", "Entry 2", "Entry 3", "Add another"]

    # On the clinic's step the vendor's rows are read-only without a vendor document:
    # no button to add rows that could not be filled in.
    clinic = new_page()
    log_in(clinic, "pia")
    clinic.goto(f"/assessments/{assessment.pk}/steps/6/")
    assert clinic.locator("#q6_2 .repeat-heading").count() == 4
    assert not clinic.get_by_role("button", name="Another study").is_visible()


def test_no_row_is_offered_beyond_what_a_save_keeps(page):
    """The button stops at the page's data-row-max (REPEAT_ROWS_MAX, lowered here so that
    the test clicks a few times, not a hundred): a row past it would be refused."""
    rows = page.locator("#q6_2 .repeat-rows")
    assert rows.get_attribute("data-row-max") == "100"
    rows.evaluate("element => { element.dataset.rowMax = '3'; }")
    another = page.get_by_role("button", name="Another entry")
    another.click()
    assert another.is_visible()
    another.click()
    assert page.locator("#q6_2 .repeat-row").count() == 3
    assert not another.is_visible()


def test_a_refused_save_takes_the_user_to_the_first_problem(page):
    """The page comes back at its top after a refused save: the first field in error gets
    the focus (and is scrolled to), so typing starts where the correction is needed."""
    page.fill("[name=q6_1__studies]", "two")
    page.locator("button[name=save]:not(.visually-hidden)").first.click()
    page.wait_for_selector("[name=q6_1__studies][aria-invalid=true]")
    assert page.evaluate("document.activeElement.name") == "q6_1__studies"
    assert page.evaluate("""(() => { const box = document.activeElement.getBoundingClientRect();
                              return box.top >= 0 && box.bottom <= window.innerHeight; })()""")


def test_save_comes_back_where_the_user_was(page):
    """"Save" reloads the step (at its top, as a new page): the script scrolls back to where
    the user pressed it. "Save and next" opens the next step at its top."""
    page.fill("[name=q6_1__studies]", "2")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    before = page.evaluate("window.scrollY")
    assert before > 200
    page.locator("button[name=save]:not(.visually-hidden)").last.click()
    page.wait_for_selector(".alert-success")
    page.wait_for_function(f"Math.abs(window.scrollY - {before}) < 80")
