"""Vendor portal services: invitations (hash only, expiry, revocation, re-issue), the
vendor's answers and uploads, submissions and their e-mails, submission differences."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.test_services_lifecycle import answer_practitioner_questions
from vetting import services
from vetting.models import (
    AssessmentState,
    AuditEntry,
    AuditEvent,
    EvidenceDocument,
    Invitation,
    InvitationStatus,
    VendorContact,
    VendorSubmission,
)
from vetting.services import InvalidInput, InvalidState, NotAllowed
from vetting.services import portal as portal_services

S = AssessmentState
pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(vendor):
    return VendorContact.objects.create(vendor=vendor, name="Vera Quality",
                                        email="vera@aurora.example")


@pytest.fixture
def send(assessment, practitioner, contact, django_capture_on_commit_callbacks):
    """Send an invitation (running the on-commit e-mail); returns the IssuedInvitation."""

    def run(**kwargs):
        options = {"user": practitioner, "assessment": assessment, "contact": contact, **kwargs}
        with django_capture_on_commit_callbacks(execute=True):
            return portal_services.invitation_send(**options)

    return run


def state_of(assessment):
    assessment.refresh_from_db()
    return assessment.state


def counts():
    return (Invitation.objects.count(), AuditEntry.objects.count(),
            VendorSubmission.objects.count())


# ------------------------------------------------------------------ tokens

def test_send_stores_only_the_tokens_sha256(send):
    issued = send()
    invitation = Invitation.objects.get()
    assert len(issued.token) >= 43  # token_urlsafe(32): 256 random bits
    assert invitation.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM vetting_invitation")
        row = cursor.fetchone()
    assert all(issued.token not in str(value) for value in row)
    assert not AuditEntry.objects.filter(summary__contains=issued.token).exists()
    assert issued.token not in str(list(AuditEntry.objects.values_list("after", flat=True)))


def test_two_invitations_get_different_tokens(send):
    first, second = send(), send()
    assert first.token != second.token
    assert first.invitation.token_hash != second.invitation.token_hash


def test_the_token_finds_its_invitation(send):
    issued = send()
    assert portal_services.invitation_for_token(issued.token) == issued.invitation


@pytest.mark.parametrize("token", ["", "nope", "x" * 500])
def test_an_unknown_token_finds_nothing(send, token):
    send()
    assert portal_services.invitation_for_token(token) is None


def test_the_hash_is_not_a_token(send):
    issued = send()
    assert portal_services.invitation_for_token(issued.invitation.token_hash) is None


# ------------------------------------------------------------------ sending

def test_send_moves_a_draft_to_awaiting_vendor_and_is_audited(send, assessment, contact):
    send(message="Please start with the CoA.")
    assert state_of(assessment) == S.AWAITING_VENDOR
    entry = AuditEntry.objects.filter(event=AuditEvent.INVITATION).get()
    assert contact.email in entry.summary
    assert entry.actor_label == "pia"
    assert Invitation.objects.get().message == "Please start with the CoA."


def test_send_defaults_to_thirty_days(send):
    invitation = send().invitation
    assert abs(invitation.expires_at - timezone.now() - timedelta(days=30)) < timedelta(
        minutes=1)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_send_refuses_an_expiry_out_of_range(send, assessment, days):
    before = counts()
    with pytest.raises(InvalidInput) as info:
        send(expires_in_days=days)
    assert info.value.field == "expires_in_days"
    assert counts() == before
    assert state_of(assessment) == S.DRAFT


def test_send_refuses_a_contact_of_another_vendor(send, assessment):
    from vetting.models import Vendor

    other = Vendor.objects.create(name="Other Labs", country="France")
    stranger = VendorContact.objects.create(vendor=other, name="Sam", email="sam@other.example")
    before = counts()
    with pytest.raises(InvalidInput) as info:
        send(contact=stranger)
    assert info.value.field == "contact"
    assert counts() == before
    assert state_of(assessment) == S.DRAFT


def test_a_user_without_a_role_cannot_send(send, norole_user, assessment, mailoutbox):
    before = counts()
    with pytest.raises(NotAllowed):
        send(user=norole_user)
    assert counts() == before
    assert mailoutbox == []


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_every_staff_role_may_send(send, make_user, role):
    assert send(user=make_user(role)).invitation.pk


@pytest.mark.parametrize("state", [S.VENDOR_SUBMITTED, S.IN_REVIEW, S.APPROVED, S.WITHDRAWN])
def test_send_is_refused_when_the_assessment_is_not_open_to_the_vendor(send, assessment,
                                                                        state):
    type(assessment).objects.filter(pk=assessment.pk).update(state=state)
    before = counts()
    with pytest.raises(InvalidState):
        send()
    assert counts() == before


def test_a_new_invitation_revokes_the_live_one(send, assessment):
    first = send()
    second = send()
    first.invitation.refresh_from_db()
    assert first.invitation.status == InvitationStatus.REVOKED
    assert second.invitation.status == InvitationStatus.SENT
    assert portal_services.invitation_for_token(first.token).is_live is False
    assert state_of(assessment) == S.AWAITING_VENDOR


# ------------------------------------------------------------------ e-mail

def test_the_invitation_email_has_the_link_in_text_and_html(send, contact, mailoutbox,
                                                             settings):
    settings.SITE_URL = "https://vetting.clinic.example"
    issued = send(message="Start with the CoA, please.")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    url = f"https://vetting.clinic.example/v/{issued.token}/"
    assert mail.to == [contact.email]
    assert mail.subject == "Questions about Glow Exosome Serum from pia"
    assert url in mail.body
    assert "Start with the CoA, please." in mail.body
    assert "Hello Vera Quality" in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{url}"' in html
    assert "Start with the CoA, please." in html


def test_no_email_leaves_when_the_transaction_rolls_back(assessment, practitioner, contact,
                                                         mailoutbox,
                                                         django_capture_on_commit_callbacks):
    from django.db import transaction

    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        portal_services.invitation_send(user=practitioner, assessment=assessment,
                                        contact=contact)
        raise RuntimeError("later step failed")
    assert mailoutbox == []
    assert Invitation.objects.count() == 0


def test_a_failing_mail_server_does_not_undo_the_invitation(send, monkeypatch, caplog):
    from django.core.mail import EmailMultiAlternatives

    def broken(self, *args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    issued = send()
    assert Invitation.objects.filter(pk=issued.invitation.pk).exists()
    assert "could not be sent" in caplog.text
    assert issued.token not in caplog.text


# ------------------------------------------------------------------ expiry, revocation

def test_status_goes_sent_opened_submitted(send):
    issued = send()
    invitation = issued.invitation
    assert invitation.status == InvitationStatus.SENT
    portal_services.invitation_opened(invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPENED
    portal_services.portal_submit(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SUBMITTED


def test_only_the_first_opening_is_audited(send):
    invitation = send().invitation
    for _ in range(3):
        portal_services.invitation_opened(invitation)
    invitation.refresh_from_db()
    assert invitation.first_opened_at <= invitation.last_opened_at
    opened = AuditEntry.objects.filter(summary__contains="opened")
    assert opened.count() == 1
    assert opened.get().actor_kind == "vendor"


def test_an_invitation_expires(send):
    invitation = send(expires_in_days=1).invitation
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED
    assert not invitation.is_live


def test_an_expired_invitation_can_neither_answer_nor_submit(send, assessment):
    invitation = send().invitation
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    invitation.refresh_from_db()
    before = counts()
    with pytest.raises(InvalidState):
        portal_services.portal_answers_save(invitation=invitation,
                                            values={"1.1": {"source": "plant"}})
    with pytest.raises(InvalidState):
        portal_services.portal_submit(invitation=invitation)
    assert counts() == before
    assert not assessment.answers.filter(question_id="1.1").exists()


def test_revoke_closes_the_link_and_is_audited(send, practitioner):
    invitation = send().invitation
    portal_services.invitation_revoke(user=practitioner, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert AuditEntry.objects.filter(summary__contains="revoked").count() == 1
    with pytest.raises(InvalidState):
        portal_services.portal_answers_save(invitation=invitation, values={})


def test_revoking_twice_is_refused(send, practitioner):
    invitation = send().invitation
    portal_services.invitation_revoke(user=practitioner, invitation=invitation)
    with pytest.raises(InvalidState, match="already revoked"):
        portal_services.invitation_revoke(user=practitioner, invitation=invitation)


def test_a_user_without_a_role_cannot_revoke(send, norole_user):
    invitation = send().invitation
    with pytest.raises(NotAllowed):
        portal_services.invitation_revoke(user=norole_user, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_reissue_revokes_the_old_link_and_sends_a_new_one(send, practitioner, contact,
                                                          mailoutbox,
                                                          django_capture_on_commit_callbacks):
    old = send(message="hello")
    with django_capture_on_commit_callbacks(execute=True):
        new = portal_services.invitation_reissue(user=practitioner, invitation=old.invitation)
    old.invitation.refresh_from_db()
    assert old.invitation.status == InvitationStatus.REVOKED
    assert new.invitation.contact == contact
    assert new.invitation.message == "hello"
    assert new.token != old.token
    assert portal_services.invitation_for_token(new.token).is_live
    assert new.token in mailoutbox[-1].body
    assert old.token not in mailoutbox[-1].body


def test_an_expired_link_can_be_reissued(send, practitioner):
    old = send()
    Invitation.objects.filter(pk=old.invitation.pk).update(expires_at=timezone.now())
    old.invitation.refresh_from_db()
    new = portal_services.invitation_reissue(user=practitioner, invitation=old.invitation,
                                             expires_in_days=7)
    assert new.invitation.is_live


# ------------------------------------------------------------------ answers and uploads

def test_the_vendor_answers_a_vendor_question(send, assessment):
    invitation = send().invitation
    changed = portal_services.portal_answers_save(invitation=invitation,
                                                  values={"1.1": {"source": "plant"}})
    assert changed == 1
    answer = assessment.answers.get(question_id="1.1")
    assert answer.source == "vendor"
    assert answer.answered_by_vendor == "Vera Quality <vera@aurora.example>"


def test_the_vendor_cannot_answer_a_practitioner_question(send, assessment):
    invitation = send().invitation
    with pytest.raises(NotAllowed):
        portal_services.portal_answers_save(invitation=invitation,
                                            values={"1.1": {"source": "plant"},
                                                    "0.3": {"sterile": "no"}})
    # all or nothing: the vendor question of the same save was not written either
    assert not assessment.answers.filter(question_id__in=["1.1", "0.3"]).exists()


def test_an_invalid_answer_is_refused_naming_the_question(send, assessment):
    invitation = send().invitation
    with pytest.raises(InvalidInput) as info:
        portal_services.portal_answers_save(invitation=invitation,
                                            values={"1.1": {"source": "moon rock"}})
    assert info.value.field == "1.1"


def test_uploads_are_limited_per_submission(send, assessment, pdf_upload, settings):
    settings.PORTAL_MAX_UPLOADS_PER_SUBMISSION = 2
    invitation = send().invitation
    for index in range(2):
        portal_services.portal_upload(invitation=invitation, question_id="4.1", kind="coa",
                                      upload=pdf_upload(f"coa{index}.pdf",
                                                        b"%PDF-1.4\n" + bytes([index])))
    with pytest.raises(InvalidInput, match="2 documents"):
        portal_services.portal_upload(invitation=invitation, question_id="4.1", kind="coa",
                                      upload=pdf_upload("coa3.pdf"))
    assert EvidenceDocument.objects.count() == 2


def test_the_upload_limit_counts_since_the_last_submission(send, assessment, practitioner,
                                                           reviewer, pdf_upload, settings):
    settings.PORTAL_MAX_UPLOADS_PER_SUBMISSION = 1
    invitation = send().invitation
    portal_services.portal_upload(invitation=invitation, question_id="4.1", kind="coa",
                                  upload=pdf_upload())
    portal_services.portal_submit(invitation=invitation)
    reopen(assessment, practitioner, reviewer)
    portal_services.portal_upload(invitation=invitation, question_id="2.2",
                                  kind="gmp_certificate", upload=pdf_upload("gmp.pdf"))
    assert EvidenceDocument.objects.count() == 2


def test_an_upload_follows_the_upload_rules(send, pdf_upload):
    invitation = send().invitation
    with pytest.raises(InvalidInput, match="not an accepted type"):
        portal_services.portal_upload(invitation=invitation, question_id="4.1", kind="coa",
                                      upload=pdf_upload("coa.pdf", b"<html>hi</html>"))
    assert EvidenceDocument.objects.count() == 0


def test_the_vendor_may_replace_only_a_document_it_uploaded(send, assessment, practitioner,
                                                            pdf_upload):
    from vetting.services import evidence_upload
    from vetting.services.errors import NotAllowed

    invitation = send().invitation
    held = evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                           upload=pdf_upload("clinic.pdf"), user=practitioner)
    entries = AuditEntry.objects.count()
    with pytest.raises(NotAllowed, match="Only a document you uploaded"):
        portal_services.portal_upload(invitation=invitation, question_id="4.1", kind="coa",
                                      upload=pdf_upload("mine.pdf", b"%PDF-1.4 mine"),
                                      replaces=held)
    held.refresh_from_db()
    assert held.is_current and EvidenceDocument.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_an_upload_is_read_and_checked_before_the_assessment_is_locked(send, pdf_upload,
                                                                       monkeypatch):
    """On SQLite the lock is the whole database's: a slow file must not hold it."""
    from django.db import connection

    invitation = send().invitation
    depth, seen = len(connection.atomic_blocks), []
    real = portal_services.inspect_upload
    monkeypatch.setattr(portal_services, "inspect_upload",
                        lambda upload: seen.append(len(connection.atomic_blocks)) or real(upload))
    portal_services.portal_upload(invitation=invitation, question_id="4.1", kind="coa",
                                  upload=pdf_upload("coa.pdf"))
    assert seen == [depth]  # once, outside the transaction that locks the assessment


