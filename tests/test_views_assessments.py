"""Assessment workspace views: roles, 404 through the wrong parent, methods, nothing written."""

import hashlib
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import PDF_BYTES, count_queries
from vetting import services
from vetting.models import Answer, Assessment, AuditEntry, EvidenceDocument, Product

pytestmark = pytest.mark.django_db
STAFF = ["practitioner", "reviewer", "admin"]


def state(assessment):
    assessment.refresh_from_db()
    return (assessment.state, Answer.objects.count(), EvidenceDocument.objects.count(),
            AuditEntry.objects.count(), Assessment.objects.count())


@pytest.fixture
def other(checklist_version, vendor, practitioner):
    product = Product.objects.create(vendor=vendor, name="Other", category="pdrn", form="topical")
    return services.assessment_create(user=practitioner, product=product)


@pytest.fixture
def document(assessment, practitioner, pdf_upload):
    return services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                    upload=pdf_upload("CoA.pdf"), user=practitioner)


# ------------------------------------------------------------------ start

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_starts_an_assessment(client_for, make_user, checklist_version, product,
                                              role):
    response = client_for(make_user(role)).post(f"/products/{product.pk}/assessments/new/")
    assessment = product.assessments.get()
    assert response["Location"] == f"/assessments/{assessment.pk}/steps/0/"
    assert assessment.checklist_version == checklist_version


def test_start_takes_the_version_chosen_or_the_newest(client_for, practitioner, product,
                                                     checklist_version, settings, tmp_path):
    v1 = Path(settings.BASE_DIR, "vetting", "checklists", "v1.yaml").read_text(encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(v1.replace('version: "1"', 'version: "2"', 1),
                                      encoding="utf-8")
    settings.CHECKLIST_DIRS = [str(tmp_path)]
    services.checklists_load_all()
    client = client_for(practitioner)
    url = f"/products/{product.pk}/assessments/new/"
    client.post(url, {"checklist_version": str(checklist_version.pk)})
    client.post(url)
    first, second = product.assessments.order_by("pk")
    assert first.checklist_version == checklist_version
    assert second.checklist_version.version == "2"


def test_start_is_refused_to_others_and_by_get(client_for, norole_user, practitioner, product,
                                               checklist_version, client):
    url = f"/products/{product.pk}/assessments/new/"
    assert client_for(norole_user).post(url).status_code == 403
    assert client.logout() is None and client.post(url).status_code == 302
    assert client_for(practitioner).get(url).status_code == 405
    assert client_for(practitioner).post("/products/999/assessments/new/").status_code == 404
    assert client_for(practitioner).post(url, {"checklist_version": 999}).status_code == 404
    assert not Assessment.objects.exists()


# ------------------------------------------------------------------ read-only pages

PAGES = ["/assessments/{pk}/", "/assessments/{pk}/steps/0/", "/assessments/{pk}/steps/3/",
         "/assessments/{pk}/audit/", "/assessments/{pk}/import/", "/assessments/{pk}/export/"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", STAFF)
def test_staff_roles_open_every_page(client_for, make_user, assessment, page, role):
    response = client_for(make_user(role)).get(page.format(pk=assessment.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_others_are_refused_every_page(client_for, norole_user, client, assessment, page):
    url = page.format(pk=assessment.pk)
    before = state(assessment)
    assert client_for(norole_user).get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert state(assessment) == before


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_assessment_is_404(client_for, practitioner, page):
    assert client_for(practitioner).get(page.format(pk=9999)).status_code == 404


def test_an_unknown_step_is_404(client_for, practitioner, assessment):
    assert client_for(practitioner).get(
        f"/assessments/{assessment.pk}/steps/9/").status_code == 404


def test_the_summary_shows_recommendation_findings_and_chart(client_for, practitioner,
                                                             assessment):
    content = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert "Do not approve" in content
    assert "No lot-specific certificate of analysis is attached." in content
    assert "<svg" in content and "Reporting completeness (0-5)" in content


def test_an_undecided_summary_reads_no_report(client_for, practitioner, assessment):
    """A report is a decision's: before there is one, the summary does not look for it
    (the decided case, report shown: tests/test_views_reports.py)."""
    with CaptureQueriesContext(connection) as queries:
        assert client_for(practitioner).get(f"/assessments/{assessment.pk}/").status_code == 200
    assert not [q for q in queries if "vetting_report" in q["sql"]]


def test_continue_the_checklist_opens_the_first_step_with_a_question_to_answer(
        client_for, practitioner, assessment):
    client = client_for(practitioner)
    for qid, value in {"0.1": {"category": "exosome_ev"}, "0.2": {"form": "topical"},
                       "0.3": {"sterile": "no"}, "0.4": {"market": "united_states"}}.items():
        services.answer_set(assessment=assessment, question_id=qid, value=value,
                            user=practitioner)
    page = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert (f'href="/assessments/{assessment.pk}/steps/1/">Continue the checklist</a>'
            in page)


def test_the_summary_links_each_missing_question_to_its_card(client_for, practitioner,
                                                            assessment):
    content = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    missing = re.search(r"<strong>Missing:</strong> (.*?)</p>", content).group(1)
    links = re.findall(r'<a href="([^"]+)">([0-9.]+)</a>', missing)
    assert links and all(href == f"/assessments/{assessment.pk}/steps/{qid.split('.')[0]}/"
                         f"#q{qid.replace('.', '_')}" for href, qid in links)
    assert "; " in missing and "<" not in re.sub(r"<a [^>]+>[0-9.]+</a>", "", missing)


# ------------------------------------------------------------------ the checklist step

def test_saving_a_step_writes_the_answers_and_goes_next(client_for, practitioner, assessment):
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/0/", {
        "q0_1__category": "exosome_ev", "q0_2__form": "topical", "q0_3__sterile": "no",
        "q0_4__market": "united_states", "save_next": "1"})
    assert response["Location"] == f"/assessments/{assessment.pk}/steps/1/"
    values = dict(assessment.answers.values_list("question_id", "value"))
    assert values["0.3"] == {"sterile": "no"} and values["0.4"] == {"market": "united_states"}


def test_an_invalid_value_is_shown_next_to_its_field_and_nothing_saved(client_for, practitioner,
                                                                        assessment):
    before = state(assessment)
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/0/", {
        "q0_1__category": "exosome_ev", "q0_2__form": "topical", "q0_3__sterile": "maybe",
        "q0_4__market": "united_states"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "The answers were not saved: some need correcting" in response.content.decode()
    assert state(assessment) == before


def test_the_summary_names_document_kinds_as_the_checklist_does(client_for, practitioner,
                                                                assessment, document):
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert "certificate of analysis, 4.1," in page.lower()
    assert "(coa)" not in page and ">coa," not in page


def test_a_vendor_answer_needs_the_vendor_document(client_for, practitioner, assessment,
                                                   document):
    before = state(assessment)
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "name the vendor document you entered it from" in page
    # At the document's select, marked invalid (and named by it for a screen reader).
    assert re.search(r'<select name="q1_1__document"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="id_q1_1__document_error">\s*<div class="invalid-feedback d-block">'
                     r"Question 1.1 is the vendor&#x27;s to answer", page)
    assert state(assessment) == before
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant", "q1_1__document": str(document.pk)})
    assert response.status_code == 302
    answer = assessment.answers.get(question_id="1.1")
    assert answer.source == "practitioner_from_vendor_document"
    assert answer.source_document == document


def test_every_vendor_answer_without_its_document_is_marked_at_once(client_for, practitioner,
                                                                     assessment, document):
    """Two vendor answers typed without naming the document: both selects are marked (the
    second was found only after fixing the first and saving again); nothing is written."""
    before = state(assessment)
    # 1.2 is the clinic's own: it would be saved alone, and is rolled back with the rest.
    page = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant", "q1_6__passage": "4",
        "q1_2__called_exosome": "yes"}).content.decode()
    assert ("2 answers entered for the vendor name no vendor document (1.1, 1.6): choose, at "
            "each, the document it was entered from.") in page
    for name in ("q1_1__document", "q1_6__document"):
        assert re.search(rf'<select name="{name}"[^>]*aria-invalid="true"', page), name
    assert state(assessment) == before
    assert not assessment.answers.filter(question_id="1.2").exists()


