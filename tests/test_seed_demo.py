"""seed_demo: demo users with roles and vendors; idempotent; refuses DEBUG off."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from vetting.audit import verify_chain
from vetting.models import Assessment, AssessmentState, AuditEntry, Vendor
from vetting.permissions import user_roles
from vetting.services.lifecycle import assessments_unlike_their_trail
from vetting.services.review import decisions_unlike_their_signatures

pytestmark = pytest.mark.django_db


def test_it_creates_users_with_their_roles_and_prints_logins(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    User = get_user_model()
    assert user_roles(User.objects.get(username="practitioner")) == {"practitioner"}
    assert user_roles(User.objects.get(username="reviewer")) == {"reviewer"}
    assert user_roles(User.objects.get(username="director")) == {"reviewer", "admin"}
    assert User.objects.get(username="admin").check_password("demo-admin-pw")
    assert "demo-reviewer-pw" in out
    assert Vendor.objects.count() == 6


def test_it_creates_assessments_in_every_state_with_their_audit_history(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    states = set(Assessment.objects.values_list("state", flat=True))
    assert states == set(AssessmentState.values)
    for assessment in Assessment.objects.all():
        assert AuditEntry.objects.filter(assessment=assessment, event="state_change").exists()
    rejected = Assessment.objects.get(state="rejected")
    assert rejected.red_count > 0 and rejected.decision.outcome == "rejected"
    assert verify_chain().ok
    # Every state, reached through the services, is the one its audit trail records.
    assert assessments_unlike_their_trail() == []
    assert decisions_unlike_their_signatures() == []


def test_running_it_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    def counts():
        return (get_user_model().objects.count(), Vendor.objects.count(),
                Assessment.objects.count(), AuditEntry.objects.count())

    before = counts()
    call_command("seed_demo")
    assert counts() == before


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    assert not Vendor.objects.exists()
    assert not Assessment.objects.exists()


def test_every_case_waiting_for_the_vendor_has_a_live_link_printed(settings, capsys, client):
    from vetting.services import vendor_may_write

    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    waiting = [a for a in Assessment.objects.select_related("product") if vendor_may_write(a)]
    assert {a.state for a in waiting} >= {"awaiting_vendor", "information_requested"}
    for assessment in waiting:
        assert assessment.invitations.filter(revoked_at__isnull=True).exists(), assessment
        [link] = [line.split(": ", 1)[1].split()[0] for line in out.splitlines()
                  if line.startswith(f"  {assessment.product.name}: /v/")]
        assert client.get(link).status_code == 200  # the vendor's portal opens
    assert "Subject:" not in out  # the invitation e-mails are not printed


def test_no_document_is_attached_twice(settings):
    from collections import Counter

    from vetting.models import EvidenceDocument

    settings.DEBUG = True
    call_command("seed_demo")
    attached = Counter((d.assessment_id, d.kind, d.sha256, tuple(d.question_ids))
                       for d in EvidenceDocument.objects.filter(is_current=True))
    assert attached and max(attached.values()) == 1


def test_no_demo_case_expects_a_document_it_holds(settings):
    """Each stand-in file is the demo's copy of what its example dossier listed. Only the
    rejected bad product's vendor never supplied its one document."""
    from vetting.models import ExpectedEvidence

    settings.DEBUG = True
    call_command("seed_demo")
    assert [(e.assessment.product.name, e.assessment.state)
            for e in ExpectedEvidence.objects.all()] == [
        ("ExoMiracle 100B Injectable", "rejected")]


def test_a_signed_case_does_not_ask_for_uploads(settings, client_for, reviewer):
    from vetting.models import ExpectedEvidence

    settings.DEBUG = True
    call_command("seed_demo")
    rejected = ExpectedEvidence.objects.get().assessment
    page = client_for(reviewer).get(f"/assessments/{rejected.pk}/").content.decode()
    assert "Named, never supplied (1)" in page
    assert "upload each on its question" not in page