# ------------------------------------------------------------------ submissions

def reopen(assessment, practitioner, reviewer, message="Send the stability study."):
    """The practitioner sends the case to review; the reviewer asks the vendor for more."""
    answer_practitioner_questions(assessment, practitioner)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    services.assessment_request_information(user=reviewer, assessment=assessment,
                                            target="vendor", message=message)


def test_submit_makes_submission_1_and_notifies_the_practitioner(
        send, assessment, practitioner, mailoutbox, django_capture_on_commit_callbacks):
    invitation = send().invitation
    portal_services.portal_answers_save(invitation=invitation,
                                        values={"1.1": {"source": "plant"}})
    with django_capture_on_commit_callbacks(execute=True):
        submission = portal_services.portal_submit(invitation=invitation)
    assert submission.number == 1
    assert submission.answers == {"1.1": {"source": "plant"}}
    assert submission.submitted_by == "Vera Quality <vera@aurora.example>"
    assert state_of(assessment) == S.VENDOR_SUBMITTED
    invitation.refresh_from_db()
    assert invitation.submitted_at == submission.submitted_at
    mail = mailoutbox[-1]
    assert mail.to == [practitioner.email]
    assert "Vendor submission 1 received" in mail.subject
    url = f"/assessments/{assessment.pk}/submissions/1/"
    assert url in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html" and url in html


