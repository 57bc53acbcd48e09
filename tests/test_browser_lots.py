"""A lot above the approved endotoxin limit is held; a reviewer releases it with a reason."""

import pytest

from tests.browser import shot
from tests.conftest import PASSWORD, PDF_BYTES
from tests.test_browser_review import login
from tests.test_lots_services import SPEC, approved
from vetting.models import Lot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_a_held_lot_and_release_it(new_page, make_user, checklist_version, tmp_path):
    practitioner = make_user("practitioner", username="pia")
    reviewer = make_user("reviewer", username="dana", first_name="Dana", last_name="Director")
    decided = approved(practitioner, reviewer, spec=SPEC)
    product = decided.product
    coa = tmp_path / "CoA HB-2291.pdf"
    coa.write_bytes(PDF_BYTES)

    # The practitioner records a lot whose CoA shows 1.2 EU/mL (the limit is 0.5).
    clinic = new_page()
    login(clinic, "pia")
    clinic.goto(f"/products/{product.pk}/")
    clinic.get_by_role("link", name="Record a lot").click()
    clinic.get_by_label("Lot number on the vial").fill("HB-2291")
    clinic.get_by_label("Lot number on the CoA").fill("HB-2291")
    clinic.get_by_label("Units received").fill("20")
    clinic.get_by_label("Expiry date").fill("2030-01-31")
    clinic.get_by_label("Storage on arrival").select_option(label="-80 °C")
    clinic.get_by_label("Certificate of analysis").set_input_files(str(coa))
    clinic.get_by_label("Endotoxin (EU/mL)").fill("1.2")
    clinic.get_by_label("Pass").check()
    clinic.get_by_label("Particle concentration (particles/mL)").fill("2e10")
    clinic.get_by_label("Counted by").select_option(label="NTA")
    clinic.get_by_label("Size mode (nm)").fill("112")
    shot(clinic, "lots-1-form")
    clinic.get_by_role("button", name="Record the lot").click()
    clinic.wait_for_url("**/lots/*/")
    text = clinic.locator("main").inner_text()
    assert "Lot HB-2291 is on hold" in text
    assert "Endotoxin 1.2 EU/mL is above the approved limit of 0.5 EU/mL." in text
    shot(clinic, "lots-2-held")
    clinic.goto(f"/products/{product.pk}/")
    assert "1 lot on hold" in clinic.locator("#standing").inner_text()
    shot(clinic, "lots-3-product-standing")

    # The reviewer finds it on the dashboard and releases it with a justification.
    desk = new_page()
    login(desk, "dana")
    assert "Lots on hold 1" in desk.locator("#held").inner_text()
    shot(desk, "lots-4-dashboard")
    desk.get_by_role("link", name=f"Lot HB-2291 of {product.name}").click()
    desk.get_by_label("Why it may be used").fill(
        "Retested by the clinic's contract laboratory: 0.3 EU/mL (report LAB-77).")
    desk.get_by_label("Your password, to release").fill("not my password")
    desk.get_by_role("button", name="Release the lot").click()
    assert "The password is not correct" in desk.locator("main").inner_text()
    desk.get_by_label("Your password, to release").fill(PASSWORD)
    shot(desk, "lots-5-release-form")
    desk.get_by_role("button", name="Release the lot").click()
    desk.wait_for_url("**/lots/*/")
    text = desk.locator("main").inner_text()
    assert "Lot HB-2291 released for use." in text
    assert "Released by Dana Director" in text
    shot(desk, "lots-6-released")
    lot = Lot.objects.get()
    assert lot.status == "released"
    assert lot.resolved_by == reviewer