def test_the_missing_document_mark_stays_when_a_file_is_uploaded_in_the_same_save(
        client_for, practitioner, assessment, document):
    """The usual case: upload the vendor's document and type its answer in one save,
    forgetting to name it. The file is stored; the answer's select stays marked (the form
    rebuilt to offer the new file dropped the mark)."""
    page = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant",
        "file-q1_4-donor_eligibility": SimpleUploadedFile("donors.pdf", PDF_BYTES,
                                                         content_type="application/pdf"),
    }).content.decode()
    assert re.search(r'<select name="q1_1__document"[^>]*aria-invalid="true"', page)
    assert assessment.documents.filter(original_name="donors.pdf").exists()
    assert not assessment.answers.filter(question_id="1.1").exists()


def test_a_page_opened_before_its_document_was_replaced_still_saves(
        client_for, practitioner, assessment, document, pdf_upload):
    client = client_for(practitioner)
    client.post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant", "q1_1__document": str(document.pk)})
    # The page stays open while the file is replaced (by the vendor, or in another tab).
    newer = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                     upload=pdf_upload("CoA v2.pdf", PDF_BYTES + b"%2"),
                                     user=practitioner, replaces=document)
    response = client.post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant", "q1_1__document": str(document.pk),
        "q1_2__cell_type": "specific", "q1_2__document": str(newer.pk)})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="1.2").value["cell_type"] == "specific"
    assert assessment.answers.get(question_id="1.1").source_document == document  # as entered


def test_a_vendor_answer_shows_the_document_it_was_entered_from(client_for, practitioner,
                                                                 assessment, document):
    client = client_for(practitioner)
    client.post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant", "q1_1__document": str(document.pk)})
    form = client.get(f"/assessments/{assessment.pk}/steps/1/").context["form"]
    assert form["q1_1__document"].value() == str(document.pk)
    assert form["q1_2__document"].value() in (None, "")  # not entered from any document


def test_an_answer_whose_document_was_replaced_offers_its_current_version(
        client_for, practitioner, assessment, document, pdf_upload):
    client = client_for(practitioner)
    client.post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant", "q1_1__document": str(document.pk)})
    second = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                      upload=pdf_upload("CoA v2.pdf", PDF_BYTES + b"%2"),
                                      user=practitioner, replaces=document)
    third = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                     upload=pdf_upload("CoA v3.pdf", PDF_BYTES + b"%3"),
                                     user=practitioner, replaces=second)
    response = client.get(f"/assessments/{assessment.pk}/steps/1/")
    assert response.context["form"]["q1_1__document"].value() == str(third.pk)
    assert "from a vendor document: CoA.pdf" in response.content.decode()  # as entered
    # Saving the step unchanged keeps the answer as it was entered.
    before = state(assessment)
    assert client.post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_1__source": "plant", "q1_1__document": str(third.pk)}).status_code == 302
    assert assessment.answers.get(question_id="1.1").source_document == document
    assert state(assessment) == before


def test_vendor_questions_without_documents_cannot_be_cleared(client_for, practitioner,
                                                              assessment):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="1.1", value={"source": "plant"},
                        vendor_label="vendor")
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/1/", {})
    assert response.status_code == 302, response.context["form"].errors.as_data()
    assert assessment.answers.get(question_id="1.1").value == {"source": "plant"}