def test_once_the_practitioner_has_left_every_active_practitioner_hears_of_a_submission(
        send, assessment, practitioner, make_user, mailoutbox,
        django_capture_on_commit_callbacks):
    invitation = send().invitation
    make_user("practitioner", username="pat")
    make_user("practitioner", username="gone", is_active=False)
    make_user("reviewer", username="rex")
    practitioner.is_active = False
    practitioner.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        portal_services.portal_submit(invitation=invitation)
    assert mailoutbox[-1].to == ["pat@clinic.example"]


def test_after_an_information_request_a_resubmission_is_submission_2(
        send, assessment, practitioner, reviewer, mailoutbox,
        django_capture_on_commit_callbacks):
    invitation = send().invitation
    portal_services.portal_submit(invitation=invitation)
    with pytest.raises(InvalidState):
        portal_services.portal_answers_save(invitation=invitation,
                                            values={"1.1": {"source": "plant"}})
    reopen(assessment, practitioner, reviewer)
    portal_services.portal_answers_save(invitation=invitation,
                                        values={"1.1": {"source": "plant"}})
    with django_capture_on_commit_callbacks(execute=True):
        second = portal_services.portal_submit(invitation=invitation)
    assert second.number == 2
    assert state_of(assessment) == S.IN_REVIEW
    assert "and what changed since submission 1" in mailoutbox[-1].body


