"""On PostgreSQL, two transitions racing on one assessment: exactly one wins."""

import threading

import pytest
from django.db import connection

from tests.services import needs_services
from tests.test_services_lifecycle import answer_practitioner_questions
from vetting import services
from vetting.models import Assessment, AuditEntry
from vetting.services import InvalidState

pytestmark = [*needs_services, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same moment in separate threads (separate connections)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "won"
        except InvalidState:
            outcomes[index] = "refused"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_invite_and_submit_for_review_racing_from_draft(assessment, practitioner, reviewer):
    # Each is allowed from draft and excludes the other once done.
    assert connection.vendor == "postgresql"
    answer_practitioner_questions(assessment, practitioner)
    entries = AuditEntry.objects.count()
    outcomes = race(
        lambda: services.assessment_invite(user=practitioner, assessment=assessment),
        lambda: services.assessment_submit_for_review(user=reviewer, assessment=assessment),
    )
    assert sorted(outcomes) == ["refused", "won"], outcomes
    assessment.refresh_from_db()
    assert assessment.state in ("awaiting_vendor", "in_review")
    assert AuditEntry.objects.count() == entries + 1
    from vetting.audit import verify_chain

    assert verify_chain().ok


@pytest.mark.parametrize("attempts", [4])
def test_the_same_withdrawal_sent_several_times_wins_once(assessment, practitioner, attempts):
    outcomes = race(*[
        (lambda: services.assessment_withdraw(user=practitioner, assessment=assessment,
                                              reason="double click"))
        for _ in range(attempts)
    ])
    assert outcomes.count("won") == 1, outcomes
    assert outcomes.count("refused") == attempts - 1, outcomes
    assert Assessment.objects.get(pk=assessment.pk).state == "withdrawn"
