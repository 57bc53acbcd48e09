"""A practitioner's day in the browser: register, assess, upload, see a RED finding, export."""

import json
import re
from pathlib import Path

import pytest

from tests.browser import shot
from tests.conftest import PASSWORD, PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "pia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("heading", name="Dashboard").wait_for()  # ("**/" matches the login page)


def log_out(page):
    page.locator("#mainnav .dropdown-toggle").click()  # the user's menu
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")


COUNT_FETCHES = """(() => {
  const fetch = window.fetch;
  window.pendingFetches = 0;
  window.fetch = function (...args) {
    window.pendingFetches++;
    return fetch.apply(this, args).finally(() => { window.pendingFetches--; });
  };
})();"""


def settled(page):
    """Wait for the live findings preview a change started (150 ms after it) to finish:
    the test database (SQLite in memory, shared by the server's threads) cannot wait for
    the lock the preview's session save holds, as a database file or PostgreSQL does."""
    page.wait_for_timeout(200)
    page.wait_for_function("window.pendingFetches === 0")


def route_finding(page):
    """The RED finding injecting gives (5.1), in the step's findings panel."""
    return page.locator("#findings-panel .finding-RED", has_text="Injection or intravenous use")


def test_practitioner_registers_assesses_uploads_and_exports(new_page, make_user,
                                                             checklist_version, tmp_path):
    """The issue's brief, one screenshot per step in test-artifacts/ (tests/browser.py)."""
    make_user("practitioner", username="pia", first_name="Pia", last_name="Lind")
    page = new_page()
    page.add_init_script(COUNT_FETCHES)
    login(page)
    assert "Pia Lind" in page.locator("#mainnav").inner_text()
    shot(page, "workspace-01-logged-in")

    # Register a vendor and a product.
    page.goto("/vendors/new/")
    page.fill("#id_name", "Nova Exosome Labs")
    page.fill("#id_country", "United States")
    page.get_by_role("button", name="Register vendor").click()
    page.wait_for_url(re.compile(r".*/vendors/\d+/$"))
    assert page.locator("h1", has_text="Nova Exosome Labs").count()
    shot(page, "workspace-02-vendor")
    page.get_by_role("link", name="Register a product").click()
    page.fill("#id_name", "Nova Glow Injectable")
    page.select_option("#id_category", "exosome_ev")
    page.select_option("#id_form", "injectable")
    page.get_by_role("button", name="Register product").click()
    page.wait_for_url(re.compile(r".*/products/\d+/$"))
    shot(page, "workspace-03-product")

    # Start an assessment: the product profile comes first, 0.1 and 0.2 pre-filled.
    page.get_by_role("button", name="Start an assessment").click()
    page.wait_for_url("**/steps/0/")
    assert page.locator("#id_q0_1__category").input_value() == "exosome_ev"
    page.check("#id_q0_3__sterile_0")  # yes
    page.select_option("#id_q0_4__market", "united_states")
    settled(page)
    shot(page, "workspace-04-profile")
    page.get_by_role("button", name="Save and next").click()
    page.wait_for_url("**/steps/1/")

    # Record the clinic's own observation (1.2: is it called an exosome?), then, without
    # saving, upload the vendor's document: the upload saves the answer with it.
    page.check("#id_q1_2__called_exosome_0")
    upload = tmp_path / "donor-eligibility.pdf"
    upload.write_bytes(PDF_BYTES)
    page.set_input_files("#file-q1_4-donor_eligibility", str(upload))
    page.locator("#q1_4").get_by_role("button", name="Upload").click()
    page.wait_for_url("**/steps/1/#q1_4")
    assert page.locator(".alert-success", has_text="donor-eligibility.pdf uploaded").count()
    assert page.is_checked("#id_q1_2__called_exosome_0")
    assert page.locator("#q1_4", has_text="donor-eligibility.pdf").count()
    shot(page, "workspace-05-upload")

    # Choosing a plant source makes the donor questions inapplicable, live.
    assert "is-na" not in page.locator("#q1_4").get_attribute("class")
    page.select_option("#id_q1_1__source", "plant")
    page.select_option("#id_q1_1__document",
                       label="donor-eligibility.pdf (donor eligibility summary)")
    page.wait_for_function("document.querySelector('#q1_4').classList.contains('is-na')")
    settled(page)
    shot(page, "workspace-06-applicability")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".alert-success", has_text="Saved.").wait_for()
    assert re.match(r".*/steps/1/(#.*)?$", page.url)  # the fragment survives redirects
    assert "is-na" in page.locator("#q1_4").get_attribute("class")  # without JS, after saving

    # Injecting a vesicle product in the United States is a RED finding: it appears in the
    # findings panel as the route is chosen, before anything is saved.
    page.goto(page.url.split("/steps/")[0] + "/steps/5/")
    assert route_finding(page).count() == 0
    page.select_option("#id_q5_1__route", "injection")
    route_finding(page).wait_for()  # the live preview (static/js/checklist.js)
    settled(page)
    shot(page, "workspace-07-red-finding-live")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".alert-success", has_text="Saved.").wait_for()
    assert re.match(r".*/steps/5/(#.*)?$", page.url)
    assert route_finding(page).count() == 1  # rendered by the server, from the saved answer
    shot(page, "workspace-08-red-finding-saved")

    # Leave: log out. The old session no longer opens the pages.
    log_out(page)
    shot(page, "workspace-09-logged-out")
    page.goto("/")
    assert page.url.endswith("/accounts/login/?next=/")

    # Resume another time, in a fresh browser: from the dashboard to the step left.
    page = new_page()
    page.add_init_script(COUNT_FETCHES)
    login(page)
    resume = page.locator("#my-open").get_by_role("link",
                                                  name="Nova Glow Injectable, assessment 1")
    shot(page, "workspace-10-dashboard-again")
    resume.click()
    page.wait_for_url(re.compile(r".*/assessments/\d+/$"))
    assert "Do not approve" in page.locator("main").inner_text()
    assert page.locator("main", has_text="donor-eligibility.pdf").count()
    page.locator("#domain-5").get_by_role("link", name="open").click()
    page.wait_for_url("**/steps/5/")
    assert page.locator("#id_q5_1__route").input_value() == "injection"
    assert route_finding(page).count() == 1
    shot(page, "workspace-11-resumed")

    # Export the dossier.
    page.get_by_role("link", name="Summary").first.click()
    page.wait_for_url(re.compile(r".*/assessments/\d+/$"))
    shot(page, "workspace-12-export")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export the dossier (JSON)").click()
    dossier = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert dossier["answers"]["0.3"] == {"sterile": "yes"}
    assert dossier["answers"]["0.4"] == {"market": "united_states"}
    assert dossier["answers"]["5.1"] == {"route": "injection"}
    assert dossier["answers"]["1.1"] == {"source": "plant"}
    assert dossier["evidence"]["1.4"][0]["name"] == "donor-eligibility.pdf"