def test_a_submit_that_fails_half_way_keeps_the_saved_state(send, assessment, monkeypatch,
                                                            mailoutbox):
    from vetting.services import lifecycle

    invitation = send().invitation
    portal_services.portal_answers_save(invitation=invitation,
                                        values={"1.1": {"source": "plant"}})

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing the snapshot")

    monkeypatch.setattr(lifecycle, "_snapshot", broken)
    before = counts()
    mails = len(mailoutbox)
    with pytest.raises(RuntimeError):
        portal_services.portal_submit(invitation=invitation)
    assert counts() == before
    assert state_of(assessment) == S.AWAITING_VENDOR
    assert assessment.answers.get(question_id="1.1").value == {"source": "plant"}
    invitation.refresh_from_db()
    assert invitation.submitted_at is None
    assert len(mailoutbox) == mails


# ------------------------------------------------------------------ differences

def test_submission_changes_lists_answers_and_documents(assessment):
    checklist = assessment.checklist
    first = VendorSubmission(number=1, answers={"1.1": {"source": "plant"},
                                                "1.3": {"origin": "autologous"}},
                             evidence=[{"sha256": "a" * 64, "name": "old.pdf", "kind": "coa"},
                                       {"sha256": "b" * 64, "name": "same.pdf", "kind": "coa"}])
    second = VendorSubmission(number=2, answers={"1.1": {"source": "animal"},
                                                 "4.2": {"expiry_date": "2027-01-01"}},
                              evidence=[{"sha256": "b" * 64, "name": "same.pdf", "kind": "coa"},
                                        {"sha256": "c" * 64, "name": "new.pdf", "kind": "coa"}])
    changes = portal_services.submission_changes(checklist, first, second)
    by_id = {c.question_id: c for c in changes.answers}
    assert [c.question_id for c in changes.answers] == ["1.1", "1.3", "4.2"]
    assert by_id["1.1"].change == "changed"
    assert by_id["1.1"].before == "biological source: plant"
    assert by_id["1.1"].after.startswith("biological source: animal")
    assert by_id["1.3"].change == "removed" and by_id["1.3"].after == ""
    assert by_id["4.2"].change == "added" and by_id["4.2"].after == "expiry date: 2027-01-01"
    assert [d["name"] for d in changes.documents_added] == ["new.pdf"]
    assert [d["name"] for d in changes.documents_removed] == ["old.pdf"]
    assert changes.documents_kept == 1


