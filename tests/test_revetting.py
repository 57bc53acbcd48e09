"""Re-vetting: a new assessment pre-filled from the last decided one, across checklist versions."""

import re
from pathlib import Path

import pytest
from django.core import mail

from tests.test_lots_services import approved
from vetting import services
from vetting.models import Assessment, AuditEntry, EvidenceDocument, VendorContact
from vetting.services import InvalidState, NotAllowed, checklist_load_file
from vetting.services.evaluation import carried_over_ids
from vetting.services.revetting import revetting_start

pytestmark = pytest.mark.django_db
V1 = Path(__file__).resolve().parent.parent / "vetting" / "checklists" / "v1.yaml"


@pytest.fixture
def decided(checklist_version, practitioner, reviewer):
    return approved(practitioner, reviewer)


@pytest.fixture
def v2(tmp_path):
    """Version 2: question 3.9 removed, the Korea GMP choice of 2.1 removed."""
    text = V1.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1)
    text = re.sub(r'\n  - id: "3\.9"\n.*?(?=\n  - id: )', "\n", text, flags=re.S)
    text = text.replace("          korea_gmp: Korea GMP\n", "")
    path = tmp_path / "v2.yaml"
    path.write_text(text, encoding="utf-8")
    checklist_load_file(path)
    return path


def test_it_carries_over_the_answers_for_confirmation(decided, practitioner):
    new = revetting_start(user=practitioner, product=decided.product)
    assert new.revets == decided
    assert new.number == decided.number + 1
    old = dict(decided.answers.values_list("question_id", "value"))
    answers = {a.question_id: a for a in new.answers.all()}
    assert set(answers) == set(old)
    assert {a.value == old[q] for q, a in answers.items()} == {True}
    assert {a.source for q, a in answers.items() if q not in ("0.1", "0.2")} == {"carried_over"}


def test_the_re_vetting_links_the_assessment_it_re_vets(decided, practitioner, client_for):
    new = revetting_start(user=practitioner, product=decided.product)
    client = client_for(practitioner)
    for url in [f"/assessments/{new.pk}/", f"/assessments/{new.pk}/steps/1/"]:
        page = client.get(url).content.decode()
        assert (f'· re-vets <a href="/assessments/{decided.pk}/" class="link-secondary">'
                f'assessment {decided.number}</a>') in page, url
    assert "re-vets" not in client.get(f"/assessments/{decided.pk}/").content.decode()