def test_the_repeatable_question_saves_rows(client_for, practitioner, assessment, document):
    url = f"/assessments/{assessment.pk}/steps/6/"
    response = client_for(practitioner).post(url, {
        "q6_1__studies": "1", "q6_1__document": str(document.pk),
        "q6_2__r0__design": "split_face", "q6_2__r0__n": "28", "q6_2__document": str(document.pk),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert assessment.answers.get(question_id="6.2").value == [{"design": "split_face", "n": 28}]


@pytest.mark.parametrize("locked", ["in_review", "approved", "withdrawn"])
def test_a_locked_assessment_is_read_only(client_for, reviewer, assessment, locked):
    Assessment.objects.filter(pk=assessment.pk).update(state=locked)
    before = state(assessment)
    response = client_for(reviewer).post(f"/assessments/{assessment.pk}/steps/0/", {
        "q0_3__sterile": "yes"})
    assert response.status_code == 302
    assert state(assessment) == before
    page = client_for(reviewer).get(f"/assessments/{assessment.pk}/steps/0/").content.decode()
    assert "shown read-only" in page


def test_step_is_refused_to_others_and_by_other_methods(client_for, norole_user, practitioner,
                                                        assessment):
    url = f"/assessments/{assessment.pk}/steps/0/"
    before = state(assessment)
    assert client_for(norole_user).post(url, {"q0_3__sterile": "yes"}).status_code == 403
    assert client_for(practitioner).put(url).status_code == 405
    assert state(assessment) == before


def test_preview_returns_applicability_and_the_panel_without_saving(client_for, practitioner,
                                                                     assessment, document):
    url = f"/assessments/{assessment.pk}/steps/1/preview/"
    before = state(assessment)
    data = client_for(practitioner).post(url, {"q1_1__source": "plant"}).json()
    assert "1.4" in data["not_applicable"]  # donor eligibility: human sources only
    assert "Findings" in data["panel"]
    assert state(assessment) == before
    assert client_for(practitioner).get(url).status_code == 405
    assert client_for(practitioner).post(
        f"/assessments/{assessment.pk}/steps/9/preview/").status_code == 404


def test_the_live_findings_are_announced_from_a_region_the_preview_does_not_replace(
        client_for, practitioner, assessment):
    """The step's script puts the preview's panel inside #findings-panel: that wrapper is
    the live region, and the panel holds none of its own (one swapped out with its
    content is not read out by screen readers)."""
    client = client_for(practitioner)
    page = client.get(f"/assessments/{assessment.pk}/steps/5/").content.decode()
    assert '<div class="sticky-lg-top pt-lg-2" id="findings-panel" aria-live="polite">' in page
    panel = client.post(f"/assessments/{assessment.pk}/steps/5/preview/",
                        {"q5_1__route": "injection"}).json()["panel"]
    assert "Findings" in panel and "aria-live" not in panel


def test_step_query_count_does_not_grow_with_answers_and_documents(client_for, practitioner,
                                                                   assessment, pdf_upload):
    client = client_for(practitioner)
    url = f"/assessments/{assessment.pk}/steps/6/"

    def queries():
        return count_queries(client, url)

    def add_documents(count, start):
        for n in range(start, start + count):
            services.evidence_upload(assessment=assessment, question_id="6.2",
                                     kind="clinical_study", user=practitioner,
                                     upload=pdf_upload(f"s{n}.pdf", PDF_BYTES + bytes([n])))

    add_documents(5, 0)
    small = queries()
    add_documents(45, 5)
    assert queries() == small


def test_summary_query_count_does_not_grow_with_documents_contacts_or_an_invitation(
        client_for, practitioner, assessment, pdf_upload):
    from vetting.models import VendorContact
    from vetting.services import portal as portal_services

    client = client_for(practitioner)
    url = f"/assessments/{assessment.pk}/"
    vendor = assessment.product.vendor
    for n in range(5):
        services.evidence_upload(assessment=assessment, question_id="6.2", kind="clinical_study",
                                 user=practitioner,
                                 upload=pdf_upload(f"s{n}.pdf", PDF_BYTES + bytes([n])))
        VendorContact.objects.create(vendor=vendor, name=f"Contact {n}", email=f"c{n}@v.example")
    small = count_queries(client, url)
    for n in range(5, 50):
        services.evidence_upload(assessment=assessment, question_id="6.2", kind="clinical_study",
                                 user=practitioner,
                                 upload=pdf_upload(f"s{n}.pdf", PDF_BYTES + bytes([n])))
        VendorContact.objects.create(vendor=vendor, name=f"Contact {n}", email=f"c{n}@v.example")
    assert count_queries(client, url) == small
    contact = vendor.contacts.get(name="Contact 7")
    portal_services.invitation_send(user=practitioner, assessment=assessment, contact=contact)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert len(queries) == small  # its contact and sender come with the invitation
    assert "to Contact 7 &lt;c7@v.example&gt;" in page
    assert f"by {practitioner.get_username()}" in page


# ------------------------------------------------------------------ evidence

# Files chosen on a step are stored when the step is saved, after its answers: choosing
# and uploading a document never loses what was typed on the page.

def step_post(client, assessment, data: dict, domain: str = "5", **kwargs):
    return client.post(f"/assessments/{assessment.pk}/steps/{domain}/", data, **kwargs)


def ind_letter(content: bytes = PDF_BYTES, name: str = "IND letter.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_upload_on_a_step_saves_the_answers_typed_before_it(client_for, practitioner,
                                                            assessment):
    response = step_post(client_for(practitioner), assessment, {
        "q5_1__route": "intact_skin", "upload": "q5_3", "file-q5_3-ind_letter": ind_letter()})
    assert response["Location"] == f"/assessments/{assessment.pk}/steps/5/#q5_3"
    assert assessment.answers.get(question_id="5.1").value == {"route": "intact_skin"}
    document = assessment.documents.get()
    assert (document.question_ids, document.kind, document.original_name) == (
        ["5.3"], "ind_letter", "IND letter.pdf")


def test_a_refused_file_is_said_at_its_question_and_the_answers_are_saved(
        client_for, practitioner, assessment):
    """The answers are saved; the refusal shows at the question the file was for (after a
    redirect to it, it showed only at the top of the page, out of sight). The page shown
    is the step as now stored: saving it again is not taken for someone else's change."""
    client = client_for(practitioner)
    response = step_post(client, assessment, {
        "q5_1__route": "intact_skin", "upload": "q5_3",
        "file-q5_3-ind_letter": ind_letter(b"just some notes", "notes.pdf")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Saved." in page
    assert assessment.answers.get(question_id="5.1").value == {"route": "intact_skin"}
    card = page[page.index('id="q5_3"'):page.index('id="q5_4"')]
    assert ('<div class="alert alert-danger py-2 small" role="alert">notes.pdf was not '
            'stored:') in card
    assert not assessment.documents.exists()
    loaded = dict(re.findall(r'name="(q5_\d--loaded)" value="([^"]*)"', page))
    assert loaded["q5_1--loaded"]  # the fingerprint of the answer as saved
    again = step_post(client, assessment, {**loaded, "q5_1__route": "injection"}, follow=True)
    assert "changed since you opened" not in again.content.decode()
    assert assessment.answers.get(question_id="5.1").value == {"route": "injection"}


def test_save_stores_a_chosen_file_with_the_answers(client_for, practitioner, assessment):
    response = step_post(client_for(practitioner), assessment, {
        "q5_1__route": "intact_skin", "save_next": "", "file-q5_3-ind_letter": ind_letter()})
    assert response["Location"] == f"/assessments/{assessment.pk}/steps/6/"
    assert assessment.answers.filter(question_id="5.1").exists()
    assert assessment.documents.get().kind == "ind_letter"


def test_invalid_answers_are_not_saved_but_the_file_is(client_for, practitioner, assessment):
    response = step_post(client_for(practitioner), assessment, {
        "q5_1__route": "through_the_ear", "upload": "q5_3",
        "file-q5_3-ind_letter": ind_letter()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page and "IND letter.pdf uploaded" in page
    assert not assessment.answers.filter(question_id="5.1").exists()
    assert assessment.documents.get().kind == "ind_letter"


def test_each_choice_is_a_form_check_labelled_for_its_input(client_for, practitioner,
                                                            assessment):
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/steps/0/").content.decode()
    assert ('<div class="form-check"><input type="radio" name="q0_3__sterile" value="no" '
            'class="form-check-input" id="id_q0_3__sterile_1"><label class="form-check-label" '
            'for="id_q0_3__sterile_1">No</label></div>') in page


def test_a_vendor_answer_can_name_the_document_uploaded_with_it(client_for, practitioner,
                                                                assessment, document):
    """Entering a vendor's answer from a document not uploaded yet: choose the answer and
    the file, press Upload; the answer waits, as typed, for the document to be named."""
    client = client_for(practitioner)
    response = step_post(client, assessment, {
        "q1_4__determined": "yes", "upload": "q1_4",
        "file-q1_4-donor_eligibility": ind_letter(name="donor.pdf")}, domain="1")
    assert response.status_code == 200
    page = response.content.decode()
    assert "name the vendor document you entered it from" in page
    assert 'value="yes" class="form-check-input" id="id_q1_4__determined_0" checked>' in page
    donor = assessment.documents.get(kind="donor_eligibility")
    assert f'<option value="{donor.pk}">donor.pdf' in page
    response = step_post(client, assessment, {"q1_4__determined": "yes",
                                              "q1_4__document": str(donor.pk)}, domain="1")
    assert response.status_code == 302
    assert assessment.answers.get(question_id="1.4").source_document == donor


def test_a_form_sent_again_does_not_store_its_file_twice(client_for, practitioner, assessment):
    client = client_for(practitioner)
    data = {"q5_1__route": "through_the_ear", "upload": "q5_3"}
    first = step_post(client, assessment, {**data, "file-q5_3-ind_letter": ind_letter()})
    again = step_post(client, assessment, {**data, "file-q5_3-ind_letter": ind_letter()})
    assert first.status_code == again.status_code == 200  # the answer still needs correcting
    assert "IND letter.pdf is already attached to question 5.3" in again.content.decode()
    assert assessment.documents.count() == 1


def test_upload_without_a_file_says_so_and_saves_the_answers(client_for, practitioner,
                                                             assessment):
    response = step_post(client_for(practitioner), assessment, {
        "q5_1__route": "intact_skin", "upload": "q5_3"}, follow=True)
    assert "No file was chosen for question 5.3" in response.content.decode()
    assert assessment.answers.filter(question_id="5.1").exists()
    assert not assessment.documents.exists()


def test_several_files_under_one_input_are_each_stored(client_for, practitioner, assessment):
    step_post(client_for(practitioner), assessment, {"q5_1__route": "intact_skin", "save": "",
              "file-q5_3-ind_letter": [ind_letter(name="a.pdf"),
                                       ind_letter(PDF_BYTES + b"%2\n", name="b.pdf")]})
    assert sorted(assessment.documents.values_list("original_name", flat=True)) == [
        "a.pdf", "b.pdf"]


def test_refused_answers_and_a_stored_file_are_told_apart(client_for, practitioner, assessment,
                                                          document):
    """The answers' refusal does not read as if the file were not stored either."""
    response = step_post(client_for(practitioner), assessment, {
        "q1_1__source": "plant", "upload": "q1_4",
        "file-q1_4-donor_eligibility": ind_letter(name="donor.pdf")}, domain="1")
    page = response.content.decode()
    assert "The answers were not saved" in page and "donor.pdf uploaded" in page
    assert "Nothing was saved" not in page


def test_a_document_without_its_answer_is_pointed_out_on_the_step(client_for, practitioner,
                                                                   assessment, pdf_upload):
    """2.7 (sterility validated) with only its file: the engine takes the document as an
    answer, so nothing is MISSING, but no check runs on a file: the step says so."""
    note = "A document is attached, but what it says is not recorded yet"
    client = client_for(practitioner)
    services.answer_set(assessment=assessment, question_id="0.3", value={"sterile": "yes"},
                        user=practitioner)  # 2.7 applies to products sold sterile
    url = f"/assessments/{assessment.pk}/steps/2/"
    assert note not in client.get(url).content.decode()
    report = services.evidence_upload(assessment=assessment, question_id="2.7",
                                      kind="sterility_validation", user=practitioner,
                                      upload=pdf_upload("validation.pdf"))
    page = client.get(url).content.decode()
    card = page[page.index('id="q2_7"'):]
    assert note in card[:card.index("</section>")]
    assert page.count(note) == 1
    services.answer_set(assessment=assessment, question_id="2.7", value={"validated": "yes"},
                        user=practitioner, source_document=report)
    assert note not in client.get(url).content.decode()


def test_a_document_is_replaced_on_its_step_and_the_old_version_kept(client_for, practitioner,
                                                                    assessment, other):
    client = client_for(practitioner)
    step_post(client, assessment, {"save": "", "file-q5_3-ind_letter": ind_letter()})
    old = assessment.documents.get()
    assert f'name="replace-{old.pk}"' in client.get(
        f"/assessments/{assessment.pk}/steps/5/").content.decode()
    response = step_post(client, assessment, {"upload": "q5_3", f"replace-{old.pk}": ind_letter(
        PDF_BYTES + b"%2\n", name="IND letter v2.pdf")})
    assert response["Location"] == f"/assessments/{assessment.pk}/steps/5/#q5_3"
    new = assessment.documents.get(is_current=True)
    old.refresh_from_db()
    assert (new.original_name, new.kind, new.replaces, old.is_current) == (
        "IND letter v2.pdf", "ind_letter", old, False)
    # The previous version is listed, and downloadable, with its successor.
    link = f'<a href="/assessments/{assessment.pk}/documents/{old.pk}/" class="link-secondary">'
    for url in (f"/assessments/{assessment.pk}/steps/5/", f"/assessments/{assessment.pk}/"):
        page = client.get(url).content.decode()
        assert f"Replaces {link}IND letter.pdf</a> (" in page, url
    assert client.get(f"/assessments/{assessment.pk}/documents/{old.pk}/").status_code == 200
    # Not through another step, nor another assessment's step.
    for url_assessment, domain in ((assessment, "4"), (other, "5")):
        before = state(assessment)
        response = step_post(client, url_assessment, {
            "save": "", f"replace-{new.pk}": ind_letter(PDF_BYTES + b"%3\n")},
            domain=domain, follow=True)
        assert "no question of this step asks for it" in response.content.decode()
        assert state(assessment) == before and not other.documents.exists()


def test_replacing_from_a_page_older_than_a_replacement_says_so(client_for, practitioner,
                                                                assessment):
    """Two tabs, or a form sent twice: the version the page offers to replace is gone."""
    client = client_for(practitioner)
    step_post(client, assessment, {"save": "", "file-q5_3-ind_letter": ind_letter()})
    old = assessment.documents.get()
    step_post(client, assessment, {"upload": "q5_3", f"replace-{old.pk}": ind_letter(
        PDF_BYTES + b"%2\n", name="IND letter v2.pdf")})
    before = state(assessment)
    response = step_post(client, assessment, {"upload": "q5_3", f"replace-{old.pk}": ind_letter(
        PDF_BYTES + b"%3\n", name="IND letter v3.pdf")}, follow=True)
    page = response.content.decode()
    assert ("IND letter v3.pdf was not stored: IND letter.pdf had already been replaced by IND "
            "letter v2.pdf since this page was opened") in page
    assert "No file was chosen" not in page
    assert state(assessment) == before


def test_a_refused_file_says_why_and_keeps_the_saved_answers(client_for, practitioner,
                                                             assessment):
    response = step_post(client_for(practitioner), assessment, {
        "q5_1__route": "intact_skin", "upload": "q5_3",
        "file-q5_3-ind_letter": ind_letter(b"<html><script>x</script>")}, follow=True)
    assert "IND letter.pdf was not stored" in response.content.decode()
    assert "not an accepted type" in response.content.decode()
    assert assessment.answers.filter(question_id="5.1").exists()
    assert not assessment.documents.exists()


@pytest.mark.parametrize("name, message", [
    ("file-q4_1-coa", "no question of this step asks for it"),  # a question of step 4
    ("file-q5_3-coa", "asks for documents of kind ind_letter"),
    ("document", "no question of this step asks for it"),
])
def test_a_file_the_step_does_not_ask_for_is_not_stored(client_for, practitioner, assessment,
                                                         name, message):
    response = step_post(client_for(practitioner), assessment, {
        "q5_1__route": "intact_skin", "save": "", name: ind_letter()}, follow=True)
    assert message in response.content.decode()
    assert not assessment.documents.exists()


def test_a_file_on_a_locked_assessment_is_not_stored(client_for, reviewer, assessment):
    Assessment.objects.filter(pk=assessment.pk).update(state="in_review")
    before = state(assessment)
    response = step_post(client_for(reviewer), assessment, {
        "upload": "q5_3", "file-q5_3-ind_letter": ind_letter()})
    assert response.status_code == 302
    assert state(assessment) == before


def test_a_file_on_a_step_is_refused_to_others(client_for, norole_user, assessment):
    before = state(assessment)
    response = step_post(client_for(norole_user), assessment, {
        "upload": "q5_3", "file-q5_3-ind_letter": ind_letter()})
    assert response.status_code == 403
    assert state(assessment) == before


def test_a_file_on_a_step_is_refused_to_anonymous_and_the_old_upload_address_is_gone(
        client, practitioner, client_for, assessment):
    before = state(assessment)
    response = step_post(client, assessment, {"upload": "q5_3",
                                              "file-q5_3-ind_letter": ind_letter()})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(practitioner).post(f"/assessments/{assessment.pk}/documents/", {
        "question_id": "5.3", "kind": "ind_letter",
        "file": ind_letter()}).status_code == 404  # uploads go with their step
    assert state(assessment) == before


def test_a_document_is_named_by_its_kind_as_the_question_calls_it(client_for, practitioner,
                                                                   assessment, document):
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/steps/4/")
    block = page.content.decode().split('id="q4_1"', 1)[1].split("</section>", 1)[0]
    assert "CoA.pdf</a>" in block and "certificate of analysis ·" in block


def test_the_step_sends_its_files_with_its_answers(client_for, practitioner, assessment):
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/steps/5/").content
    page = page.decode()
    form = re.search(r'<form method="post" enctype="multipart/form-data" novalidate '
                     r'id="step-form".*?</form>', page, re.S)
    assert form, "the step form sends files"
    assert 'name="file-q5_3-ind_letter"' in form.group(0)
    assert 'name="upload" value="q5_3"' in form.group(0)


@pytest.mark.parametrize("role", STAFF)
def test_staff_download_a_document_as_an_attachment(client_for, make_user, assessment, document,
                                                    role):
    response = client_for(make_user(role)).get(
        f"/assessments/{assessment.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert AuditEntry.objects.last().event == "download"


def test_a_document_stored_under_another_extension_downloads_as_what_it_is(
        client_for, practitioner, assessment, document):
    """A file stored before names were given their content's extension (CoA.html holding a
    PDF) is still sent under a name the reader's computer opens as a PDF."""
    EvidenceDocument.objects.filter(pk=document.pk).update(original_name="CoA.html")
    response = client_for(practitioner).get(
        f"/assessments/{assessment.pk}/documents/{document.pk}/")
    assert response["Content-Disposition"] == 'attachment; filename="CoA.html.pdf"'


def test_a_pdf_opens_inline_under_a_sandbox(client_for, practitioner, assessment, document):
    response = client_for(practitioner).get(
        f"/assessments/{assessment.pk}/documents/{document.pk}/?inline=1")
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_download_through_the_wrong_assessment_is_404(client_for, practitioner, assessment,
                                                      other, document):
    entries = AuditEntry.objects.count()
    assert client_for(practitioner).get(
        f"/assessments/{other.pk}/documents/{document.pk}/").status_code == 404
    assert AuditEntry.objects.count() == entries


def test_download_is_refused_to_others(client_for, norole_user, client, assessment, document):
    url = f"/assessments/{assessment.pk}/documents/{document.pk}/"
    entries = AuditEntry.objects.count()
    assert client_for(norole_user).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert client_for(norole_user).post(url).status_code == 405  # the method, before the role
    assert AuditEntry.objects.count() == entries


# ------------------------------------------------------------------ export, import, actions

def test_export_downloads_the_dossier(client_for, practitioner, assessment):
    response = client_for(practitioner).get(f"/assessments/{assessment.pk}/export/")
    assert response["Content-Disposition"] == (
        f'attachment; filename="assessment-{assessment.pk}-dossier.json"')
    dossier = json.loads(response.content)
    assert dossier["answers"]["0.1"] == {"category": "exosome_ev"}


def test_import_through_the_page(client_for, practitioner, assessment):
    body = json.dumps({"checklist_version": "1", "answers": {"5.1": {"route": "injection"}}})
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body.encode())})
    assert response["Location"] == f"/assessments/{assessment.pk}/"
    assert assessment.answers.get(question_id="5.1").source == "import"


def test_the_summary_lists_the_documents_an_imported_dossier_expects(
        client_for, practitioner, assessment, pdf_upload):
    sha = hashlib.sha256(PDF_BYTES + b"%ind").hexdigest()
    body = json.dumps({"checklist_version": "1", "answers": {},
                       "evidence": {"5.3": [{"name": "IND letter.pdf", "kind": "ind_letter",
                                             "sha256": sha}]}})
    client = client_for(practitioner)
    client.post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body.encode())})
    page = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert "Expected (1)" in page
    assert (f'<a href="/assessments/{assessment.pk}/steps/5/#q5_3">5.3</a> IND letter.pdf '
            '<span class="text-secondary">(IND acknowledgement letter)</span>') in page
    # The same file held for another question is not 5.3's: it is still expected.
    services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                             upload=pdf_upload("letter.pdf", PDF_BYTES + b"%ind"),
                             user=practitioner)
    assert "Expected (1)" in client.get(f"/assessments/{assessment.pk}/").content.decode()
    # Once its file is uploaded for 5.3, it is no longer expected.
    services.evidence_upload(assessment=assessment, question_id="5.3", kind="ind_letter",
                             upload=pdf_upload("IND.pdf", PDF_BYTES + b"%ind"),
                             user=practitioner)
    assert "Expected (" not in client.get(f"/assessments/{assessment.pk}/").content.decode()