def test_the_same_file_under_two_questions_is_two_documents(assessment):
    """Submission 1 held one file for 4.1; submission 2 the same file for 4.1 and for 3.5:
    one was added, not none (the diff merged them by SHA-256 alone)."""
    coa = {"sha256": "a" * 64, "name": "CoA.pdf", "kind": "coa", "questions": ["4.1"]}
    again = {**coa, "kind": "em_images", "questions": ["3.5"]}
    one = VendorSubmission(number=1, answers={}, evidence=[coa])
    two = VendorSubmission(number=2, answers={}, evidence=[coa, again])
    changes = portal_services.submission_changes(assessment.checklist, one, two)
    assert changes.documents_added == [again]
    assert changes.documents_removed == [] and changes.documents_kept == 1
    moved = VendorSubmission(number=3, answers={}, evidence=[{**coa, "questions": ["6.4"]}])
    changes = portal_services.submission_changes(assessment.checklist, one, moved)
    assert changes.documents_added == [{**coa, "questions": ["6.4"]}]
    assert changes.documents_removed == [coa]
    # A file that is for one more question now: added for that one, kept for the other.
    linked = VendorSubmission(number=4, answers={}, evidence=[{**coa, "questions": ["4.1",
                                                                                     "6.4"]}])
    changes = portal_services.submission_changes(assessment.checklist, one, linked)
    assert changes.documents_added == [{**coa, "questions": ["6.4"]}]
    assert changes.documents_removed == [] and changes.documents_kept == 1
    # Kept for both questions: one file unchanged, not two.
    again = VendorSubmission(number=5, answers={}, evidence=linked.evidence)
    changes = portal_services.submission_changes(assessment.checklist, linked, again)
    assert changes.documents_kept == 1 and not changes.documents_added