def test_documents_are_referenced_not_copied(decided, practitioner, settings):
    new = revetting_start(user=practitioner, product=decided.product)
    before = list(decided.documents.filter(is_current=True).order_by("pk"))
    after = list(new.documents.order_by("pk"))
    assert before and len(after) == len(before)
    assert [(d.file.name, d.sha256) for d in after] == [(d.file.name, d.sha256) for d in before]
    stored = list((Path(settings.MEDIA_ROOT) / "evidence").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == EvidenceDocument.objects.filter(
        assessment=decided).count()  # no new file in the storage


def test_the_recommendation_is_evaluated_on_the_carried_answers(decided, practitioner):
    new = revetting_start(user=practitioner, product=decided.product)
    assert new.recommendation == decided.recommendation
    assert new.red_count == 0


def test_across_versions_only_questions_that_still_exist_and_still_validate(decided,
                                                                            practitioner, v2):
    new = revetting_start(user=practitioner, product=decided.product)
    assert new.checklist_version.version == "2"
    carried = set(new.answers.values_list("question_id", flat=True))
    assert "3.9" in set(decided.answers.values_list("question_id", flat=True))
    assert "3.9" not in carried  # the question is gone
    assert "2.1" not in carried  # its answer (Korea GMP) is no longer a choice
    assert "2.2" in carried
    entry = AuditEntry.objects.filter(summary__startswith="Re-vetting of assessment").get()
    assert sorted(entry.after["skipped"]) == ["2.1", "3.9"]


def test_it_invites_the_vendors_primary_contact(decided, practitioner,
                                                django_capture_on_commit_callbacks):
    VendorContact.objects.create(vendor=decided.product.vendor, name="Lee", email="lee@v.example",
                                 is_primary=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = revetting_start(user=practitioner, product=decided.product)
    assert new.state == "awaiting_vendor"
    assert new.invitations.get().contact.email == "lee@v.example"
    assert mail.outbox[-1].to == ["lee@v.example"]
    assert "your previous answers are filled in" in mail.outbox[-1].body


def test_without_a_primary_contact_it_stays_a_draft(decided, practitioner):
    assert revetting_start(user=practitioner, product=decided.product).state == "draft"


def test_a_second_revetting_is_refused_while_one_is_in_progress(decided, practitioner):
    revetting_start(user=practitioner, product=decided.product)
    with pytest.raises(InvalidState, match="already in progress"):
        revetting_start(user=practitioner, product=decided.product)
    assert Assessment.objects.filter(product=decided.product).count() == 2


def test_a_product_without_a_decision_is_not_revetted(assessment, practitioner):
    entries = AuditEntry.objects.count()
    with pytest.raises(InvalidState):
        revetting_start(user=practitioner, product=assessment.product)
    assert Assessment.objects.filter(product=assessment.product).count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_user_without_a_role_cannot_revet(decided, norole_user):
    with pytest.raises(NotAllowed):
        revetting_start(user=norole_user, product=decided.product)
    assert Assessment.objects.filter(product=decided.product).count() == 1


def test_carried_over_answers_must_be_confirmed_before_review(checklist_version, practitioner,
                                                              reviewer, client_for):
    """Submit for review names the unconfirmed answers; saving the step confirms them."""
    from vetting.models import AnswerSource
    from vetting.services import InvalidState
    from vetting.services.lifecycle import assessment_submit_for_review

    old = approved(practitioner, reviewer)
    new = revetting_start(user=practitioner, product=old.product)
    Assessment.objects.filter(pk=new.pk).update(state="draft")
    with pytest.raises(InvalidState, match="Confirm or update the answers carried over"):
        assessment_submit_for_review(user=practitioner, assessment=new)
    # The practitioner's profile answers are confirmed by saving step 0.
    client = client_for(practitioner)
    page = client.get(f"/assessments/{new.pk}/steps/0/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    client.post(f"/assessments/{new.pk}/steps/0/", data)
    confirmed = new.answers.get(question_id="0.3")
    assert confirmed.source == AnswerSource.PRACTITIONER


def test_the_clinics_carried_fields_stay_attributed_to_who_recorded_them(decided, practitioner,
                                                                         make_user):
    from vetting import services

    old = decided.answers.get(question_id="4.1")
    assert old.value.get("vial_lot") and old.answered_by == practitioner
    colleague = make_user("practitioner", username="colleague")
    new = revetting_start(user=colleague, product=decided.product, invite=False)
    carried = new.answers.get(question_id="4.1")
    assert (carried.source, carried.answered_by) == ("carried_over", colleague)
    assert (carried.clinic_fields_by, carried.clinic_fields_at) == (practitioner,
                                                                    old.answered_at)
    # The vendor confirms its part: the vial lot is still the earlier recorder's.
    services.assessment_invite(user=colleague, assessment=new)
    confirmed = services.answer_set(assessment=new, question_id="4.1", value=carried.value,
                                    vendor_label="vendor: Ann")
    assert confirmed.source == "vendor"
    assert (confirmed.clinic_fields_by, confirmed.clinic_fields_at) == (practitioner,
                                                                        old.answered_at)


def test_the_vendor_confirms_the_carried_answers_before_submitting(decided, practitioner,
                                                                  client):
    """The portal lists what is carried over, to confirm; submitting is refused until each
    section holding such an answer is saved; then it goes through."""
    from vetting.models import AnswerSource
    from vetting.services.lifecycle import carried_to_confirm
    from vetting.services.portal import invitation_send

    new = revetting_start(user=practitioner, product=decided.product, invite=False)
    contact = VendorContact.objects.create(vendor=new.product.vendor, name="Lee",
                                           email="lee@v.example", is_primary=True)
    token = invitation_send(user=practitioner, assessment=new, contact=contact).token
    waiting = carried_to_confirm(new, by="vendor")
    assert waiting
    # The home page counts them, per section too (all answered, but not done).
    home = client.get(f"/v/{token}/").content.decode()
    assert f'<span class="badge text-bg-warning">{len(waiting)} to confirm</span>' in home
    assert sum(row["to_confirm"] for row in client.get(f"/v/{token}/").context["rows"]) == len(
        waiting)
    page = client.get(f"/v/{token}/submit/").content.decode()
    assert "from the last assessment, to confirm" in page
    response = client.post(f"/v/{token}/submit/")
    assert response.status_code == 400
    assert "Confirm or update the answers carried over" in response.content.decode()
    new.refresh_from_db()
    assert new.state == "awaiting_vendor" and not new.submissions.exists()
    # Saving each section as shown confirms the answers in it.
    for domain in sorted({new.checklist.question(q).domain_id for q in waiting}):
        step = client.get(f"/v/{token}/steps/{domain}/")
        marked = [item["q"].id for item in step.context["questions"] if item["to_confirm"]]
        assert marked and set(marked) <= set(waiting)
        assert 'class="badge text-bg-warning">to confirm</span>' in step.content.decode()
        form = step.context["form"]
        data = {name: value for name, value in form.initial.items() if value not in (None, "")}
        assert client.post(f"/v/{token}/steps/{domain}/", data).status_code == 302
    assert carried_to_confirm(new, by="vendor") == []
    assert "to confirm</span>" not in client.get(f"/v/{token}/").content.decode()
    assert not new.answers.filter(source=AnswerSource.CARRIED_OVER,
                                  question_id__in=waiting).exists()
    assert client.post(f"/v/{token}/submit/").status_code == 302
    new.refresh_from_db()
    assert new.state == "vendor_submitted"


def test_a_section_saved_with_a_refused_upload_shows_its_answers_confirmed(decided,
                                                                         practitioner,
                                                                         client):
    from vetting.services.lifecycle import carried_to_confirm
    from vetting.services.portal import invitation_send

    new = revetting_start(user=practitioner, product=decided.product, invite=False)
    contact = VendorContact.objects.create(vendor=new.product.vendor, name="Lee",
                                           email="lee@v.example", is_primary=True)
    token = invitation_send(user=practitioner, assessment=new, contact=contact).token
    domain = new.checklist.question(carried_to_confirm(new, by="vendor")[0]).domain_id
    step = client.get(f"/v/{token}/steps/{domain}/")
    anchor = next(item["anchor"] for item in step.context["questions"]
                  if item["document_fields"])
    data = {k: v for k, v in step.context["form"].initial.items() if v not in (None, "")}
    response = client.post(f"/v/{token}/steps/{domain}/", {**data, "upload": anchor})
    assert response.status_code == 400  # Upload pressed without a file: said so ...
    page = response.content.decode()
    assert "Choose a file, then press Upload." in page and "Saved." in page
    # ... and what was saved shows confirmed (other sections still count theirs).
    assert 'class="badge text-bg-warning">to confirm</span>' not in page


def test_beside_re_vetting_the_plain_start_says_it_starts_empty(decided, reviewer,
                                                                client_for, practitioner):
    """A suspended product offered "Start re-vetting" and a plain "Start an assessment",
    which skipped the pre-fill and the link to the old case unsaid."""
    client = client_for(practitioner)
    page = client.get(f"/products/{decided.product_id}/").content.decode()
    assert "Start re-vetting" not in page and "Start an assessment</button>" in page
    services.assessment_suspend(user=reviewer, assessment=decided, reason="Recall of lot 7")
    page = client.get(f"/products/{decided.product_id}/").content.decode()
    assert "Start re-vetting</button>" in page
    assert "Start from scratch instead</button>" in page and 'id="from-scratch"' in page
    client.post(f"/products/{decided.product_id}/revetting/")
    page = client.get(f"/products/{decided.product_id}/").content.decode()
    assert "Start another assessment</button>" in page and 'id="from-scratch"' not in page


def test_importing_a_dossier_confirms_the_carried_answers_it_gives(decided, practitioner):
    """Import writes only answers that differ from what is stored, except those carried
    over: giving them again confirms them, as saving them on a step does (left alone, a
    re-vetting's import left dozens of answers unconfirmed and submit refused)."""
    new = revetting_start(user=practitioner, product=decided.product)
    carried = carried_over_ids(new)
    assert carried
    dossier = services.assessment_export(user=practitioner, assessment=new)
    services.assessment_import(user=practitioner, assessment=new, data=dossier)
    assert not carried_over_ids(new)
    assert set(new.answers.filter(question_id__in=carried).values_list("source", flat=True)) == {
        "import"}
