"""Expiry reminders at 30, 7 and 0 days, each sent once; the weekly digest."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail

from tests.test_lots_services import approved, record
from vetting.models import Reminder
from vetting.services import standing
from vetting.tasks_reminders import send_expiry_reminders, send_weekly_digest

pytestmark = pytest.mark.django_db


def frozen(day):
    return mock.patch("django.utils.timezone.now",
                      return_value=datetime(day.year, day.month, day.day, 9, tzinfo=UTC))


@pytest.fixture
def decided(checklist_version, practitioner, reviewer):
    # Valid for 100 days; the GMP certificate (2028-03-09) and lots stay out of the window.
    return approved(practitioner, reviewer, valid_days=100)


def test_reminder_thresholds():
    assert [standing.reminder_threshold(d) for d in (31, 30, 8, 7, 1, 0, -1)] == [
        None, 30, 30, 7, 7, 0, None]


@pytest.mark.parametrize("days_left, threshold", [(30, 30), (7, 7), (0, 0)])
def test_a_decision_is_reminded_30_7_and_0_days_before(decided, days_left, threshold):
    last = decided.decision.valid_until
    mail.outbox.clear()
    with frozen(last - timedelta(days=days_left)):
        assert send_expiry_reminders.delay().get() == 1
    [message] = mail.outbox
    assert sorted(message.to) == ["pia@clinic.example", "rui@clinic.example"]
    assert decided.product.name in message.subject
    assert last.isoformat() in message.body
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.object_id, reminder.days_before) == (
        "decision", decided.decision.pk, threshold)
    assert reminder.sent_at is not None


def test_running_the_task_twice_sends_nothing_twice(decided):
    last = decided.decision.valid_until
    mail.outbox.clear()
    with frozen(last - timedelta(days=7)):
        assert send_expiry_reminders.delay().get() == 1
        assert send_expiry_reminders.delay().get() == 0
    with frozen(last - timedelta(days=6)):  # next day: the 7-day reminder went out already
        assert send_expiry_reminders.delay().get() == 0
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_nothing_is_reminded_31_days_before(decided):
    mail.outbox.clear()
    with frozen(decided.decision.valid_until - timedelta(days=31)):
        assert send_expiry_reminders.delay().get() == 0
    assert mail.outbox == []


def test_a_lapsed_decision_is_not_reminded_again(decided):
    with frozen(decided.decision.valid_until + timedelta(days=1)):
        assert send_expiry_reminders.delay().get() == 0


def test_a_lot_is_reminded_before_it_expires(decided, practitioner, pdf_upload):
    today = decided.decision.valid_until - timedelta(days=60)
    with frozen(today):
        lot = record(practitioner, decided.product, pdf_upload,
                     expiry_date=today + timedelta(days=7), received_on=today)
        mail.outbox.clear()
        assert send_expiry_reminders.delay().get() == 1
    assert f"Lot {lot.lot_number} of {decided.product.name}" in mail.outbox[0].subject
    assert Reminder.objects.get().kind == "lot"


def test_a_rejected_lot_is_not_reminded(decided, practitioner, reviewer, pdf_upload):
    from vetting.services import lots

    today = decided.decision.valid_until - timedelta(days=60)
    with frozen(today):
        lot = record(practitioner, decided.product, pdf_upload, endotoxin=3,
                     expiry_date=today + timedelta(days=7), received_on=today)
        lots.lot_reject(user=reviewer, lot=lot, justification="too much endotoxin")
        assert send_expiry_reminders.delay().get() == 0


def test_a_certificate_is_reminded_before_it_expires(checklist_version, practitioner,
                                                     reviewer):
    decided = approved(practitioner, reviewer, valid_days=365 * 5)
    with frozen(datetime(2028, 3, 2).date()):  # 2.2 expires 2028-03-09
        assert send_expiry_reminders.delay().get() == 1
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.object_id, reminder.days_before) == (
        "certificate", decided.pk, 7)
    assert "GMP certificate" in mail.outbox[-1].subject


def test_a_failed_e_mail_is_retried_on_the_next_run(decided):
    with frozen(decided.decision.valid_until), mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")):
        assert send_expiry_reminders.delay().get() == 0
    assert Reminder.objects.count() == 0
    with frozen(decided.decision.valid_until):
        assert send_expiry_reminders.delay().get() == 1


def test_the_weekly_digest_goes_to_reviewers_once_a_week(decided, practitioner, pdf_upload):
    record(practitioner, decided.product, pdf_upload, endotoxin=3)
    mail.outbox.clear()
    assert send_weekly_digest.delay().get() == 1
    assert send_weekly_digest.delay().get() == 0
    [message] = mail.outbox
    assert message.to == ["rui@clinic.example"]
    assert "1 lot on hold" in message.subject
    assert "Endotoxin 3 EU/mL is above the approved limit" in message.body
    html = message.alternatives[0][0]
    assert decided.product.name in html


def test_the_digest_lists_what_is_due_in_the_next_30_days(decided):
    mail.outbox.clear()
    with frozen(decided.decision.valid_until - timedelta(days=20)):
        assert send_weekly_digest.delay().get() == 1
    body = mail.outbox[0].body
    assert f"The approval of {decided.product.name}" in body
    assert "Due for re-vetting now (0)" in body


def test_the_nightly_task_refreshes_the_planner_statistics_on_sqlite_only(decided):
    from django.db import connection

    from vetting.tasks_reminders import refresh_planner_statistics

    ran = refresh_planner_statistics.delay().get()
    assert ran == (connection.vendor == "sqlite")
    if ran:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'vetting_assessment'")
            assert cursor.fetchone()[0] > 0