def test_identical_submissions_have_no_changes(assessment):
    one = VendorSubmission(number=1, answers={"1.1": {"source": "plant"}}, evidence=[])
    two = VendorSubmission(number=2, answers={"1.1": {"source": "plant"}}, evidence=[])
    assert portal_services.submission_changes(assessment.checklist, one, two).empty


# ------------------------------------------------------------------ information requests mailed

def request_from(assessment, practitioner, reviewer, target, capture, message="Send the "
                 "stability study."):
    answer_practitioner_questions(assessment, practitioner)
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    with capture(execute=True):
        services.assessment_request_information(user=reviewer, assessment=assessment,
                                                target=target, message=message)


def test_the_vendors_contact_is_told_its_link_works_again(
        send, assessment, practitioner, reviewer, mailoutbox,
        django_capture_on_commit_callbacks):
    invitation = send().invitation
    portal_services.portal_submit(invitation=invitation)
    mailoutbox.clear()
    request_from(assessment, practitioner, reviewer, "vendor",
                 django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert mail.to == ["vera@aurora.example"]
    assert mail.subject == f"More information needed: {assessment.product.name}"
    assert "Send the stability study." in mail.body
    assert "Open the link you received on" in mail.body
    assert "/v/" not in mail.body  # the link is the vendor's own: never mailed again
    assert "Send the stability study." in mail.alternatives[0][0]


def test_with_no_live_link_the_practitioner_is_told_to_send_one(
        assessment, practitioner, reviewer, mailoutbox, django_capture_on_commit_callbacks):
    request_from(assessment, practitioner, reviewer, "vendor",
                 django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert mail.to == [practitioner.email]
    assert mail.subject == f"The vendor needs a new link: {assessment.product.name}"
    assert f"/assessments/{assessment.pk}/" in mail.body


def test_a_request_to_the_practitioner_is_mailed_to_them(
        assessment, practitioner, reviewer, mailoutbox, django_capture_on_commit_callbacks):
    request_from(assessment, practitioner, reviewer, "practitioner",
                 django_capture_on_commit_callbacks, message="Is 0.3 right?")
    [mail] = mailoutbox
    assert mail.to == [practitioner.email]
    assert "Is 0.3 right?" in mail.body and "re-submit it for review" in mail.body


def test_a_refused_request_mails_nothing(assessment, practitioner, reviewer, mailoutbox,
                                         django_capture_on_commit_callbacks):
    with pytest.raises(InvalidInput):
        request_from(assessment, practitioner, reviewer, "vendor",
                     django_capture_on_commit_callbacks, message="  ")
    assert mailoutbox == []
