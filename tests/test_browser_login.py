"""A practitioner logs in through the browser, sees the dashboard and logs out."""

import pytest

from tests.browser import shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_practitioner_logs_in_sees_the_dashboard_and_logs_out(new_page, make_user):
    make_user("practitioner", username="pia", first_name="Pia", last_name="Lind")
    page = new_page()
    page.goto("/")
    assert page.url.endswith("/accounts/login/?next=/")
    shot(page, "login-1-page")

    page.fill("#id_username", "pia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert "Pia Lind" in page.locator("nav").inner_text()
    shot(page, "login-2-dashboard")

    page.click("text=Pia Lind")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    assert page.goto("/").url.endswith("/accounts/login/?next=/")


def test_wrong_password_shows_the_message_next_to_the_form(new_page, make_user):
    make_user("practitioner", username="pia")
    page = new_page(width=390, height=844)  # a phone
    page.goto("/accounts/login/")
    page.fill("#id_username", "pia")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    alert = page.locator("form .alert")
    assert "Please enter a correct username and password" in alert.inner_text()
    shot(page, "login-3-wrong-password-phone")
