"""The hash-chained audit trail: what the services record, and that tampering shows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from vetting import services
from vetting.audit import Actor, audit_record, chain_hash, entry_hash, verify_chain
from vetting.models import (
    GENESIS_HASH,
    AssessmentState,
    AuditChainHead,
    AuditEntry,
    AuditEvent,
    ChecklistVersion,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PRACTITIONER_ANSWERS = {
    "0.3": {"sterile": "yes"},
    "0.4": {"market": "eu_uk"},
    "5.1": {"route": "intact_skin"},
    "5.4": {"claims": ["appearance_only"]},
    "6.7": {"consent_states": "yes"},
    # The clinic's part of vendor questions whose checks wait for it.
    "1.2": {"called_exosome": "no"},
    "4.1": {"vial_lot": "L-1"},
}


def newest_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def entries_after(seq: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq"))


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def trail(assessment, practitioner):
    """A few entries of different kinds: start, answers, invitation."""
    services.answer_set(assessment=assessment, question_id="0.3", value={"sterile": "yes"},
                        user=practitioner)
    services.assessment_invite(user=practitioner, assessment=assessment)
    return list(AuditEntry.objects.order_by("seq"))


# ---------------------------------------------------------------- what is recorded


def test_loading_a_checklist_records_it(checklist_version):
    entry = AuditEntry.objects.get(object_type="ChecklistVersion")
    assert entry.event == AuditEvent.RECORD_CHANGE
    assert entry.object_id == str(checklist_version.pk)
    assert entry.actor_kind == "system"
    assert entry.after["sha256"] == checklist_version.sha256


def test_starting_an_assessment_records_a_state_change(checklist_version, product, practitioner):
    seq = newest_seq()
    assessment = services.assessment_create(user=practitioner, product=product)
    start = entries_after(seq)[0]
    assert start.event == AuditEvent.STATE_CHANGE
    assert start.assessment == assessment
    assert start.actor_user == practitioner
    assert start.after == {"state": "draft"}


def test_inviting_the_vendor_records_a_state_change(assessment, practitioner):
    seq = newest_seq()
    services.assessment_invite(user=practitioner, assessment=assessment)
    [entry] = entries_after(seq)
    assert entry.event == AuditEvent.STATE_CHANGE
    assert entry.before == {"state": "draft"}
    assert entry.after == {"state": "awaiting_vendor"}
    assert entry.actor_label == practitioner.get_username()


def test_a_vendor_submission_records_the_state_change_and_the_snapshot(assessment, practitioner):
    services.assessment_invite(user=practitioner, assessment=assessment)
    seq = newest_seq()
    submission = services.assessment_vendor_submit(assessment=assessment,
                                                   vendor_label="qa@vendor.example")
    entries = entries_after(seq)
    assert [e.event for e in entries] == [AuditEvent.STATE_CHANGE, AuditEvent.RECORD_CHANGE]
    assert {e.actor_kind for e in entries} == {"vendor"}
    assert entries[1].object_id == str(submission.pk)


def test_submitting_for_review_records_a_state_change(assessment, practitioner):
    for qid, value in PRACTITIONER_ANSWERS.items():
        services.answer_set(assessment=assessment, question_id=qid, value=value,
                            user=practitioner)
    seq = newest_seq()
    services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    [entry] = entries_after(seq)
    assert entry.event == AuditEvent.STATE_CHANGE
    assert entry.after == {"state": "in_review"}


def test_an_answer_change_records_before_and_after(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="0.3", value={"sterile": "no"},
                        user=practitioner)
    seq = newest_seq()
    services.answer_set(assessment=assessment, question_id="0.3", value={"sterile": "yes"},
                        user=practitioner)
    [entry] = entries_after(seq)
    assert entry.event == AuditEvent.ANSWER_CHANGE
    assert entry.before["value"] == {"sterile": "no"}
    assert entry.after["value"] == {"sterile": "yes"}


def test_an_unchanged_answer_records_nothing(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="0.3", value={"sterile": "no"},
                        user=practitioner)
    seq = newest_seq()
    services.answer_set(assessment=assessment, question_id="0.3", value={"sterile": "no"},
                        user=practitioner)
    assert entries_after(seq) == []


def test_an_upload_records_the_document_and_its_hash(assessment, practitioner):
    seq = newest_seq()
    document = services.evidence_upload(
        assessment=assessment, question_id="2.2", kind="gmp_certificate",
        upload=SimpleUploadedFile("gmp.pdf", PDF, content_type="application/pdf"),
        user=practitioner,
    )
    [entry] = entries_after(seq)
    assert entry.event == AuditEvent.UPLOAD
    assert entry.object_id == str(document.pk)
    assert entry.after["sha256"] == document.sha256
    assert entry.after["name"] == "gmp.pdf"


def test_an_import_records_the_dossier(assessment, practitioner):
    seq = newest_seq()
    services.assessment_import(user=practitioner, assessment=assessment, data={
        "format": "clinic-vetting-dossier", "checklist_version": "1",
        "answers": {"0.3": {"sterile": "yes"}, "2.1": {"standard": "korea_gmp"}},
        "evidence": {"2.2": [{"name": "gmp.pdf", "kind": "gmp_certificate",
                              "sha256": "a" * 64}]},
    })
    entries = entries_after(seq)
    assert [e.event for e in entries] == [AuditEvent.ANSWER_CHANGE, AuditEvent.ANSWER_CHANGE,
                                          AuditEvent.IMPORT]
    assert entries[-1].after["answers"] == ["0.3", "2.1"]


def test_an_export_records_a_download(assessment, practitioner):
    seq = newest_seq()
    services.assessment_export(user=practitioner, assessment=assessment)
    [entry] = entries_after(seq)
    assert entry.event == AuditEvent.DOWNLOAD
    assert entry.assessment == assessment


# ---------------------------------------------------------------- refused calls record nothing


def test_a_refused_role_records_nothing(assessment, practitioner):
    services.assessment_invite(user=practitioner, assessment=assessment)
    seq = newest_seq()
    with pytest.raises(services.NotAllowed):
        services.assessment_request_information(
            user=practitioner, assessment=assessment, target="vendor", message="More data")
    assert entries_after(seq) == []
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWAITING_VENDOR


def test_a_user_without_a_role_cannot_answer_and_nothing_is_recorded(assessment, norole_user):
    seq = newest_seq()
    with pytest.raises(services.NotAllowed):
        services.answer_set(assessment=assessment, question_id="0.3",
                            value={"sterile": "yes"}, user=norole_user)
    assert entries_after(seq) == []
    assert not assessment.answers.filter(question_id="0.3").exists()


def test_a_refused_state_change_records_nothing(assessment, practitioner):
    seq = newest_seq()
    with pytest.raises(services.InvalidState):
        services.assessment_submit_for_review(user=practitioner, assessment=assessment)
    assert entries_after(seq) == []


def test_a_refused_upload_records_nothing(assessment, practitioner):
    seq = newest_seq()
    with pytest.raises(services.InvalidInput):
        services.evidence_upload(
            assessment=assessment, question_id="2.2", kind="gmp_certificate",
            upload=SimpleUploadedFile("gmp.pdf", b"<html>not a pdf</html>"), user=practitioner)
    assert entries_after(seq) == []
    assert not assessment.documents.exists()


def test_a_refused_export_records_nothing(assessment, norole_user):
    seq = newest_seq()
    with pytest.raises(services.NotAllowed):
        services.assessment_export(user=norole_user, assessment=assessment)
    assert entries_after(seq) == []


# ---------------------------------------------------------------- the chain


def test_entries_chain_with_contiguous_sequence_numbers(trail):
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    assert trail[0].prev_hash == GENESIS_HASH
    for previous, entry in zip(trail, trail[1:], strict=False):
        assert entry.prev_hash == previous.hash


def test_each_stored_hash_covers_the_stored_content(trail):
    assert all(entry_hash(entry) == entry.hash for entry in trail)


def test_the_chain_hash_is_the_newest_entrys_hash(trail):
    assert chain_hash() == trail[-1].hash
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (trail[-1].seq, trail[-1].hash)


def test_the_chain_hash_of_an_empty_trail_is_the_genesis_hash(db):
    assert chain_hash() == GENESIS_HASH


def test_an_intact_chain_verifies(trail):
    check = verify_chain()
    assert check.ok
    assert check.checked == len(trail)
    assert check.broken_seq is None


def test_an_empty_chain_verifies(db):
    assert verify_chain().ok


# ---------------------------------------------------------------- tampering is detected


def test_an_edited_entry_is_detected_at_that_entry(trail):
    middle = trail[len(trail) // 2]
    raw_sql("UPDATE vetting_auditentry SET summary = %s WHERE seq = %s",
            ["Nothing to see here", middle.seq])
    check = verify_chain()
    assert not check.ok
    assert check.broken_seq == middle.seq
    assert check.checked == middle.seq - 1
    assert "altered" in check.problem


def test_an_edit_with_a_recomputed_hash_is_detected_at_the_next_entry(trail):
    middle = trail[len(trail) // 2]
    middle.summary = "Nothing to see here"
    raw_sql("UPDATE vetting_auditentry SET summary = %s, hash = %s WHERE seq = %s",
            [middle.summary, entry_hash(middle), middle.seq])
    check = verify_chain()
    assert not check.ok
    assert check.broken_seq == middle.seq + 1
    assert "previous hash differs" in check.problem


def test_a_deleted_middle_entry_is_detected_at_its_seq(trail):
    middle = trail[len(trail) // 2]
    raw_sql("DELETE FROM vetting_auditentry WHERE seq = %s", [middle.seq])
    check = verify_chain()
    assert not check.ok
    assert check.broken_seq == middle.seq
    assert "missing" in check.problem


def test_deleting_the_newest_entry_is_detected_by_the_chain_head(trail):
    raw_sql("DELETE FROM vetting_auditentry WHERE seq = %s", [trail[-1].seq])
    check = verify_chain()
    assert not check.ok
    assert check.broken_seq == trail[-1].seq
    assert "deleted" in check.problem


def test_deleting_the_newest_entries_is_detected_by_the_chain_head(trail):
    raw_sql("DELETE FROM vetting_auditentry WHERE seq >= %s", [trail[-3].seq])
    check = verify_chain()
    assert not check.ok
    assert check.broken_seq == trail[-3].seq
    assert check.checked == len(trail) - 3


def test_deleting_the_newest_entries_and_the_chain_head_is_detected(trail):
    raw_sql("DELETE FROM vetting_auditentry WHERE seq >= %s", [trail[-2].seq])
    raw_sql("DELETE FROM vetting_auditchainhead", [])
    assert not verify_chain().ok


# ---------------------------------------------------------------- the ORM refuses changes


def _snapshot() -> list[tuple]:
    return list(AuditEntry.objects.order_by("seq").values_list("seq", "summary", "hash"))


def test_saving_an_existing_entry_is_refused(trail):
    before = _snapshot()
    entry = AuditEntry.objects.get(seq=1)
    entry.summary = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    assert _snapshot() == before


def test_saving_a_new_instance_over_an_existing_entry_is_refused(trail):
    before = _snapshot()
    original = AuditEntry.objects.values().get(seq=1)
    forged = AuditEntry(**{**original, "summary": "rewritten"})
    with pytest.raises((PermissionError, IntegrityError)), transaction.atomic():
        forged.save()
    assert _snapshot() == before


def test_deleting_an_entry_is_refused(trail):
    before = _snapshot()
    with pytest.raises(PermissionError):
        AuditEntry.objects.get(seq=1).delete()
    assert _snapshot() == before


def test_a_queryset_update_is_refused(trail):
    before = _snapshot()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(seq=1).update(summary="rewritten")
    assert _snapshot() == before


def test_a_queryset_delete_is_refused(trail):
    before = _snapshot()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert _snapshot() == before


def test_a_bulk_update_is_refused(trail):
    before = _snapshot()
    entry = AuditEntry.objects.get(seq=1)
    entry.summary = "rewritten"
    # bulk_update opens no savepoint of its own: give it one so the test can go on.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["summary"])
    assert _snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=Actor.system("test"), event=AuditEvent.RECORD_CHANGE,
                     summary="outside any transaction")
    assert not AuditEntry.objects.exists()
    assert chain_hash() == GENESIS_HASH


def test_a_rolled_back_change_leaves_no_entry(checklist_version):
    seq, head = newest_seq(), chain_hash()
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=Actor.system("test"), event=AuditEvent.RECORD_CHANGE,
                     obj=checklist_version, summary="rolled back")
        raise ValueError("the change fails after its entry was written")
    assert entries_after(seq) == []
    assert chain_hash() == head
    assert ChecklistVersion.objects.count() == 1