def test_a_dossier_saved_with_a_byte_order_mark_is_read(client_for, practitioner, assessment):
    body = "\ufeff" + json.dumps({"checklist_version": "1",
                                  "answers": {"5.1": {"route": "injection"}}})
    client = client_for(practitioner)
    response = client.post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body.encode())})
    assert response["Location"] == f"/assessments/{assessment.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Imported 1 answer; 0 documents matched, 0 expected." in page


def test_a_number_beyond_the_limit_posted_on_a_step_is_refused_at_its_field(
        client_for, practitioner, assessment, document):
    """Entered from a vendor document (the browser's number field would not send it)."""
    before = state(assessment)
    client = client_for(practitioner)
    url = f"/assessments/{assessment.pk}/steps/1/"
    data = {"q1_1__source": "msc_adipose", "q1_1__document": str(document.pk),
            "q1_6__passage": "9" * 400, "q1_6__document": str(document.pk)}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1000000000000000000" in (
        response.content.decode())
    assert state(assessment) == before
    preview = client.post(url + "preview/", data)
    assert preview.status_code == 200 and "1.6" not in preview.json()["not_applicable"]


def dossier_bytes(answers: dict) -> bytes:
    return json.dumps({"checklist_version": "1", "answers": answers}).encode()


@pytest.mark.parametrize("body,message", [
    (b"{not json", "This is not a JSON dossier"),
    (dossier_bytes({"1.1": {"source": "x"}}), "is not a choice"),
    # Hand-edited files: each refused with its reason, none a server error.
    (dossier_bytes({"1.6": {"passage": 10**400}}),
     "a number of 401 digits is out of range (at most 10^18 either way)"),
    (dossier_bytes({"1.6": {"passage": -10**19}}), "is out of range"),
    (dossier_bytes({"2.2": {"issuing_body": "x" * 5000}}),
     "a text of at most 2000 characters, not 5000"),
    (b"[" * 100_000 + b"]" * 100_000, "its values nest too deeply"),
    (b"\xff\xfe{}", "the file is not UTF-8 text"),
    (b'{"checklist_version": "1", "answers": {"1.6": {"passage": 1' + b"0" * 5000 + b"}}}",
     "it holds a number thousands of digits long"),
    (b'{"checklist_version": "1", "answers": {"1.2": {"inci_name": "Rose \\ud800"}}}',
     "is not valid Unicode (it holds half of a UTF-16 pair)"),
    (b'{"checklist_version": "1", "answers": {"1.2": {"inci_name": "Rose\\u0000"}}}',
     "holds a NUL character"),
    (b"null", "it holds only null"),
    # As evaluate_dossier reads it (docs/dossier-format.md).
    (b'{"checklist_version": "1", "answers": {"0.3": {"sterile": "no"}, '
     b'"0.3": {"sterile": "yes"}}}', "key &#x27;0.3&#x27; appears twice in one object"),
    (b'{"checklist_version": "1", "answers": {"1.6": {"passage": NaN}}}',
     "NaN is not a number JSON allows"),
])
def test_a_bad_import_is_shown_next_to_the_file_and_writes_nothing(client_for, practitioner,
                                                                   assessment, body, message):
    before = state(assessment)
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body)})
    assert response.status_code == 200 and message in response.content.decode()
    assert state(assessment) == before


