"""Who reaches the workspace, by every URL the site has: login everywhere but the public
pages, and a vendor's link (the portal's token) opens none of it. Then, per assessment view
that writes or answers with findings, each staff role succeeds, everyone else is refused
with nothing written, and a wrong method is refused."""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from tests.conftest import PDF_BYTES
from vetting import services
from vetting.models import Assessment, Product, VendorContact
from vetting.services import portal as portal_services

pytestmark = pytest.mark.django_db
STAFF = ["practitioner", "reviewer", "admin"]

# Reached without logging in (product.md): the login and password-reset pages, the vendor
# portal (its token), the public verification page and /healthz.
PUBLIC = re.compile(r"^(accounts/(login|logout|password_reset|reset)/|v/<|verify/$|healthz$)")


def routes(patterns=None, prefix=""):
    """Every URL pattern of the site as a route string ("assessments/<int:pk>/"), the admin
    site's aside (Django's own, with its own login)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        else:
            yield route


CLOSED = sorted({route for route in routes() if not PUBLIC.match(route)})


def written() -> tuple:
    """What a request could have written: the rows of every model of the app, and each
    assessment's state, recommendation and last change."""
    counts = tuple(model.objects.count() for model in apps.get_app_config("vetting").get_models())
    return counts, tuple(Assessment.objects.order_by("pk").values_list(
        "pk", "state", "recommendation", "updated_at"))


@pytest.fixture
def document(assessment, practitioner, pdf_upload):
    return services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                    upload=pdf_upload("CoA.pdf"), user=practitioner)


@pytest.fixture
def token(assessment, practitioner, vendor):
    contact = VendorContact.objects.create(vendor=vendor, name="Vera Quality",
                                           email="vera@aurora.example")
    return portal_services.invitation_send(user=practitioner, assessment=assessment,
                                           contact=contact).token


@pytest.fixture
def urls(assessment, document, vendor):
    """Each closed route with real records' ids in it (an existing record must be closed
    as well as an unknown one)."""
    ids = {"pk": assessment.pk, "vendor_id": vendor.pk, "product_id": assessment.product_id,
           "document_id": document.pk}

    def fill(match):
        converter, name = match[1], match[2]
        return str(ids.get(name, 1)) if converter == "int" else "submit"

    return [re.sub(r"<(?:(\w+):)?(\w+)>", fill, "/" + route) for route in CLOSED]


def test_the_closed_routes_are_the_workspace():
    """The list the tests below walk is the site's, not a copy: a new view is in it."""
    assert "assessments/<int:pk>/steps/<str:domain_id>/preview/" in CLOSED
    assert "" in CLOSED and "system/" in CLOSED and "review/<int:pk>/decision/" in CLOSED
    assert not any(route.startswith(("v/", "verify", "healthz", "accounts/login"))
                   for route in CLOSED)


def refused_to_a_stranger(response) -> bool:
    """The login page for anyone not logged in; a 405 for a method the view never takes
    (it answers before anything is looked up)."""
    if response.status_code == 405:
        return True
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_every_closed_page_sends_an_anonymous_visitor_to_the_login_page(client, urls):
    before = written()
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert refused_to_a_stranger(response), (method.__name__, url, response.status_code)
    assert written() == before


def test_a_vendors_link_opens_none_of_the_workspace(client, token, urls):
    """The portal answers to its token, never to a session: a browser that opened the
    vendor's link is as anonymous to the workspace as any other."""
    assert client.get(f"/v/{token}/").status_code == 200
    before = written()
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert refused_to_a_stranger(response), (method.__name__, url, response.status_code)
        assert token not in response.content.decode()
    # Nor does the token stand in for a record's id, or log anyone in.
    assert client.get(f"/assessments/{token}/").status_code == 404
    assert not client.session.get("_auth_user_id")
    assert written() == before


# ------------------------------------------------------------------ the live preview

def preview_url(assessment, domain="1"):
    return f"/assessments/{assessment.pk}/steps/{domain}/preview/"


@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_gets_the_live_preview(client_for, make_user, assessment, document,
                                               role):
    before = written()
    response = client_for(make_user(role)).post(preview_url(assessment), {"q1_1__source": "plant"})
    assert response.status_code == 200 and "1.4" in response.json()["not_applicable"]
    assert written() == before


