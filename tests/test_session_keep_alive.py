"""Staying logged in from a checklist step with answers not yet saved (static/js/unsaved.js):
the keep-alive view, and the warning before the idle timeout in the browser."""

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from vetting.models import AuditEntry

pytestmark = pytest.mark.django_db
URL = "/session/keep-alive/"


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_staff_stay_logged_in_for_another_idle_timeout(client_for, make_user, role, settings):
    client = client_for(make_user(role))
    client.get("/")
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timezone.timedelta(
        seconds=60))
    written = AuditEntry.objects.count()
    response = client.post(URL)
    assert response.status_code == 204
    left = Session.objects.get(pk=key).expire_date - timezone.now()
    assert left.total_seconds() > settings.SESSION_COOKIE_AGE - 60
    assert AuditEntry.objects.count() == written


def test_anonymous_and_users_without_a_role_are_refused(client, client_for, norole_user):
    response = client.post(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client_for(norole_user).post(URL).status_code == 403


def test_get_is_refused(client_for, practitioner):
    assert client_for(practitioner).get(URL).status_code == 405


def test_the_step_tells_the_script_the_idle_timeout(client_for, practitioner, assessment,
                                                    settings):
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/steps/0/")
    assert (f'data-keep-alive-url="{URL}" data-session-seconds="{settings.SESSION_COOKIE_AGE}"'
            in page.content.decode())


def step_with_unsaved_answer(new_page, make_user, product, settings):
    """Logged in with a 6-second idle timeout, on a step with an answer chosen, not saved:
    (the page, its idle-timeout warning)."""
    from tests.conftest import PASSWORD
    from vetting import services

    settings.SESSION_COOKIE_AGE = 6
    user = make_user("practitioner", username="pia")
    assessment = services.assessment_create(user=user, product=product)
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "pia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto(f"/assessments/{assessment.pk}/steps/0/")
    warning = page.locator(".session-warning")
    page.select_option("#id_q0_4__market", "south_korea")  # typed, not saved
    return page, warning


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_step_warns_before_the_idle_timeout_and_stays_logged_in(new_page, make_user,
                                                                    checklist_version,
                                                                    product, settings):
    """With a 6-second idle timeout: answers typed and not saved, the page warns before the
    end, "Stay logged in" keeps the session, and an unattended page is logged out on time."""
    from tests.browser import shot

    page, warning = step_with_unsaved_answer(new_page, make_user, product, settings)
    warning.get_by_text("you will be logged out at").wait_for(timeout=8_000)
    shot(page, "session-1-warning")
    with page.expect_response("**/session/keep-alive/") as kept:
        warning.get_by_role("button", name="Stay logged in").click()
    assert kept.value.status == 204  # the session lasts another timeout (tested above)
    warning.wait_for(state="hidden", timeout=4_000)
    # Left alone, the page says the session ended, and so it has.
    warning.get_by_text("Your session has ended").wait_for(timeout=10_000)
    shot(page, "session-2-ended")
    assert page.evaluate("fetch('/').then(r => r.url)").endswith("/accounts/login/?next=/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_stay_logged_in_after_the_session_ended_says_so(new_page, make_user, checklist_version,
                                                        product, settings):
    """The keep-alive of an ended session answers with the login page: not taken for kept."""
    page, warning = step_with_unsaved_answer(new_page, make_user, product, settings)
    warning.get_by_text("you will be logged out at").wait_for(timeout=8_000)
    Session.objects.all().delete()  # logged out meanwhile (another tab, an admin)
    warning.get_by_role("button", name="Stay logged in").click()
    warning.get_by_text("Your session has ended").wait_for(timeout=4_000)
