"""Vendor portal views (/v/<token>/...): every view anonymous and with every staff
session (which gets nothing extra), unknown, expired and revoked tokens, scope,
methods, saving, uploading, submitting, and the rate limit per client address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import PDF_BYTES
from tests.test_portal_services import reopen
from vetting.models import (
    Assessment,
    AssessmentState,
    AuditEntry,
    EvidenceDocument,
    Invitation,
    Product,
    VendorContact,
    VendorSubmission,
)
from vetting.services import answer_set, assessment_create, assessment_withdraw, evidence_upload
from vetting.services import portal as portal_services

S = AssessmentState
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # LocMemCache outlives a test: start every test with empty counters
    yield
    cache.clear()


@pytest.fixture
def contact(vendor):
    return VendorContact.objects.create(vendor=vendor, name="Vera Quality",
                                        email="vera@aurora.example")


@pytest.fixture
def issued(assessment, practitioner, contact):
    return portal_services.invitation_send(user=practitioner, assessment=assessment,
                                           contact=contact)


@pytest.fixture
def token(issued):
    return issued.token


@pytest.fixture
def other(checklist_version, vendor, practitioner):
    """Assessment B of another product, with its own invitation."""
    product = Product.objects.create(vendor=vendor, name="Other Hair Serum",
                                     category="exosome_ev", form="topical")
    assessment = assessment_create(user=practitioner, product=product)
    contact = VendorContact.objects.create(vendor=vendor, name="Otto", email="otto@aurora.ex")
    issued = portal_services.invitation_send(user=practitioner, assessment=assessment,
                                             contact=contact)
    return assessment, issued.token


@pytest.fixture(params=[None, "practitioner", "reviewer", "admin"])
def visitor(request, make_user, client_for):
    """The vendor (anonymous) or a browser with a clinic staff session."""
    user = make_user(request.param) if request.param else None
    return client_for(user)


def url(token, *parts):
    return "/v/" + "/".join([token, *parts]) + "/"


def expire(issued):
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))


STAFF_ONLY = ["Dashboard", "Log out", "/vendors/", "/assessments/", "RED", "AMBER",
              "Findings", "Entered from vendor document", "practitioner"]


def assert_vendor_only(response):
    body = response.content.decode()
    for text in STAFF_ONLY:
        assert text not in body, text


def assert_private(response):
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"


# ------------------------------------------------------------------ home

def test_home_shows_the_vendor_domains_with_progress(visitor, token, assessment):
    response = visitor.get(url(token))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Questions about Glow Exosome Serum" in body
    assert "Source and origin" in body and "Mechanism-of-action evidence" in body
    assert "Product profile" not in body  # domain 0 holds no vendor question
    assert f'href="/v/{token}/steps/1/"' in body
    assert_vendor_only(response)
    assert_private(response)


def test_continue_opens_the_first_section_with_something_left_to_do(client, token,
                                                                    assessment):
    assert f'href="/v/{token}/steps/1/">Start</a>' in client.get(url(token)).content.decode()
    client.post(url(token, "steps", "1"), {
        "q1_1__source": "plant", "q1_1__viable_leukocytes": "no", "q1_2__cell_type": "specific",
        "q1_2__inci_name": "Centella Asiatica Callus Culture Vesicles",
        "q1_2__called_exosome": "yes", "save": ""})
    assert assessment.answers.filter(question_id__in=["1.1", "1.2"]).count() == 2
    body = client.get(url(token)).content.decode()
    assert f'href="/v/{token}/steps/2/">Continue</a>' in body  # section 1 is complete


@pytest.mark.parametrize("parts", [(), ("steps", "1"), ("submit",)])
def test_any_page_of_the_link_records_the_opening(client, token, issued, parts):
    """A vendor who bookmarked a section opened the link too (only home used to count)."""
    client.get(url(token, *parts))
    issued.invitation.refresh_from_db()
    assert issued.invitation.first_opened_at is not None
    assert AuditEntry.objects.filter(summary="Invitation link opened by the vendor").count() == 1


def test_the_live_preview_is_not_an_opening(client, token, issued):
    client.post(url(token, "steps", "1", "preview"), {"q1_1__source": "plant"})
    issued.invitation.refresh_from_db()
    assert issued.invitation.first_opened_at is None


def test_the_section_open_is_marked_current_in_the_progress_list(client, token):
    page = client.get(url(token, "steps", "2")).content.decode()
    assert re.search(r'<a class="fw-semibold link-body-emphasis" href="/v/[\w-]+/steps/2/" '
                     r'aria-current="step">', page)
    assert page.count('aria-current="step"') == 1


def test_home_shows_the_clinics_message(client, assessment, practitioner, contact):
    token = portal_services.invitation_send(user=practitioner, assessment=assessment,
                                            contact=contact, message="CoA first, please").token
    assert "CoA first, please" in client.get(url(token)).content.decode()


def test_a_staff_session_gets_the_same_page_as_the_vendor(token, client_for, practitioner):
    anonymous = client_for(None).get(url(token, "steps", "1")).content.decode()
    staff = client_for(practitioner).get(url(token, "steps", "1")).content.decode()

    def strip(html):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert strip(anonymous) == strip(staff)


# ------------------------------------------------------------------ unknown, expired, revoked

@pytest.mark.parametrize("path", ["", "steps/1/", "submit/", "done/"])
def test_an_unknown_token_is_a_plain_404(visitor, token, path):
    response = visitor.get(f"/v/{'x' * 43}/{path}")
    assert response.status_code == 404
    body = response.content.decode().lower()
    for hint in ("expired", "revoked", "invitation", "contact"):
        assert hint not in body
    assert_private(response)


def test_the_hash_of_a_token_is_not_a_token(client, issued):
    assert client.get(url(issued.invitation.token_hash)).status_code == 404


@pytest.mark.parametrize("path", ["", "steps/1/", "submit/", "done/"])
def test_an_expired_link_says_whom_to_contact(visitor, issued, practitioner, path):
    expire(issued)
    response = visitor.get(url(issued.token) + path)
    assert response.status_code == 410
    body = response.content.decode()
    assert "expired" in body
    assert practitioner.email in body and "pia" in body
    assert_private(response)


def test_a_revoked_link_says_whom_to_contact(visitor, issued, practitioner):
    portal_services.invitation_revoke(user=practitioner, invitation=issued.invitation)
    response = visitor.get(url(issued.token))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert practitioner.email in response.content.decode()


def test_an_expired_link_writes_nothing(client, issued, assessment):
    expire(issued)
    response = client.post(url(issued.token, "steps", "1"), {"q1_1__source": "plant"})
    assert response.status_code == 410
    assert not assessment.answers.filter(question_id="1.1").exists()
    assert client.post(url(issued.token, "submit")).status_code == 410
    assert VendorSubmission.objects.count() == 0


def test_a_reissued_link_replaces_the_old_one(client, issued, practitioner):
    new = portal_services.invitation_reissue(user=practitioner, invitation=issued.invitation)
    assert client.get(url(issued.token)).status_code == 410
    assert client.get(url(new.token)).status_code == 200


# ------------------------------------------------------------------ scope

def test_a_token_reads_only_its_own_assessment(client, token, other, practitioner):
    b, b_token = other
    answer_set(assessment=b, question_id="1.1", value={"source": "animal"},
               vendor_label="Otto <otto@aurora.ex>")
    body = client.get(url(token, "steps", "1")).content.decode()
    assert "Other Hair Serum" not in body
    assert 'value="animal" selected' not in body
    assert "Other Hair Serum" in client.get(url(b_token)).content.decode()


def test_a_token_writes_only_its_own_assessment(client, token, assessment, other, pdf_upload):
    b, _ = other
    client.post(url(token, "steps", "1"), {"q1_1__source": "plant", "save": ""})
    client.post(url(token, "steps", "4"), {"upload": "q4_1", "file-q4_1-coa": pdf_upload()})
    client.post(url(token, "submit"))
    assert assessment.answers.filter(question_id="1.1").exists()
    assert not b.answers.filter(question_id="1.1").exists()
    assert EvidenceDocument.objects.filter(assessment=b).count() == 0
    assert EvidenceDocument.objects.filter(assessment=assessment).count() == 1
    assert b.submissions.count() == 0 and assessment.submissions.count() == 1


# ------------------------------------------------------------------ steps

def test_a_step_shows_only_the_vendors_questions_and_fields(visitor, token):
    response = visitor.get(url(token, "steps", "1"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="q1_1__source"' in body and 'name="q1_2__inci_name"' in body
    assert 'name="q1_2__called_exosome"' not in body  # a practitioner field
    assert "__document" not in body
    assert "Section 1 of 7" in body
    assert_vendor_only(response)
    assert_private(response)


@pytest.mark.parametrize("domain", ["0", "99"])
def test_a_step_without_vendor_questions_is_404(client, token, domain):
    assert client.get(url(token, "steps", domain)).status_code == 404


def test_save_stores_the_vendors_answer(client, token, assessment):
    response = client.post(url(token, "steps", "1"), {"q1_1__source": "plant", "save": ""})
    assert response.status_code == 302
    assert response["Location"] == url(token, "steps", "1") + "?saved=1"
    answer = assessment.answers.get(question_id="1.1")
    assert answer.value == {"source": "plant"}
    assert answer.source == "vendor"
    assert "Saved." in client.get(response["Location"]).content.decode()


def test_save_and_next_goes_to_the_next_vendor_step(client, token):
    response = client.post(url(token, "steps", "1"), {"q1_1__source": "plant",
                                                      "save_next": ""})
    assert response["Location"] == url(token, "steps", "2") + "?saved=1"
    response = client.post(url(token, "steps", "7"), {"save_next": ""})
    assert response["Location"] == url(token, "submit")


def test_an_invalid_answer_is_shown_and_nothing_is_saved(client, token, assessment):
    response = client.post(url(token, "steps", "1"), {"q1_1__source": "moon_rock",
                                                      "q1_2__inci_name": "Exosomes"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not assessment.answers.filter(question_id__in=["1.1", "1.2"]).exists()


def test_the_vendor_keeps_the_practitioners_field_of_a_vendor_question(client, token,
                                                                       assessment,
                                                                       practitioner, pdf_upload):
    document = evidence_upload(assessment=assessment, question_id="1.2",
                               kind="cell_bank_identity", upload=pdf_upload(), user=practitioner)
    answer_set(assessment=assessment, question_id="1.2", value={"called_exosome": "yes"},
               user=practitioner, source_document=document)
    client.post(url(token, "steps", "1"), {"q1_2__inci_name": "Rose vesicles", "save": ""})
    assert assessment.answers.get(question_id="1.2").value == {
        "called_exosome": "yes", "inci_name": "Rose vesicles"}


def test_preview_returns_applicability_only(client, token):
    response = client.post(url(token, "steps", "1", "preview"), {"q1_1__source": "plant"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"not_applicable"}
    assert "1.3" in data["not_applicable"]  # autologous/allogeneic: human sources only


@pytest.mark.parametrize(("method", "path"), [
    ("put", ""), ("post", ""), ("delete", "steps/1/"),
    ("get", "steps/1/preview/"), ("put", "submit/"), ("post", "done/"),
])
def test_wrong_methods_are_refused(client, token, assessment, method, path):
    response = getattr(client, method)(url(token) + path)
    assert response.status_code == 405
    assert VendorSubmission.objects.count() == 0


# ------------------------------------------------------------------ documents

def upload_on(client, token, domain, data):
    return client.post(url(token, "steps", domain), data)


def test_upload_stores_the_document(client, token, assessment, pdf_upload):
    response = upload_on(client, token, "4", {"upload": "q4_1",
                                              "file-q4_1-coa": pdf_upload("CoA lot 7.pdf")})
    assert response.status_code == 302
    assert response["Location"] == url(token, "steps", "4") + "?saved=1&uploaded=1#q4_1"
    document = EvidenceDocument.objects.get(assessment=assessment)
    assert document.uploaded_by_vendor == "Vera Quality <vera@aurora.example>"
    page = client.get(response["Location"]).content.decode()
    assert "CoA lot 7.pdf" in page and "Document uploaded." in page


def test_the_vendor_replaces_a_wrong_file_and_the_clinic_keeps_both(client, token,
                                                                    assessment, pdf_upload):
    upload_on(client, token, "4", {"upload": "q4_1",
                                   "file-q4_1-coa": pdf_upload("wrong-lot-CoA.pdf")})
    wrong = EvidenceDocument.objects.get(assessment=assessment)
    page = client.get(url(token, "steps", "4")).content.decode()
    assert f'name="replace-{wrong.pk}"' in page
    response = upload_on(client, token, "4", {
        "upload": "q4_1", f"replace-{wrong.pk}": pdf_upload("right-lot-CoA.pdf",
                                                             PDF_BYTES + b"% right")})
    assert response.status_code == 302
    right = EvidenceDocument.objects.get(assessment=assessment, is_current=True)
    assert (right.original_name, right.replaces_id, right.kind) == (
        "right-lot-CoA.pdf", wrong.pk, "coa")
    wrong.refresh_from_db()
    assert not wrong.is_current  # kept in the record as the previous version
    page = client.get(url(token, "steps", "4")).content.decode()
    assert "right-lot-CoA.pdf" in page and "wrong-lot-CoA.pdf" not in page


def test_the_vendor_cannot_replace_the_clinics_document_or_another_assessments(
        client, token, assessment, other, practitioner, pdf_upload):
    held = evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                           upload=pdf_upload("clinic-CoA.pdf"), user=practitioner)
    elsewhere = evidence_upload(assessment=other[0], question_id="4.1", kind="coa",
                                upload=pdf_upload("other-CoA.pdf", PDF_BYTES + b"% b"),
                                vendor_label="Otto")
    page = client.get(url(token, "steps", "4")).content.decode()
    assert f'name="replace-{held.pk}"' not in page
    for document in (held, elsewhere):
        before = EvidenceDocument.objects.count()
        response = upload_on(client, token, "4", {
            "upload": "q4_1", f"replace-{document.pk}": pdf_upload(
                "mine.pdf", PDF_BYTES + f"% {document.pk}".encode())})
        assert response.status_code == 400
        assert "mine.pdf was not stored" in response.content.decode()
        assert EvidenceDocument.objects.count() == before
        document.refresh_from_db()
        assert document.is_current


def test_an_upload_saves_the_answers_typed_before_it(client, token, assessment, pdf_upload):
    response = upload_on(client, token, "4", {"q4_4__result": "pass", "upload": "q4_1",
                                              "file-q4_1-coa": pdf_upload()})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="4.4").value == {"result": "pass"}
    assert EvidenceDocument.objects.filter(assessment=assessment).count() == 1


def test_a_file_is_stored_even_when_an_answer_needs_correcting(client, token, assessment,
                                                               pdf_upload):
    response = upload_on(client, token, "4", {"q4_4__result": "maybe", "upload": "q4_1",
                                              "file-q4_1-coa": pdf_upload()})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Your answers were not saved" in page and "Document uploaded." in page
    assert "Select a valid choice" in page
    assert not assessment.answers.filter(question_id="4.4").exists()
    assert EvidenceDocument.objects.filter(assessment=assessment).count() == 1


def test_a_refused_upload_is_explained_next_to_its_question(client, token, pdf_upload):
    response = upload_on(client, token, "4", {
        "upload": "q4_1", "file-q4_1-coa": pdf_upload("coa.pdf", b"MZ\x90\x00 not a pdf")})
    assert response.status_code == 400
    page = response.content.decode()
    card = page[page.index('id="q4_1"'):]
    assert "coa.pdf was not stored" in card[:card.index("</section>")]
    assert "not an accepted type" in card[:card.index("</section>")]
    # ... and above the section, linked to it: on a phone the question can be screens below.
    banner = page[page.index('id="refused-uploads"'):page.index('id="step-form"')]
    assert '<a class="alert-link" href="#q4_1">Question 4.1</a>: coa.pdf was not stored' in banner
    assert EvidenceDocument.objects.count() == 0


@pytest.mark.parametrize("name", ["file-q5_1-coa", "file-q4_1-coa_x", "file"])
def test_the_vendor_cannot_upload_what_the_section_does_not_ask(client, token, assessment,
                                                                pdf_upload, name):
    response = upload_on(client, token, "4", {"save": "", name: pdf_upload()})
    assert response.status_code == 400
    assert "was not stored" in response.content.decode()
    assert EvidenceDocument.objects.count() == 0


def test_uploads_beyond_the_limit_are_refused_with_a_message(client, token, pdf_upload,
                                                              settings):
    settings.PORTAL_MAX_UPLOADS_PER_SUBMISSION = 1
    first = upload_on(client, token, "4", {"upload": "q4_1", "file-q4_1-coa": pdf_upload()})
    assert first.status_code == 302
    response = upload_on(client, token, "4", {
        "upload": "q4_7", "file-q4_7-cold_chain": pdf_upload("b.pdf", PDF_BYTES + b"%2\n")})
    assert response.status_code == 400
    assert "the most one submission may hold" in response.content.decode()
    assert EvidenceDocument.objects.count() == 1


def test_an_upload_without_a_file_is_refused(client, token):
    response = upload_on(client, token, "4", {"upload": "q4_1"})
    assert response.status_code == 400
    assert "Choose a file, then press Upload." in response.content.decode()
    assert not EvidenceDocument.objects.exists()


# ------------------------------------------------------------------ submit

def test_submit_confirmation_lists_what_is_missing(visitor, token):
    response = visitor.get(url(token, "submit"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Still missing" in body
    assert "Biological source" in body
    assert "certificate of analysis" in body
    assert_vendor_only(response)


def test_submit_makes_submission_1_and_closes_the_portal(client, token, assessment,
                                                         mailoutbox,
                                                         django_capture_on_commit_callbacks):
    client.post(url(token, "steps", "1"), {"q1_1__source": "plant", "save": ""})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(token, "submit"))
    assert response["Location"] == url(token, "done")
    assessment.refresh_from_db()
    assert assessment.state == S.VENDOR_SUBMITTED
    assert assessment.submissions.get().number == 1
    assert "your answers were received" in client.get(url(token, "done")).content.decode()
    assert "your answers were received" in client.get(url(token)).content.decode()
    assert len(mailoutbox) == 1


def test_a_closed_portal_writes_nothing(client, token, assessment):
    client.post(url(token, "submit"))
    response = client.post(url(token, "steps", "1"), {"q1_1__source": "plant", "save": ""})
    assert response.status_code == 200
    assert "your answers were received" in response.content.decode()
    assert not assessment.answers.filter(question_id="1.1").exists()
    client.post(url(token, "submit"))
    assert assessment.submissions.count() == 1


REVIEWING = "The clinic now reviews them."


def test_after_a_withdrawal_the_link_no_longer_promises_a_review(client, token, assessment,
                                                                 practitioner):
    client.post(url(token, "submit"))
    assert REVIEWING in client.get(url(token)).content.decode()
    assessment_withdraw(user=practitioner, assessment=assessment,
                                 reason="Product discontinued")
    body = client.get(url(token)).content.decode()
    assert "your answers were received" in body
    assert "The clinic has since closed this assessment" in body
    assert REVIEWING not in body and "discontinued" not in body


@pytest.mark.parametrize("state", ["approved", "rejected", "suspended", "superseded"])
def test_after_a_decision_the_link_says_the_review_is_over_not_what_was_decided(
        client, token, assessment, state):
    client.post(url(token, "submit"))
    # The decision's own flow is tested elsewhere; here only what the link shows after it.
    Assessment.objects.filter(pk=assessment.pk).update(state=state)
    body = client.get(url(token)).content.decode()
    assert "The clinic has completed its review" in body
    assert REVIEWING not in body
    assert not re.search(r"approved|rejected|suspended|superseded", body, re.IGNORECASE)


def test_an_information_request_reopens_the_portal_with_its_message(
        client, token, assessment, practitioner, reviewer):
    client.post(url(token, "submit"))
    reopen(assessment, practitioner, reviewer, message="Please attach the stability study.")
    body = client.get(url(token)).content.decode()
    assert "Please attach the stability study." in body
    assert "1 earlier submission received" in body
    client.post(url(token, "steps", "4"), {"q4_2__expiry_date": "2027-06-30", "save": ""})
    client.post(url(token, "submit"))
    second = assessment.submissions.get(number=2)
    assert second.answers["4.2"] == {"expiry_date": "2027-06-30"}


# ------------------------------------------------------------------ rate limit

def test_gets_are_limited_per_client_address(client, token, settings):
    settings.PORTAL_RATE_GET = "3/m"
    for _ in range(3):
        assert client.get(url(token)).status_code == 200
    response = client.get(url(token))
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert_private(response)
    # another address has its own budget
    assert client.get(url(token), REMOTE_ADDR="203.0.113.9").status_code == 200


def test_unknown_tokens_count_against_the_limit(client, token, settings):
    settings.PORTAL_RATE_GET = "2/m"
    for guess in ("a" * 43, "b" * 43):
        assert client.get(url(guess)).status_code == 404
    assert client.get(url(token)).status_code == 429


def test_posts_are_limited_separately(client, token, assessment, settings):
    settings.PORTAL_RATE_POST = "1/m"
    assert client.post(url(token, "steps", "1"), {"save": ""}).status_code == 302
    response = client.post(url(token, "steps", "1"), {"q1_1__source": "plant", "save": ""})
    assert response.status_code == 429
    assert not assessment.answers.filter(question_id="1.1").exists()
    assert client.get(url(token)).status_code == 200


def test_the_preview_has_its_own_larger_budget(client, token, assessment, settings):
    """It is sent as each answer changes: a vendor typing fast reached the 20 saves a minute
    allow."""
    settings.PORTAL_RATE_POST, settings.PORTAL_RATE_PREVIEW = "1/m", "3/m"
    assert client.post(url(token, "steps", "1"), {"save": ""}).status_code == 302
    for _ in range(3):
        assert client.post(url(token, "steps", "1", "preview"),
                           {"q1_1__source": "plant"}).status_code == 200
    assert client.post(url(token, "steps", "1", "preview"),
                       {"q1_1__source": "plant"}).status_code == 429


def test_the_proxy_address_is_used_only_when_trusted(client, token, settings):
    settings.PORTAL_RATE_GET = "1/m"
    settings.PORTAL_TRUST_X_FORWARDED_FOR = True
    assert client.get(url(token), HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.1").status_code == 200
    assert client.get(url(token), HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    # a spoofed left-most entry does not buy a new budget
    response = client.get(url(token), HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.2")
    assert response.status_code == 429


def test_posts_need_no_csrf_cookie_the_token_is_the_secret(token, assessment):
    # Browsers post with "Origin: null" under Referrer-Policy: no-referrer.
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(url(token, "steps", "1"), {"q1_1__source": "plant", "save": ""},
                           HTTP_ORIGIN="null")
    assert response.status_code == 302
    assert assessment.answers.filter(question_id="1.1").exists()
    assert "csrftoken" not in client.cookies


# ------------------------------------------------------------------ changed meanwhile

def opened_fingerprints(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(q\w+--loaded)"(?: value="([0-9a-f]*)")?', page))


def opened_section_1(client, token) -> dict[str, str]:
    return opened_fingerprints(client.get(url(token, "steps", "1")).content.decode())


def test_a_save_made_between_the_pages_read_and_its_write_is_caught(
        monkeypatch, client, token, issued, assessment):
    """Another tab's save lands after the posting request has read the answers and before
    it writes: the check is made again under the lock, so that save stands."""
    from vetting.views import portal as portal_views

    shown = opened_section_1(client, token)
    read = portal_views.stored_answers
    reads = []

    def read_then_other_tab_saves(of):
        answers = read(of)
        if not reads:
            portal_services.portal_answers_save(invitation=issued.invitation,
                                                values={"1.1": {"source": "plant"}})
        reads.append(of)
        return answers

    monkeypatch.setattr(portal_views, "stored_answers", read_then_other_tab_saves)
    response = client.post(url(token, "steps", "1"), {
        **shown, "q1_1__source": "msc_adipose", "q1_2__inci_name": "Exosomes", "save": ""})
    assert response.status_code == 400
    assert ("Your answers were not saved: 1.1 changed since you opened this page"
            in response.content.decode())
    assert assessment.answers.get(question_id="1.1").value == {"source": "plant"}
    assert not assessment.answers.filter(question_id="1.2").exists()


def test_a_save_over_an_answer_changed_meanwhile_is_refused(client, token, issued,
                                                             assessment):
    shown = opened_section_1(client, token)
    # Another tab (or another contact of the vendor) saves 1.1 first.
    portal_services.portal_answers_save(invitation=issued.invitation,
                                        values={"1.1": {"source": "plant"}})
    response = client.post(url(token, "steps", "1"), {
        **shown, "q1_1__source": "msc_adipose", "q1_2__inci_name": "Exosomes", "save": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Your answers were not saved: 1.1 changed since you opened this page" in page
    assert ("Changed since you opened this page, by Vera Quality &lt;vera@aurora.example&gt; "
            "on ") in page
    assert assessment.answers.get(question_id="1.1").value == {"source": "plant"}
    assert not assessment.answers.filter(question_id="1.2").exists()  # all or nothing
    # Saved again from the page that named it: the vendor's answer replaces it.
    again = {**shown, **opened_fingerprints(page), "q1_1__source": "msc_adipose", "save": ""}
    assert client.post(url(token, "steps", "1"), again).status_code == 302
    assert assessment.answers.get(question_id="1.1").value == {"source": "msc_adipose"}


def test_the_vendor_reads_the_clinic_for_an_answer_the_clinic_entered(
        client, token, assessment, practitioner, pdf_upload):
    shown = opened_section_1(client, token)
    document = evidence_upload(assessment=assessment, question_id="1.2", kind="cell_bank_identity",
                               upload=pdf_upload(), user=practitioner)
    answer_set(assessment=assessment, question_id="1.2", value={"inci_name": "Rose extract"},
               user=practitioner, source_document=document)
    page = client.post(url(token, "steps", "1"), {**shown, "q1_2__inci_name": "Rose vesicles"}
                       ).content.decode()
    assert "Changed since you opened this page, by the clinic on " in page
    assert "Rose extract. Your answer below was not saved" in page
    assert assessment.answers.get(question_id="1.2").value == {"inci_name": "Rose extract"}


def test_a_save_keeps_an_answer_changed_meanwhile_that_the_page_left_alone(client, token,
                                                                           issued, assessment):
    shown = opened_section_1(client, token)
    portal_services.portal_answers_save(invitation=issued.invitation,
                                        values={"1.1": {"source": "plant"}})
    response = client.post(url(token, "steps", "1"), {
        **shown, "q1_2__inci_name": "Rose vesicles", "save": ""})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="1.1").value == {"source": "plant"}
    assert assessment.answers.get(question_id="1.2").value == {"inci_name": "Rose vesicles"}


def test_after_a_save_with_a_refused_file_the_page_saves_again_without_a_false_conflict(
        client, token, assessment):
    """Saved, but a file refused: the page comes back (400). Its next save is judged
    against what was just saved, not against the page as first loaded."""
    shown = opened_section_1(client, token)
    bad = SimpleUploadedFile("notes.pdf", b"not a pdf")
    page = client.post(url(token, "steps", "1"), {
        **shown, "q1_1__source": "plant", "q1_2__inci_name": "A",
        "file-q1_2-cell_bank_identity": bad, "save": ""}).content.decode()
    assert assessment.answers.get(question_id="1.1").value == {"source": "plant"}
    again = opened_fingerprints(page)
    # 1.2 cleared and 1.1 changed from that page: both saved, no conflict, nothing kept.
    response = client.post(url(token, "steps", "1"), {
        **again, "q1_1__source": "msc_adipose", "save": ""})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="1.1").value == {"source": "msc_adipose"}
    assert not assessment.answers.filter(question_id="1.2").exists()


def test_an_expiry_date_before_the_manufacture_date_is_refused_next_to_it(client, token,
                                                                         assessment):
    before = dict(assessment.answers.values_list("question_id", "value"))
    response = client.post(url(token, "steps", "4"), {
        **opened_fingerprints(client.get(url(token, "steps", "4")).content.decode()),
        "q4_1__coa_lot": "L-1", "q4_2__manufacture_date": "2026-05-01",
        "q4_2__expiry_date": "2026-04-30", "save": ""})
    page = response.content.decode()
    assert response.status_code == 400
    message = "The expiry date (2026-04-30) is before the manufacture date (2026-05-01)."
    field = re.search(r'id="id_q4_2__expiry_date_error".*?</div>', page, re.S)
    assert field and message in field.group()  # at the expiry date's field
    assert dict(assessment.answers.values_list("question_id", "value")) == before  # nor 4.1
