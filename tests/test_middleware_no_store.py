"""Pages for signed-in users carry Cache-Control: no-store (clinic.middleware)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
@pytest.mark.parametrize("url", ["/", "/vendors/", "/assessments/", "/lots/"])
def test_a_signed_in_users_page_is_not_stored_by_the_browser(client_for, make_user, role, url):
    response = client_for(make_user(role)).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_refusal_to_a_signed_in_user_is_not_stored_either(client_for, norole_user):
    response = client_for(norole_user).get("/vendors/")
    assert response.status_code == 403
    assert "no-store" in response["Cache-Control"]


def test_a_view_that_sets_its_own_cache_control_keeps_it(client_for, practitioner, assessment,
                                                         pdf_upload):
    from vetting import services

    document = services.evidence_upload(assessment=assessment, question_id="1.2",
                                        kind="cell_bank_identity", upload=pdf_upload(),
                                        user=practitioner)
    response = client_for(practitioner).get(
        f"/assessments/{assessment.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_response_to_someone_not_signed_in_is_left_to_its_view(client):
    response = client.get("/vendors/")  # to the login page
    assert response.status_code == 302 and "Cache-Control" not in response
