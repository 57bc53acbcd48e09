"""Review queue, review page, comments, information requests, decision and suspension views."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PASSWORD, PDF_BYTES, count_queries
from tests.test_services_review import in_review
from vetting import services
from vetting.models import Assessment, AuditEntry, Decision, Product, ReviewComment

pytestmark = pytest.mark.django_db
OTHERS = ["practitioner", "admin", None]


def state(assessment):
    assessment.refresh_from_db()
    return (assessment.state, Decision.objects.count(), ReviewComment.objects.count(),
            AuditEntry.objects.exclude(summary__startswith="Signature refused").count())


@pytest.fixture
def good(checklist_version, practitioner):
    return in_review("well-documented-product", practitioner)


@pytest.fixture
def bad(checklist_version, practitioner):
    return in_review("bad-product", practitioner, attach=False)


def decision_data(**extra):
    until = (services.clinic_today() + timedelta(days=365)).isoformat()
    return {"outcome": "approved", "valid_until": until, "password": PASSWORD,
            "endotoxin_limit": "0.5", "sterility_required": "on", **extra}


# ------------------------------------------------------------------ queue

def test_reviewer_sees_the_queue_oldest_first(client_for, reviewer, good, bad):
    content = client_for(reviewer).get("/review/").content.decode()
    assert content.index(good.product.name) < content.index(bad.product.name)
    assert "RED 0" in content and f"RED {bad.red_count}" in content
    assert content.count('class="form-select"') == 2 and 'class="form-control"' in content


def test_queue_filters(client_for, reviewer, good, bad):
    client = client_for(reviewer)
    content = client.get("/review/?recommendation=do_not_approve").content.decode()
    assert bad.product.name in content and good.product.name not in content
    content = client.get("/review/?q=Dermavesa").content.decode()
    assert good.product.name in content and bad.product.name not in content
    content = client.get("/review/?category=plant_vesicles").content.decode()
    assert "Nothing is waiting for review" in content


def test_queue_shows_only_assessments_in_review(client_for, reviewer, good, assessment):
    content = client_for(reviewer).get("/review/").content.decode()
    assert assessment.product.name not in content


def test_queue_query_count_is_constant(client_for, reviewer, good, practitioner):
    client = client_for(reviewer)

    def queries():
        return count_queries(client, "/review/")

    first = queries()
    for n in range(4):
        product = Product.objects.create(vendor=good.product.vendor, name=f"P{n}",
                                         category="pdrn", form="topical")
        assessment = services.assessment_create(user=practitioner, product=product)
        Assessment.objects.filter(pk=assessment.pk).update(state="in_review")
    assert queries() == first


def test_after_a_comment_the_reviewer_returns_under_the_sites_prefix(client_for, reviewer,
                                                                     bad):
    from django.urls import set_script_prefix

    set_script_prefix("/vetting/")  # what the WSGI handler does with SCRIPT_NAME=/vetting
    try:
        response = client_for(reviewer).post(f"/review/{bad.pk}/comments/", {
            "question_id": "1.1", "text": "Ask for the cell bank file."})
    finally:
        set_script_prefix("/")
    assert response["Location"] == f"/vetting/review/{bad.pk}/#q1_1"


@pytest.mark.parametrize("role", OTHERS)
def test_queue_is_refused_to_other_roles(client_for, make_user, role):
    user = make_user(role) if role else make_user()
    assert client_for(user).get("/review/").status_code == 403


def test_queue_sends_anonymous_users_to_login_and_refuses_post(client, client_for, reviewer):
    assert client.get("/review/")["Location"] == "/accounts/login/?next=/review/"
    assert client_for(reviewer).post("/review/").status_code == 405


# ------------------------------------------------------------------ review page

def test_review_page_shows_answers_evidence_findings_and_forms(client_for, reviewer, good):
    content = client_for(reviewer).get(f"/review/{good.pk}/").content.decode()
    assert "Decide and sign" in content and "Request information" in content
    assert "?inline=1" in content  # PDFs open inline
    assert "biological source: human MSC: adipose" in content


def test_a_question_answered_by_its_document_alone_says_so(client_for, reviewer, good):
    answered = set(good.answers.values_list("question_id", flat=True))
    qid = next(q for d in good.documents.filter(is_current=True) for q in d.question_ids
               if q not in answered)
    content = client_for(reviewer).get(f"/review/{good.pk}/").content.decode()
    block = content[content.index(f'id="q{qid.replace(".", "_")}"'):]
    block = block[:block.index('class="review-q', 1)]
    assert "Answered by the document below." in block and "No answer." not in block


@pytest.mark.parametrize("role", OTHERS)
def test_review_page_is_refused_to_other_roles(client_for, make_user, good, role):
    user = make_user(role) if role else make_user()
    assert client_for(user).get(f"/review/{good.pk}/").status_code == 403


def test_review_page_of_an_unknown_assessment_is_404(client_for, reviewer):
    assert client_for(reviewer).get("/review/9999/").status_code == 404


# ------------------------------------------------------------------ comments

def test_reviewer_comments_on_a_finding(client_for, reviewer, bad):
    response = client_for(reviewer).post(f"/review/{bad.pk}/comments/", {
        "question_id": "1.1", "text": "Ask for the cell bank file."})
    assert response["Location"] == f"/review/{bad.pk}/#q1_1"
    comment = ReviewComment.objects.get()
    assert (comment.author, comment.question_id) == (reviewer, "1.1")
    assert "Ask for the cell bank file." in client_for(reviewer).get(
        f"/review/{bad.pk}/").content.decode()


def test_each_comment_toggle_names_its_question_to_a_screen_reader(client_for, reviewer, bad):
    page = client_for(reviewer).get(f"/review/{bad.pk}/").content.decode()
    assert '<summary>Comment<span class="visually-hidden"> on 1.1</span></summary>' in page
    assert "<summary>Comment</summary>" not in page


@pytest.mark.parametrize("role", OTHERS)
def test_comments_are_refused_to_other_roles(client_for, make_user, bad, role):
    user = make_user(role) if role else make_user()
    before = state(bad)
    assert client_for(user).post(f"/review/{bad.pk}/comments/", {
        "question_id": "1.1", "text": "x"}).status_code == 403
    assert state(bad) == before


def test_empty_or_misplaced_comments_write_nothing(client_for, reviewer, bad):
    before = state(bad)
    client = client_for(reviewer)
    client.post(f"/review/{bad.pk}/comments/", {"question_id": "1.1", "text": " "})
    client.post(f"/review/{bad.pk}/comments/", {"question_id": "9.9", "text": "x"})
    assert client.get(f"/review/{bad.pk}/comments/").status_code == 405
    assert client.post("/review/9999/comments/", {"question_id": "1.1",
                                                  "text": "x"}).status_code == 404
    assert state(bad) == before


def test_a_comment_too_long_is_refused_saying_so(client_for, reviewer, bad):
    from django.contrib.messages import get_messages

    before = state(bad)
    client = client_for(reviewer)
    response = client.post(f"/review/{bad.pk}/comments/", {"question_id": "1.1",
                                                            "text": "x" * 4001})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The comment was not added: it is longer than 4,000 characters."]
    assert state(bad) == before
    page = client.get(f"/review/{bad.pk}/").content.decode()
    assert 'maxlength="4000"' in page  # the browser stops at the limit too


def test_comments_are_offered_only_while_they_can_be_added(client_for, reviewer, good):
    client = client_for(reviewer)
    assert 'name="question_id"' in client.get(f"/review/{good.pk}/").content.decode()
    client.post(f"/review/{good.pk}/decision/", decision_data())
    assert 'name="question_id"' not in client.get(f"/review/{good.pk}/").content.decode()


# ------------------------------------------------------------------ information request

def test_reviewer_requests_information_from_the_vendor(client_for, reviewer, bad):
    response = client_for(reviewer).post(f"/review/{bad.pk}/information-request/", {
        "target": "vendor", "message": "Send the CoA."})
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.state == "information_requested"
    assert bad.information_request_message == "Send the CoA."


def test_a_request_on_a_case_decided_meanwhile_says_so_and_keeps_the_message(
        client_for, reviewer, good):
    client = client_for(reviewer)
    client.post(f"/review/{good.pk}/decision/", decision_data(), follow=True)  # another tab
    before = state(good)
    response = client.post(f"/review/{good.pk}/information-request/", {
        "target": "vendor", "message": "Send the batch CoA."})
    assert response.status_code == 400
    banner = [str(m) for m in response.context["messages"]]
    assert len(banner) == 1
    assert banner[0].startswith("The request was not sent: this assessment is now approved by ")
    assert banner[0].endswith(" Your message was: “Send the batch CoA.”")
    assert state(good) == before


def test_information_request_needs_a_message(client_for, reviewer, bad):
    before = state(bad)
    response = client_for(reviewer).post(f"/review/{bad.pk}/information-request/", {
        "target": "vendor", "message": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert "The request was not sent: see the form" in response.content.decode()
    assert "Not sent: correct what is marked below." in response.content.decode()
    assert state(bad) == before


@pytest.mark.parametrize("role", OTHERS)
def test_information_request_is_refused_to_other_roles(client_for, make_user, bad, role):
    user = make_user(role) if role else make_user()
    before = state(bad)
    assert client_for(user).post(f"/review/{bad.pk}/information-request/", {
        "target": "vendor", "message": "x"}).status_code == 403
    assert state(bad) == before


# ------------------------------------------------------------------ decision

def test_reviewer_approves_and_signs_through_the_page(client_for, reviewer, good):
    response = client_for(reviewer).post(f"/review/{good.pk}/decision/", decision_data())
    assert response["Location"] == f"/assessments/{good.pk}/"
    decision = Decision.objects.get()
    assert decision.outcome == "approved" and decision.signed_by == reviewer
    assert decision.approved_spec == {"endotoxin_limit": 0.5, "sterility_required": True}


def test_the_page_says_signing_closes_an_older_open_assessment(client_for, reviewer, good,
                                                              practitioner):
    newer = in_review("well-documented-product", practitioner)
    client = client_for(reviewer)
    page = client.get(f"/review/{newer.pk}/").content.decode()
    assert (f'Signing closes an older assessment of this product still open (<a href="/assessments/'
            f'{good.pk}/">assessment 1</a>, in review)') in page
    assert 'id="older-open"' not in client.get(f"/review/{good.pk}/").content.decode()
    response = client.post(f"/review/{newer.pk}/decision/", decision_data())
    assert response.status_code == 302
    assert state(good)[0] == "withdrawn"


def test_the_validity_field_says_when_the_gmp_certificate_ends(client_for, reviewer, good):
    page = client_for(reviewer).get(f"/review/{good.pk}/").content.decode()
    assert ("The GMP certificate (answer 2.2) ends on 2028-03-09: an approval lapses then if "
            "that comes first, and the product is due for re-vetting.") in page


def test_an_approval_beyond_the_certificate_says_it_lapses_with_it(client_for, reviewer, good):
    client = client_for(reviewer)
    client.post(f"/review/{good.pk}/decision/", decision_data(valid_until="2099-12-31"))
    said = ("valid until 2099-12-31 (last valid day); the GMP certificate ends first, on "
            "2028-03-09: the approval lapses then")
    assert said in client.get(f"/assessments/{good.pk}/").content.decode()
    assert said in client.get(f"/products/{good.product_id}/").content.decode()


def test_a_wrong_password_is_shown_next_to_the_password(client_for, reviewer, good):
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/decision/",
                                         decision_data(password="nope"))
    assert response.status_code == 400
    assert "The password is not correct" in response.content.decode()
    assert state(good) == before
    assert AuditEntry.objects.last().summary == "Signature refused: wrong password"


def test_approving_with_a_red_finding_is_refused_on_the_page(client_for, reviewer, bad):
    before = state(bad)
    response = client_for(reviewer).post(f"/review/{bad.pk}/decision/",
                                         decision_data(justification="x", conditions="y"))
    assert response.status_code == 400
    assert "A RED finding stands" in response.content.decode()
    assert state(bad) == before


def test_departing_needs_a_justification_on_the_page(client_for, reviewer, good):
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/decision/",
                                         decision_data(outcome="rejected"))
    assert "write a justification" in response.content.decode()
    assert state(good) == before


def test_a_rejection_is_not_refused_over_what_only_an_approval_signs(client_for, reviewer,
                                                                    bad):
    """A reviewer who typed into the approval's fields, then chose to reject: the
    rejection is signed, and none of those fields with it."""
    response = client_for(reviewer).post(f"/review/{bad.pk}/decision/", decision_data(
        outcome="rejected", valid_until="31/02/2027", endotoxin_limit="-1",
        particle_min="10", particle_max="1", conditions="x" * 4001))
    assert response["Location"] == f"/assessments/{bad.pk}/"
    decision = Decision.objects.get()
    assert (decision.outcome, decision.valid_until, decision.conditions) == (
        "rejected", None, "")
    assert not any(decision.approved_spec.values())  # no limit, no sterility requirement


def test_an_approval_is_refused_over_the_same_fields(client_for, reviewer, good):
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/decision/", decision_data(
        valid_until="31/02/2027", endotoxin_limit="-1"))
    assert response.status_code == 400
    assert set(response.context["decision_form"].errors) == {"valid_until", "endotoxin_limit"}
    assert state(good) == before


def test_a_range_out_of_order_is_shown_with_a_value_that_could_not_be_read(
        client_for, reviewer, good):
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/decision/", decision_data(
        endotoxin_limit="0,5", particle_min="5", particle_max="1"))
    assert response.status_code == 400
    errors = response.context["decision_form"].errors
    assert set(errors) == {"endotoxin_limit", "particle_min"}
    assert "is above the highest particle concentration" in errors["particle_min"][0]
    assert state(good) == before


def test_the_decision_form_shows_every_problem_at_once(client_for, reviewer, good):
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/decision/", decision_data(
        outcome="approved_with_conditions", particle_min="10", particle_max="1"))
    assert response.status_code == 400
    form = response.context["decision_form"]
    assert set(form.errors) == {"particle_min", "justification", "conditions"}
    page = response.content.decode()
    for message in ("is above the highest particle concentration", "write a justification",
                    "Write the conditions of the approval"):
        assert message in page
    # Not taken for signed: the page says so at its top (on a phone the form is far below)
    # and at the form.
    assert "The decision was not signed: see the form “Decide and sign” below." in page
    assert page.index("The decision was not signed") < page.index('id="decision"')
    assert "Not signed: correct what is marked below, then sign again with your password" in page
    assert state(good) == before


def test_a_field_the_form_refuses_hides_none_of_the_decisions_own_problems(client_for,
                                                                           reviewer, good):
    """A negative limit is refused by the form itself; the missing conditions and
    justification are the decision's rules: all three are shown at once."""
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/decision/", decision_data(
        outcome="approved_with_conditions", endotoxin_limit="-1"))
    form = response.context["decision_form"]
    assert set(form.errors) == {"endotoxin_limit", "justification", "conditions"}
    assert state(good) == before