def test_a_bad_import_shows_every_problem_next_to_the_file(client_for, practitioner,
                                                           assessment):
    before = state(assessment)
    body = json.dumps({"checklist_version": "1", "answers": {
        "5.1": {"route": "injection"}, "1.1": {"source": "martian"},
        "6.1": {"studies": "two"}}})
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body.encode())})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert [e.split(":")[1].strip() for e in errors] == ["question 1.1, field source",
                                                         "question 6.1, field studies"]
    assert "&#x27;martian&#x27; is not a choice" in response.content.decode()
    assert "expected a number, not &#x27;two&#x27;" in response.content.decode()
    assert state(assessment) == before  # not even the good answer (5.1)


def test_import_and_export_are_refused_to_others(client_for, norole_user, assessment):
    before = state(assessment)
    client = client_for(norole_user)
    assert client.get(f"/assessments/{assessment.pk}/export/").status_code == 403
    assert client.post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", b"{}")}).status_code == 403
    assert state(assessment) == before


def test_actions_run_the_lifecycle_services(client_for, practitioner, assessment):
    client = client_for(practitioner)
    response = client.post(f"/assessments/{assessment.pk}/actions/submit/", follow=True)
    assert "Answer the practitioner questions still missing" in response.content.decode()
    assert state(assessment)[0] == "draft"
    assert client.post(f"/assessments/{assessment.pk}/actions/invite/").status_code == 404
    client.post(f"/assessments/{assessment.pk}/actions/withdraw/", {"reason": "duplicate"})
    assert state(assessment)[0] == "withdrawn"