def test_the_live_preview_is_refused_to_others(client_for, norole_user, client, assessment,
                                               document, practitioner):
    before = written()
    url = preview_url(assessment)
    response = client_for(norole_user).post(url, {"q1_1__source": "plant"})
    assert response.status_code == 403 and b"not_applicable" not in response.content
    response = client_for(None).post(url, {"q1_1__source": "plant"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    staff = client_for(practitioner)
    for method in (staff.get, staff.put, staff.delete):
        assert method(url).status_code == 405
    assert staff.post(preview_url(assessment, "9")).status_code == 404
    assert staff.post("/assessments/9999/steps/1/preview/").status_code == 404
    assert written() == before


# ------------------------------------------------------------------ the lifecycle actions

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_withdraws_a_draft(client_for, make_user, assessment, role):
    response = client_for(make_user(role)).post(
        f"/assessments/{assessment.pk}/actions/withdraw/", {"reason": "ordered elsewhere"})
    assert response["Location"] == f"/assessments/{assessment.pk}/"
    assessment.refresh_from_db()
    assert assessment.state == "withdrawn"
    assert assessment.audit_entries.filter(summary__icontains="withdrawn").exists()


@pytest.mark.parametrize("action", ["submit", "resubmit", "withdraw"])
def test_the_actions_are_refused_to_others(client_for, norole_user, practitioner, assessment,
                                           action):
    url = f"/assessments/{assessment.pk}/actions/{action}/"
    before = written()
    assert client_for(norole_user).post(url, {"reason": "x"}).status_code == 403
    response = client_for(None).post(url, {"reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    staff = client_for(practitioner)
    assert staff.get(url).status_code == 405
    assert staff.post(f"/assessments/9999/actions/{action}/").status_code == 404
    assert written() == before


# ------------------------------------------------------------------ saving, importing

@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_reviewers_and_admins_save_a_step_too(client_for, make_user, assessment, role):
    client = client_for(make_user(role))
    response = client.post(f"/assessments/{assessment.pk}/steps/5/", {"q5_1__route": "injection"})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="5.1").value == {"route": "injection"}


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_reviewers_and_admins_import_a_dossier_too(client_for, make_user, assessment, role):
    body = json.dumps({"checklist_version": "1", "answers": {"5.1": {"route": "injection"}}})
    response = client_for(make_user(role)).post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body.encode())})
    assert response["Location"] == f"/assessments/{assessment.pk}/"
    assert assessment.answers.get(question_id="5.1").source == "import"


def test_an_anonymous_import_or_save_writes_nothing(client, assessment):
    body = json.dumps({"checklist_version": "1", "answers": {"5.1": {"route": "injection"}}})
    before = written()
    response = client.post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body.encode())})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(f"/assessments/{assessment.pk}/steps/5/", {"q5_1__route": "injection"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert written() == before


@pytest.mark.parametrize(("page", "methods"), [
    ("/assessments/{pk}/", ["post", "put", "delete"]),
    ("/assessments/{pk}/audit/", ["post", "delete"]),
    ("/assessments/{pk}/export/", ["post", "put"]),
    ("/assessments/{pk}/import/", ["put", "delete", "patch"]),
    ("/assessments/{pk}/steps/1/", ["put", "delete"]),
    ("/assessments/{pk}/documents/{document}/", ["post", "delete"]),
])
def test_a_wrong_method_is_refused_and_writes_nothing(client_for, practitioner, assessment,
                                                     document, page, methods):
    client = client_for(practitioner)
    url = page.format(pk=assessment.pk, document=document.pk)
    before = written()
    for method in methods:
        assert getattr(client, method)(url).status_code == 405, (method, url)
    assert written() == before


# ------------------------------------------------------------------ a document of another case

def test_a_step_refuses_another_assessments_document_as_the_source(
        client_for, practitioner, assessment, vendor, pdf_upload):
    """A vendor answer is entered from one of this assessment's documents only: another
    assessment's document id, posted, is refused at its field."""
    other = services.assessment_create(user=practitioner, product=Product.objects.create(
        vendor=vendor, name="Other", category="pdrn", form="topical"))
    foreign = services.evidence_upload(assessment=other, question_id="4.1", kind="coa",
                                       upload=pdf_upload("Other CoA.pdf"), user=practitioner)
    services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                             upload=pdf_upload("CoA.pdf"), user=practitioner)
    before = written()
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/4/", {
        "q4_1__coa_lot": "L-9", "q4_1__document": str(foreign.pk)})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "q4_1__document" in errors and "valid choice" in str(errors["q4_1__document"])
    assert written() == before


# ------------------------------------------------------------------ who answered, and when

def test_a_vendor_answer_shows_who_answered_it_and_when(client_for, practitioner, assessment):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="4.1", value={"coa_lot": "L-7"},
                        vendor_label="vendor: Ann")
    answer = assessment.answers.get(question_id="4.1")
    when = timezone.localtime(answer.answered_at).strftime("%Y-%m-%d %H:%M")
    content = client_for(practitioner).get(f"/assessments/{assessment.pk}/steps/4/").content
    assert f"Answered by vendor: Ann (vendor (portal)) on {when}." in content.decode()


def test_a_file_named_with_a_windows_path_keeps_only_its_own_name(assessment, practitioner):
    upload = SimpleUploadedFile("C:\\Users\\pia\\Desktop\\CoA lot 7.pdf", PDF_BYTES,
                                content_type="application/pdf")
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=upload, user=practitioner)
    assert document.original_name == "CoA lot 7.pdf"
    assert "\\" not in document.file.name and "Users" not in document.file.name