@pytest.mark.parametrize("role", OTHERS)
def test_decision_is_refused_to_other_roles(client_for, make_user, good, role):
    user = make_user(role) if role else make_user()
    before = state(good)
    assert client_for(user).post(f"/review/{good.pk}/decision/",
                                 decision_data()).status_code == 403
    assert state(good) == before


def test_decision_refuses_get_and_unknown_assessments(client_for, reviewer, good):
    before = state(good)
    assert client_for(reviewer).get(f"/review/{good.pk}/decision/").status_code == 405
    assert client_for(reviewer).post("/review/9999/decision/",
                                     decision_data()).status_code == 404
    assert state(good) == before


# ------------------------------------------------------------------ suspension

def test_reviewer_suspends_an_approval(client_for, reviewer, good):
    services.assessment_decide(user=reviewer, assessment=good, outcome="approved",
                               password=PASSWORD,
                               valid_until=services.clinic_today() + timedelta(days=30))
    response = client_for(reviewer).post(f"/review/{good.pk}/suspension/",
                                         {"reason": "Recall of lot 7"})
    assert response.status_code == 302
    good.refresh_from_db()
    assert good.state == "suspended" and good.closing_reason == "Recall of lot 7"


def test_a_suspended_approval_no_longer_reads_as_standing_on_the_summary(client_for, reviewer,
                                                                          good):
    """After a suspension the summary said "Approved ... valid until ..." under an unlabelled
    grey note: it says now that the approval no longer stands, since when and why."""
    services.assessment_decide(user=reviewer, assessment=good, outcome="approved",
                               password=PASSWORD,
                               valid_until=services.clinic_today() + timedelta(days=30))
    client = client_for(reviewer)
    page = client.get(f"/assessments/{good.pk}/").content.decode()
    assert "valid until" in page and "no longer stands" not in page
    client.post(f"/review/{good.pk}/suspension/", {"reason": "Recall of lot 7"})
    page = client.get(f"/assessments/{good.pk}/").content.decode()
    today = services.clinic_today().isoformat()
    assert (f"<strong>Suspended on {today}: the approval below no longer stands.</strong> "
            "Reason: Recall of lot 7<span") in page
    assert "no longer stands; it was: <strong>Approved</strong>" in page
    assert "valid until" not in page