def test_actions_are_refused_to_others_unknown_and_by_get(client_for, norole_user, practitioner,
                                                          assessment):
    before = state(assessment)
    assert client_for(norole_user).post(
        f"/assessments/{assessment.pk}/actions/invite/").status_code == 403
    assert client_for(practitioner).get(
        f"/assessments/{assessment.pk}/actions/invite/").status_code == 405
    assert client_for(practitioner).post(
        f"/assessments/{assessment.pk}/actions/decide/").status_code == 404
    assert state(assessment) == before


def test_audit_history_lists_the_entries(client_for, practitioner, assessment):
    content = client_for(practitioner).get(f"/assessments/{assessment.pk}/audit/").content
    assert b"Assessment 1 of Glow Exosome Serum started" in content
    assert b"Question 0.1 answered" in content
    # Values as the trail keeps them, one 'key: value' per line, not as Python reprs.
    assert b'<td class="audit-value">state: draft</td>' in content
    assert b"{&#x27;" not in content


def test_audit_values_read_as_key_and_value_lines():
    from vetting.templatetags.vetting_tags import audit_value

    assert audit_value({"state": "draft", "answer": {"route": "injection"}, "n": [1, 2]}) == (
        'answer: {"route": "injection"}\nn: [1, 2]\nstate: draft')
    assert (audit_value(None), audit_value("x"), audit_value(3)) == ("", "x", "3")


def test_a_malformed_checklist_version_is_404_not_500(client_for, practitioner, product,
                                                      checklist_version):
    response = client_for(practitioner).post(f"/products/{product.pk}/assessments/new/",
                                             {"checklist_version": "abc"})
    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_the_vial_lot_is_open_to_the_clinic_without_vendor_documents(client_for, practitioner,
                                                                      assessment):
    url = f"/assessments/{assessment.pk}/steps/4/"
    client = client_for(practitioner)
    response = client.get(url)
    assert "The clinic records the lot number on the vial itself." in response.content.decode()
    form = response.context["form"]
    assert not form.fields["q4_1__vial_lot"].disabled
    assert form.fields["q4_1__coa_lot"].disabled  # the vendor's, with no document to cite
    response = client.post(url, {"q4_1__vial_lot": "L-7", "q4_1__coa_lot": "L-9"})
    assert response.status_code == 302
    answer = assessment.answers.get(question_id="4.1")
    assert (answer.value, answer.source) == ({"vial_lot": "L-7"}, "practitioner")


def test_the_step_says_who_recorded_the_clinics_field_of_a_vendors_answer(
        client_for, practitioner, assessment):
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="4.1", value={"coa_lot": "L-7"},
                        vendor_label="vendor: Ann")
    client = client_for(practitioner)
    response = client.post(f"/assessments/{assessment.pk}/steps/4/",
                           {"q4_1__vial_lot": "L-7"})
    assert response.status_code == 302
    content = client.get(f"/assessments/{assessment.pk}/steps/4/").content.decode()
    assert "Answered by vendor: Ann (vendor (portal))" in content
    name = practitioner.get_full_name() or practitioner.get_username()
    assert f"Lot number on the vial: recorded by {name} (clinic)" in content


def test_the_step_and_summary_do_not_read_the_checklist_text(client_for, practitioner,
                                                             assessment):

    client = client_for(practitioner)
    client.get(f"/assessments/{assessment.pk}/")  # the version is parsed once per process
    for url in [f"/assessments/{assessment.pk}/", f"/assessments/{assessment.pk}/steps/1/"]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not [q for q in queries if '"vetting_checklistversion"."source"' in q["sql"]]


def test_the_summary_offers_to_withdraw_with_a_reason(client_for, practitioner, assessment):
    content = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert f'action="/assessments/{assessment.pk}/actions/withdraw/"' in content
    assert '<label class="form-label" for="id_reason">Reason</label>' in content
    assert re.search(r'<textarea name="reason"[^>]* class="form-control"[^>]*required', content)


# A page loaded, then the same answers changed by someone else before it is saved.

