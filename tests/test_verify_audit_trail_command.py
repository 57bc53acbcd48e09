"""`manage.py verify_audit_trail`: exit 0 on an intact chain, 1 naming the first broken entry,
each decision unlike its signature entry and each assessment unlike its audited states."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from vetting import services
from vetting.audit import chain_hash
from vetting.management.commands.verify_audit_trail import Command
from vetting.models import AuditEntry


@pytest.fixture
def trail(assessment, practitioner):
    services.answer_set(assessment=assessment, question_id="0.3", value={"sterile": "yes"},
                        user=practitioner)
    services.assessment_invite(user=practitioner, assessment=assessment)
    return list(AuditEntry.objects.order_by("seq"))


def run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit_trail", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def tamper(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE vetting_auditentry SET summary = %s WHERE seq = %s",
                       ["Nothing to see here", seq])


def test_an_intact_chain_prints_ok_and_the_count(trail):
    out, err = run()
    assert out.startswith(f"OK: {len(trail)} entries verified")
    assert chain_hash() in out
    assert err == ""


def test_an_empty_trail_is_ok(db):
    out, _ = run()
    assert out.startswith("OK: 0 entries verified")


def test_a_tampered_chain_exits_1(trail):
    tamper(3)
    with pytest.raises(CommandError) as excinfo:
        run()
    assert excinfo.value.returncode == 1
    assert "entry #3" in str(excinfo.value)


def test_a_tampered_chain_names_the_first_broken_entry_on_stdout(trail):
    tamper(4)
    tamper(2)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_trail", stdout=out)
    assert out.getvalue().startswith("BROKEN at entry #2: entry #2 was altered")


def test_a_deleted_entry_is_named(trail):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM vetting_auditentry WHERE seq = %s", [2])
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit_trail", stdout=out)
    assert excinfo.value.returncode == 1
    assert out.getvalue().startswith("BROKEN at entry #2: entry #2 is missing")


def test_deleted_newest_entries_are_named(trail):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM vetting_auditentry WHERE seq = %s", [len(trail)])
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit_trail", stdout=out)
    assert excinfo.value.returncode == 1
    assert out.getvalue().startswith(f"BROKEN at entry #{len(trail)}")


def test_from_the_command_line_the_process_exits_1_with_the_error_on_stderr(
    trail, monkeypatch, capsys
):
    # run_from_argv closes the connections when done, which would end the test's
    # transaction; the exit status and streams are what matter here.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    tamper(2)
    with pytest.raises(SystemExit) as excinfo:
        Command().run_from_argv(["manage.py", "verify_audit_trail"])
    assert excinfo.value.code == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("BROKEN at entry #2")
    assert "audit trail broken at entry #2" in captured.err


# Decisions against their signature entries

@pytest.fixture
def signed(checklist_version, practitioner, reviewer):
    from tests.test_lots_services import approved

    return approved(practitioner, reviewer, valid_days=365)


def test_decisions_as_signed_are_ok(signed):
    out, _ = run()
    assert out.startswith("OK:")


@pytest.mark.parametrize("change, named", [
    ({"lapses_on": "2099-01-01"}, "lapses_on differs"),
    ({"certificate_expiry": "2099-01-01"}, "certificate_expiry differs"),
    ({"content_sha256": "f" * 64}, "content_sha256 differs"),
    ({"outcome": "approved_with_conditions", "conditions": "none"}, "differ from what was"),
    ({"valid_until": "2099-01-01"}, "differ from what was signed"),
    ({"justification": "because"}, "differ from what was signed"),
])
def test_a_changed_decision_exits_1_and_is_named(signed, change, named):
    from vetting.models import Decision

    Decision.objects.filter(pk=signed.decision.pk).update(**change)  # behind the services
    out = StringIO()
    with pytest.raises(CommandError, match="differ from their signature entries"):
        call_command("verify_audit_trail", stdout=out)
    assert f"DECISION CHANGED: decision {signed.decision.pk}: " in out.getvalue()
    assert named in out.getvalue()


def test_a_changed_copy_on_the_assessment_is_named(signed):
    from vetting.models import Assessment

    Assessment.objects.filter(pk=signed.pk).update(lapses_on=None)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_trail", stdout=out)
    assert f"assessment {signed.pk}'s lapses_on differs" in out.getvalue()


def test_a_changed_answer_of_a_decided_assessment_is_named(signed):
    from vetting.models import Answer

    Answer.objects.filter(assessment=signed, question_id="0.3").update(value={"sterile": "no"})
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_trail", stdout=out)
    assert (f"decision {signed.decision.pk}: the decision or its assessment's answers or "
            "evidence differ from what was signed") in out.getvalue()


def test_a_decision_without_a_signature_entry_is_named(signed):
    from vetting.models import Assessment, Decision

    other = Assessment.objects.create(product=signed.product, number=2, state="approved",
                                      checklist_version=signed.checklist_version,
                                      created_by=signed.created_by)
    forged = Decision.objects.filter(pk=signed.decision.pk).values()[0]
    forged.pop("id")
    forged["assessment_id"] = other.pk
    made = Decision.objects.bulk_create([Decision(**forged)])[0]  # behind the services
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_trail", stdout=out)
    assert f"DECISION CHANGED: decision {made.pk} has no signature entry" in out.getvalue()


@pytest.mark.parametrize("change", [
    {"signer_name": "Dr Someone Else"},
    {"meaning": "I reviewed nothing"},
    {"signed_at": "2026-01-01T09:00:00+00:00"},
])
def test_a_changed_signer_name_time_or_meaning_is_named(signed, change):
    from vetting.models import Decision

    Decision.objects.filter(pk=signed.decision.pk).update(**change)  # behind the services
    out = StringIO()
    with pytest.raises(CommandError, match="differ from their signature entries"):
        call_command("verify_audit_trail", stdout=out)
    assert (f"DECISION CHANGED: decision {signed.decision.pk}: the signer's name, the time or "
            "the meaning differs from what entry #") in out.getvalue()


def test_a_decision_given_to_another_signer_is_named(signed, practitioner):
    from vetting.models import Decision

    Decision.objects.filter(pk=signed.decision.pk).update(signed_by=practitioner)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit_trail", stdout=out)
    assert (f"DECISION CHANGED: decision {signed.decision.pk}: the signer differs from the user "
            "entry #") in out.getvalue()


def test_a_changed_state_is_named(signed):
    from vetting.models import Assessment

    Assessment.objects.filter(pk=signed.pk).update(state="rejected")  # behind the services
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit_trail", stdout=out)
    assert excinfo.value.returncode == 1
    assert "1 assessment(s) are not in the state their audit trail records" in str(excinfo.value)
    assert (f"STATE CHANGED: assessment {signed.pk} is rejected; the last state its audit trail "
            "records is approved") in out.getvalue()


def test_states_reached_through_the_services_are_ok(trail, signed, reviewer):
    services.assessment_suspend(user=reviewer, assessment=signed, reason="Recall")
    out, _ = run()
    assert out.startswith("OK:")