def test_leaving_a_step_with_unsaved_answers_asks_first(new_page, make_user, assessment):
    """A step tab or link after typing asks before the answers are lost; after Save it
    does not. (Staff step; the vendor portal's sections load the same script.)"""
    from django.contrib.auth.models import User

    User.objects.filter(pk=assessment.created_by_id).update(username="pia")
    page = new_page()
    page.add_init_script(COUNT_FETCHES)
    login(page)
    page.goto(f"/assessments/{assessment.pk}/steps/0/")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.check("#id_q0_3__sterile_0")
    settled(page)
    page.get_by_role("link", name=re.compile(r"^1\. Source and origin")).click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and page.url.endswith("/steps/0/")
    assert page.is_checked("#id_q0_3__sterile_0")  # still there, to be saved

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r".*/steps/0/(#.*)?$"))
    page.get_by_role("link", name=re.compile(r"^1\. Source and origin")).click()
    page.wait_for_url("**/steps/1/")
    assert asked == ["beforeunload"]  # not asked again
    assert assessment.answers.get(question_id="0.3").value == {"sterile": "yes"}


def test_a_form_shown_again_with_errors_puts_the_focus_on_the_first(new_page, make_user):
    """Any form, not only a step's: a vendor registered under a name already taken comes
    back with the focus in the name field, which says why (it stayed on the page's body)."""
    from vetting.models import Vendor

    make_user("practitioner", username="pia")
    Vendor.objects.create(name="Aurora Biolabs", country="France")
    page = new_page()
    login(page)
    page.goto("/vendors/new/")
    page.fill("#id_name", "aurora biolabs")
    page.fill("#id_country", "France")
    page.get_by_role("button", name="Register vendor").click()
    page.wait_for_selector("#id_name[aria-invalid=true]")
    assert page.evaluate("document.activeElement.id") == "id_name"