def loaded_fingerprints(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(q\w+--loaded)"(?: value="([0-9a-f]*)")?', page))


@pytest.fixture
def colleague(make_user):
    return make_user("practitioner", username="bob", first_name="Bob", last_name="Ode")


def opened_step_0(client, assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="0.2", value={"form": "topical"},
                        user=practitioner)
    page = client.get(f"/assessments/{assessment.pk}/steps/0/").content.decode()
    return {**loaded_fingerprints(page), "q0_1__category": "exosome_ev",
            "q0_2__form": "topical"}


def meanwhile(assessment, colleague, **answers):
    """Bob saves answers after the page was opened ("0_2": {...} for 0.2)."""
    for qid, value in answers.items():
        services.answer_set(assessment=assessment, question_id=qid.replace("_", "."),
                            value=value, user=colleague)


def test_a_save_leaves_an_answer_changed_meanwhile_that_the_page_did_not_change(
        client_for, practitioner, colleague, assessment):
    client = client_for(practitioner)
    shown = opened_step_0(client, assessment, practitioner)
    meanwhile(assessment, colleague, **{"0_2": {"form": "injectable"}})
    response = client.post(f"/assessments/{assessment.pk}/steps/0/",
                           {**shown, "q0_4__market": "united_states"}, follow=True)
    values = dict(assessment.answers.values_list("question_id", "value"))
    assert values["0.2"] == {"form": "injectable"}  # Bob's, not the page's old value
    assert values["0.4"] == {"market": "united_states"}  # what this page changed is saved
    assert ('Also: the answer to <a href="#q0_2">0.2</a> was changed by someone else since '
            "you opened this page, and you left it as shown: their answer stands."
            ) in response.content.decode()


def test_a_save_over_an_answer_changed_meanwhile_is_refused_and_says_by_whom(
        client_for, practitioner, colleague, assessment):
    client = client_for(practitioner)
    shown = opened_step_0(client, assessment, practitioner)
    meanwhile(assessment, colleague, **{"0_2": {"form": "injectable"}})
    before = state(assessment)
    mine = {**shown, "q0_2__form": "hair_scalp", "q0_4__market": "united_states"}
    response = client.post(f"/assessments/{assessment.pk}/steps/0/", mine)
    page = response.content.decode()
    assert response.status_code == 200
    assert state(assessment) == before  # all or nothing: 0.4 is not saved either
    assert ('The answers were not saved: the answer to <a href="#q0_2">0.2</a> changed since '
            "you opened this page.") in page
    assert "Changed since you opened this page, by Bob Ode on " in page
    assert "to: product form: injectable. Your answer below was not saved" in page
    assert re.search(r'<option value="hair_scalp"[^>]*selected', page)  # the user's answer
    # Shown Bob's answer, the user saves again: theirs replaces his.
    again = {**mine, **loaded_fingerprints(page)}
    assert again["q0_2--loaded"] != shown["q0_2--loaded"]
    response = client.post(f"/assessments/{assessment.pk}/steps/0/", again)
    assert response.status_code == 302
    assert assessment.answers.get(question_id="0.2").value == {"form": "hair_scalp"}
    assert assessment.answers.get(question_id="0.4").value == {"market": "united_states"}


def test_a_save_made_between_the_pages_read_and_its_write_is_caught(
        monkeypatch, client_for, practitioner, colleague, assessment):
    """Bob's save lands after the posting request has read the answers and before it
    writes: the check is made again under the assessment's lock, so his answer stands."""
    from vetting.services import answers as answer_services
    from vetting.views import workspace

    client = client_for(practitioner)
    shown = opened_step_0(client, assessment, practitioner)
    read, lock = workspace.step_answers, answer_services.lock_assessment
    reads, calls = [], []

    def read_then_bob_saves(of):
        answers = read(of)
        calls.append("read")
        if not reads:
            reads.append("Bob")
            meanwhile(assessment, colleague, **{"0_2": {"form": "injectable"}})
            reads.append("done")
        return answers

    def locked(of):
        if reads != ["Bob"]:  # not Bob's own save
            calls.append("lock")
        return lock(of)

    monkeypatch.setattr(workspace, "step_answers", read_then_bob_saves)
    monkeypatch.setattr(answer_services, "lock_assessment", locked)
    response = client.post(f"/assessments/{assessment.pk}/steps/0/",
                           {**shown, "q0_2__form": "hair_scalp", "q0_4__market": "united_states"})
    page = response.content.decode()
    assert response.status_code == 200
    assert assessment.answers.get(question_id="0.2").value == {"form": "injectable"}
    assert not assessment.answers.filter(question_id="0.4").exists()  # all or nothing
    assert ('The answers were not saved: the answer to <a href="#q0_2">0.2</a> changed since '
            "you opened this page.") in page
    assert "Changed since you opened this page, by Bob Ode on " in page
    assert calls[:3] == ["read", "lock", "read"]  # read again once the lock is held


def test_the_same_change_made_meanwhile_is_no_conflict(client_for, practitioner, colleague,
                                                       assessment):
    client = client_for(practitioner)
    shown = opened_step_0(client, assessment, practitioner)
    meanwhile(assessment, colleague, **{"0_2": {"form": "injectable"}})
    response = client.post(f"/assessments/{assessment.pk}/steps/0/",
                           {**shown, "q0_2__form": "injectable"})
    assert response.status_code == 302


def test_an_answer_cleared_meanwhile_is_named_too(client_for, practitioner, colleague,
                                                  assessment):
    client = client_for(practitioner)
    shown = opened_step_0(client, assessment, practitioner)
    meanwhile(assessment, colleague, **{"0_2": {}})
    response = client.post(f"/assessments/{assessment.pk}/steps/0/",
                           {**shown, "q0_2__form": "injectable"})
    assert "Cleared since you opened this page." in response.content.decode()
    assert not assessment.answers.filter(question_id="0.2").exists()


def test_several_answers_changed_meanwhile_are_each_named(client_for, practitioner, colleague,
                                                          assessment):
    client = client_for(practitioner)
    shown = opened_step_0(client, assessment, practitioner)
    meanwhile(assessment, colleague, **{"0_2": {"form": "injectable"},
                                        "0_4": {"market": "eu_uk"}})
    page = client.post(f"/assessments/{assessment.pk}/steps/0/", {
        **shown, "q0_2__form": "hair_scalp", "q0_4__market": "united_states"}).content.decode()
    assert ('the answers to <a href="#q0_2">0.2</a> and <a href="#q0_4">0.4</a> changed '
            "since you opened this page.") in page
    assert page.count("Changed since you opened this page, by Bob Ode") == 2


@pytest.mark.parametrize("typed", ["1,500,000,000", "1.500.000.000", "1 500 000 000",
                                   "1.5e9 particles/mL"])
def test_a_number_with_separators_or_a_unit_is_refused_saying_how_to_write_it(
        client_for, practitioner, assessment, document, typed):
    from vetting.forms.widgets import NUMBER_INVALID

    services.answer_set(assessment=assessment, question_id="3.2", value={"value": 2e10},
                        user=practitioner, source_document=document)
    before = state(assessment)
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/3/", {
        "q3_2__value": typed, "q3_2__document": str(document.pk)})
    assert response.status_code == 200
    assert response.context["form"].errors["q3_2__value"] == [NUMBER_INVALID]
    assert state(assessment) == before
    assert assessment.answers.get(question_id="3.2").value == {"value": 2e10}


