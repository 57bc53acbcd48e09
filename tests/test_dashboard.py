"""The dashboard at / : login required, staff roles only."""

import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_each_staff_role_sees_the_dashboard(client_for, make_user, role):
    response = client_for(make_user(role)).get("/")
    assert response.status_code == 200
    assert b"<h1 class=\"h3 mb-3\">Dashboard</h1>" in response.content


def test_user_without_a_role_is_refused(client_for, norole_user):
    response = client_for(norole_user).get("/")
    assert response.status_code == 403
    assert b"ask your clinic's administrator" in response.content


def test_post_is_refused(client_for, practitioner):
    assert client_for(practitioner).post("/").status_code == 405


def test_navigation_follows_the_roles(client_for, practitioner, admin_user):
    assert b'href="/system/"' not in client_for(practitioner).get("/").content
    assert b'href="/system/"' in client_for(admin_user).get("/").content


def test_bootstrap_is_served_locally(client_for, practitioner):
    content = client_for(practitioner).get("/").content.decode()
    assert 'href="/static/bootstrap/css/bootstrap.min.css"' in content
    assert "cdn" not in content.lower()