def test_suspending_what_is_not_approved_is_refused(client_for, reviewer, good):
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/suspension/", {"reason": "x"})
    assert response.status_code == 400
    assert "You cannot suspend the approval: the assessment is in review." in (
        response.content.decode())
    assert state(good) == before


def test_a_suspension_without_a_reason_says_so_at_the_form(client_for, reviewer, good):
    services.assessment_decide(user=reviewer, assessment=good, outcome="approved",
                               password=PASSWORD,
                               valid_until=services.clinic_today() + timedelta(days=30))
    before = state(good)
    response = client_for(reviewer).post(f"/review/{good.pk}/suspension/", {"reason": " "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The approval was not suspended: see the form" in page
    assert "Not suspended: correct what is marked below." in page
    assert "This field is required" in page
    assert state(good) == before


@pytest.mark.parametrize("role", OTHERS)
def test_suspension_is_refused_to_other_roles(client_for, make_user, good, reviewer, role):
    services.assessment_decide(user=reviewer, assessment=good, outcome="approved",
                               password=PASSWORD,
                               valid_until=services.clinic_today() + timedelta(days=30))
    user = make_user(role) if role else make_user()
    before = state(good)
    assert client_for(user).post(f"/review/{good.pk}/suspension/",
                                 {"reason": "x"}).status_code == 403
    assert state(good) == before


# ------------------------------------------------------------------ what the page showed

def reviewed_on(page: str) -> str:
    import re

    return re.search(r'name="reviewed" value="([0-9a-f]{64})"', page)[1]


def changed_meanwhile(good, reviewer, practitioner):
    """The case goes back to the practitioner, who adds a document and resubmits."""
    services.assessment_request_information(user=reviewer, assessment=good,
                                            target="practitioner", message="The 2025 CoA?")
    services.evidence_upload(assessment=good, question_id="4.1", kind="coa",
                             upload=SimpleUploadedFile("CoA 2025.pdf", PDF_BYTES + b"2025"),
                             user=practitioner)
    services.assessment_resubmit(user=practitioner, assessment=good)


def test_a_signature_from_a_page_older_than_the_answers_is_refused(client_for, reviewer,
                                                                   practitioner, good):
    client = client_for(reviewer)
    seen = reviewed_on(client.get(f"/review/{good.pk}/").content.decode())
    changed_meanwhile(good, reviewer, practitioner)
    before = state(good)
    response = client.post(f"/review/{good.pk}/decision/", decision_data(reviewed=seen))
    page = response.content.decode()
    assert response.status_code == 400
    assert "The answers or documents changed since you opened this page" in page
    assert state(good) == before  # nothing signed
    # Refused before the password was checked: no refusal counts towards the lock-out.
    assert not AuditEntry.objects.filter(summary__startswith="Signature refused").exists()
    # The page shown again carries what it now shows: signed from it, the decision stands.
    fresh = reviewed_on(page)
    assert fresh != seen
    response = client.post(f"/review/{good.pk}/decision/", decision_data(reviewed=fresh))
    assert response.status_code == 302
    assert Decision.objects.get().assessment_id == good.pk


def test_a_second_signature_on_a_decided_case_says_who_decided(client_for, reviewer,
                                                               make_user, good):
    director = make_user("reviewer", username="dora", first_name="Dora", last_name="Direk")
    page = client_for(director).get(f"/review/{good.pk}/").content.decode()
    client_for(reviewer).post(f"/review/{good.pk}/decision/",
                              decision_data(reviewed=reviewed_on(page)))
    before = state(good)
    response = client_for(director).post(f"/review/{good.pk}/decision/", decision_data(
        outcome="rejected", justification="No.", reviewed=reviewed_on(page)))
    content = response.content.decode()
    assert response.status_code == 400
    assert "The decision was not signed: this assessment is now approved by " in content
    assert "see the form" not in content
    assert state(good) == before


def test_a_form_refused_for_a_field_still_says_the_answers_changed(client_for, reviewer,
                                                                   practitioner, good):
    client = client_for(reviewer)
    seen = reviewed_on(client.get(f"/review/{good.pk}/").content.decode())
    changed_meanwhile(good, reviewer, practitioner)
    response = client.post(f"/review/{good.pk}/decision/", decision_data(
        reviewed=seen, endotoxin_limit="-1"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "The answers or documents changed since you opened this page: the page now shows " \
           "them. Read them again before signing." in page
    assert reviewed_on(page) != seen