def test_a_step_tab_is_named_by_its_title_and_count_only(client_for, practitioner,
                                                         assessment):
    """A progressbar inside the link added its value to the link's name ("Product profile
    3 3/4"): the bar is drawn only, and the count is said in words."""
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/steps/0/").content.decode()
    nav = page[page.index('aria-label="Checklist steps"'):]
    nav = nav[:nav.index("</nav>")]
    assert 'role="progressbar"' not in nav
    assert '<span class="progress" aria-hidden="true">' in nav
    assert re.search(r'<span class="visually-hidden">: \d+ of \d+ answered</span>', nav)


def test_a_mistyped_number_is_refused_next_to_it_and_the_stored_one_kept(client_for,
                                                                         practitioner,
                                                                         assessment, document):
    """The number is a text input: the server gets "4e" (not the "" a browser sends for an
    unreadable <input type="number">), says so, and clears nothing."""
    services.answer_set(assessment=assessment, question_id="1.6", value={"passage": 4},
                        user=practitioner, source_document=document)
    client = client_for(practitioner)
    page = client.get(f"/assessments/{assessment.pk}/steps/1/").content.decode()
    assert re.search(r'<input type="text" name="q1_6__passage" value="4" inputmode="numeric"',
                     page)
    before = state(assessment)
    response = client.post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_6__passage": "4e", "q1_6__document": str(document.pk)})
    assert "Enter a whole number in digits, without thousands separators" in (
        response.content.decode())
    assert state(assessment) == before
    assert assessment.answers.get(question_id="1.6").value == {"passage": 4}


def test_an_imported_text_with_line_breaks_survives_a_save_of_its_step(client_for, practitioner,
                                                                      assessment, document):
    """A browser sends a textarea's line breaks as CRLF: the step, saved untouched, used to
    count 1.2 as changed and refuse it (a vendor answer with no document named)."""
    client = client_for(practitioner)
    client.post(f"/assessments/{assessment.pk}/import/", {"file": SimpleUploadedFile(
        "d.json", dossier_bytes({"1.2": {"inci_name": "Rosa damascena\nline 2"}}))})
    page = client.get(f"/assessments/{assessment.pk}/steps/1/").content.decode()
    shown = dict(re.findall(r'name="(q\w+--loaded)"(?: value="([0-9a-f]*)")?', page))
    response = client.post(f"/assessments/{assessment.pk}/steps/1/", {
        **shown, "q1_2__inci_name": "Rosa damascena\r\nline 2"})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="1.2").value == {
        "inci_name": "Rosa damascena\nline 2"}


def test_a_dossier_of_another_product_is_imported_only_when_confirmed(client_for,
                                                                     practitioner, assessment):
    body = json.dumps({"checklist_version": "1", "product": {
        "name": "QA Exosome Serum", "vendor": "Other Labs"},
        "answers": {"0.2": {"form": "injectable"}}}).encode()
    client = client_for(practitioner)
    before = state(assessment)
    response = client.post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body)})
    page = response.content.decode()
    assert "This dossier is for QA Exosome Serum of Other Labs, not Glow Exosome Serum" in page
    assert re.search(r'<input type="checkbox" name="other_product"', page)
    assert state(assessment) == before
    response = client.post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body), "other_product": "on"})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="0.2").value == {"form": "injectable"}


def test_a_dossier_of_this_product_imports_without_asking(client_for, practitioner, assessment):
    body = json.dumps({"checklist_version": "1", "product": {
        "name": " glow  exosome serum", "vendor": assessment.product.vendor.name.upper()},
        "answers": {"0.4": {"market": "eu_uk"}}}).encode()
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/import/", {
        "file": SimpleUploadedFile("d.json", body)})
    assert response.status_code == 302


def test_a_vendor_question_holding_only_the_clinics_field_is_not_captioned_answered(
        client_for, practitioner, assessment):
    client = client_for(practitioner)
    response = client.post(f"/assessments/{assessment.pk}/steps/4/",
                           {"q4_1__vial_lot": "HB-3107"})
    assert response.status_code == 302
    page = client.get(f"/assessments/{assessment.pk}/steps/4/").content.decode()
    card = page[page.index('id="q4_1"'):page.index('id="q4_2"')]
    assert "Lot number on the vial recorded by" in card
    assert "the vendor's answer is still to come." in card
    assert "Answered by" not in card


def test_the_summary_says_what_happens_next_while_in_review(client_for, practitioner,
                                                            assessment):
    from vetting.models import Assessment

    Assessment.objects.filter(pk=assessment.pk).update(state="in_review")
    page = client_for(practitioner).get(f"/assessments/{assessment.pk}/").content.decode()
    assert "In review: a reviewer reads the answers and documents" in page


def test_the_clinics_field_saves_beside_vendor_fields_answered_meanwhile(client_for,
                                                                         practitioner,
                                                                         assessment):
    """4.1's vendor fields are shown disabled (no vendor document yet): the vendor answering
    them meanwhile is no conflict for the vial lot the practitioner records."""
    url = f"/assessments/{assessment.pk}/steps/4/"
    client = client_for(practitioner)
    shown = loaded_fingerprints(client.get(url).content.decode())
    services.assessment_invite(user=practitioner, assessment=assessment)
    services.answer_set(assessment=assessment, question_id="4.1", value={"coa_lot": "L-7"},
                        vendor_label="vendor: Ann")
    response = client.post(url, {**shown, "q4_1__vial_lot": "V-1"})
    assert response.status_code == 302
    assert assessment.answers.get(question_id="4.1").value == {"coa_lot": "L-7",
                                                               "vial_lot": "V-1"}


def test_a_study_past_the_row_limit_refuses_the_save_with_its_reason(client_for, practitioner,
                                                                     assessment):
    from vetting.forms.checklist import REPEAT_ROWS_MAX

    before = state(assessment)
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/6/", {
        "q6_1__studies": "2", "q6_2__r0__n": "30", f"q6_2__r{REPEAT_ROWS_MAX}__n": "12"})
    assert response.status_code == 200
    assert f"At most {REPEAT_ROWS_MAX} rows can be saved here" in response.content.decode()
    assert state(assessment) == before


def test_a_choice_group_with_an_error_is_described_by_its_message(client_for, practitioner,
                                                                  assessment):
    """A radio group's fieldset names its error message (aria-describedby): Django marks
    each radio aria-invalid, and a screen reader heard "invalid" without the reason."""
    before = state(assessment)
    page = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/1/", {
        "q1_2__called_exosome": "maybe"}).content.decode()
    error_id = "id_q1_2__called_exosome_error"
    fieldset = re.search(r'<fieldset class="is-invalid" aria-describedby="([^"]+)">', page)
    assert fieldset and error_id in fieldset[1].split()
    assert f'<div id="{error_id}"><div class="invalid-feedback d-block">Select a valid' in page
    assert state(assessment) == before


def test_shortcuts_lead_past_long_pages_to_what_can_be_done(client_for, practitioner,
                                                            assessment):
    """The summary's "Skip to next steps" (62 tab stops before "Submit for review") and the
    step's link down to its findings on a phone each name an element of the page."""
    client = client_for(practitioner)
    summary = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'href="#next-steps">Skip to next steps</a>' in summary
    assert 'id="next-steps" tabindex="-1">Next steps</h2>' in summary
    step = client.get(f"/assessments/{assessment.pk}/steps/1/").content.decode()
    assert 'href="#findings-panel">Findings of this step' in step and 'id="findings-panel"' in step
