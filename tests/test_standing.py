"""A product's standing: the pure rule, expiry at the boundaries, and time zones."""

import importlib
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest

from tests.test_lots_services import approved, record
from vetting import services
from vetting.models import Assessment, Decision
from vetting.services import standing
from vetting.services.standing import Code, product_standing

TODAY = date(2026, 6, 15)


def at(**kwargs):
    return product_standing(today=TODAY, **kwargs)


def test_not_assessed():
    assert at(current_state=None).code == Code.NOT_ASSESSED


def test_in_progress_without_a_decision():
    s = at(current_state=None, newest_state="draft", newest_id=4)
    assert (s.code, s.open_id) == (Code.IN_PROGRESS, 4)


def test_a_withdrawn_assessment_is_not_in_progress():
    assert at(current_state=None, newest_state="withdrawn", newest_id=4).code == Code.NOT_ASSESSED


def test_approved_until_the_earlier_of_validity_and_certificate():
    s = at(current_state="approved", valid_until=date(2027, 1, 1),
           certificate_expiry=date(2026, 9, 30))
    assert s.code == Code.APPROVED
    assert s.label == "Approved until 2026-09-30"
    assert s.days_left == 107


def test_approved_with_conditions():
    s = at(current_state="approved_with_conditions", valid_until=date(2027, 1, 1))
    assert s.label == "Approved with conditions until 2027-01-01"


def test_the_validity_date_is_the_last_valid_day():
    assert at(current_state="approved", valid_until=TODAY).code == Code.APPROVED
    s = at(current_state="approved", valid_until=TODAY - timedelta(days=1))
    assert s.code == Code.DUE
    assert s.reasons == ("The approval lapsed: its last valid day was 2026-06-14.",)


def test_an_expired_certificate_makes_the_product_due():
    assert at(current_state="approved", valid_until=date(2027, 1, 1),
              certificate_expiry=TODAY).code == Code.APPROVED
    s = at(current_state="approved", valid_until=date(2027, 1, 1),
           certificate_expiry=TODAY - timedelta(days=1))
    assert s.code == Code.DUE
    assert s.reasons == ("The GMP certificate expired: its last valid day was 2026-06-14.",)


def test_suspended_and_rejected():
    assert at(current_state="suspended").code == Code.SUSPENDED
    assert at(current_state="rejected").code == Code.REJECTED


def test_a_due_product_may_be_revetted_unless_one_is_in_progress():
    due = dict(current_state="approved", valid_until=TODAY - timedelta(days=1))
    assert at(**due).may_revet
    assert not at(**due, newest_state="awaiting_vendor", newest_id=9).may_revet


def test_lots_on_hold_are_counted():
    assert at(current_state="approved", valid_until=TODAY, lots_on_hold=2).lots_on_hold == 2


# With the database, frozen time and the clinic's time zone


def frozen(moment: datetime):
    """Freeze the clock every date in the app comes from (django.utils.timezone.now)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def decided(checklist_version, practitioner, reviewer):
    return approved(practitioner, reviewer)


@pytest.mark.django_db
def test_standing_of_a_product_from_the_database(decided, practitioner, pdf_upload):
    record(practitioner, decided.product, pdf_upload, endotoxin=9)
    s = standing.standing_of_product(decided.product)
    assert s.code == Code.APPROVED
    assert s.until == decided.decision.valid_until
    assert s.lots_on_hold == 1
    assert s.current_id == decided.pk


@pytest.mark.django_db
def test_a_lapsed_decision_is_due_the_day_after_its_last_day(decided):
    last = decided.decision.valid_until
    end_of_last_day = datetime(last.year, last.month, last.day, 23, 59, tzinfo=UTC)
    with frozen(end_of_last_day):
        assert standing.standing_of_product(decided.product).code == Code.APPROVED
    with frozen(end_of_last_day + timedelta(minutes=1)):
        assert standing.standing_of_product(decided.product).code == Code.DUE
        assert [a.pk for a in standing.revetting_due()] == [decided.pk]


@pytest.mark.django_db
def test_the_day_changes_at_midnight_in_the_clinics_time_zone(decided, settings):
    last = decided.decision.valid_until
    # 13:00 UTC on the last valid day is already the next day in Auckland (UTC+12/+13).
    moment = datetime(last.year, last.month, last.day, 13, 0, tzinfo=UTC)
    with frozen(moment):
        settings.TIME_ZONE = "UTC"
        assert standing.standing_of_product(decided.product).code == Code.APPROVED
        settings.TIME_ZONE = "Pacific/Auckland"
        assert standing.standing_of_product(decided.product).code == Code.DUE
        settings.TIME_ZONE = "America/Los_Angeles"
        assert standing.standing_of_product(decided.product).code == Code.APPROVED


@pytest.mark.django_db
def test_an_expired_gmp_certificate_makes_the_product_due(checklist_version, practitioner,
                                                          reviewer):
    # Valid for longer than the GMP certificate (2.2 expires 2028-03-09 in the example).
    decided = approved(practitioner, reviewer, valid_days=365 * 5)
    with frozen(datetime(2028, 3, 9, 12, tzinfo=UTC)):
        s = standing.standing_of_product(decided.product)
        assert s.label == "Approved until 2028-03-09"
        assert list(standing.revetting_due()) == []
        assert [a.pk for a in standing.revetting_due(within_days=1)] == [decided.pk]
    with frozen(datetime(2028, 3, 10, 12, tzinfo=UTC)):
        s = standing.standing_of_product(decided.product)
        assert s.code == Code.DUE
        assert s.reasons == ("The GMP certificate expired: its last valid day was 2028-03-09.",)
        assert [a.pk for a in standing.revetting_due()] == [decided.pk]


@pytest.mark.django_db
def test_a_decision_stores_the_certificate_expiry_and_the_day_its_approval_lapses(
        checklist_version, practitioner, reviewer):
    # The example's GMP certificate (2.2) expires 2028-03-09.
    short = approved(practitioner, reviewer, valid_days=30).decision
    assert short.certificate_expiry == date(2028, 3, 9)
    assert short.lapses_on == short.valid_until
    # The assessment keeps a copy for the dashboard's index.
    assert Assessment.objects.get(pk=short.assessment_id).lapses_on == short.lapses_on


@pytest.mark.django_db
def test_an_approval_lapses_with_the_certificate_when_that_ends_first(
        checklist_version, practitioner, reviewer):
    decision = approved(practitioner, reviewer, valid_days=365 * 5).decision
    assert decision.certificate_expiry == date(2028, 3, 9)
    assert decision.lapses_on == date(2028, 3, 9)


def historical_apps(migration: str):
    """The models as the named migration of vetting sees them."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).project_state(("vetting", migration)).apps


@pytest.mark.django_db
def test_the_migration_fills_the_dates_of_decisions_signed_before(decided):
    from vetting.models import Answer

    copy_dates = importlib.import_module("vetting.migrations.0013_register_performance").copy_dates
    apps = historical_apps("0013_register_performance")
    decision = Decision.objects.filter(pk=decided.decision.pk)
    answer = Answer.objects.filter(assessment=decided, question_id="2.2")

    def filled():
        decision.update(certificate_expiry=None, lapses_on=None)
        copy_dates(apps, None)
        d = decision.get()
        return d.certificate_expiry, d.lapses_on

    until = decision.get().valid_until
    assert filled() == (date(2028, 3, 9), min(until, date(2028, 3, 9)))
    answer.update(value={"expiry_date": "09/03/2028"})  # not a date: no certificate day
    assert filled() == (None, until)
    answer.delete()
    assert filled() == (None, until)
    decision.update(outcome="rejected", valid_until=None)
    assert filled() == (None, None)


@pytest.mark.django_db
def test_the_migration_copies_the_day_an_approval_lapses_to_its_assessment(decided, make_user):
    apps = historical_apps("0015_assessment_lapses_on")
    migration = importlib.import_module("vetting.migrations.0015_assessment_lapses_on")
    Assessment.objects.filter(pk=decided.pk).update(lapses_on=None)
    undecided = services.assessment_create(user=make_user("other", "practitioner"),
                                           product=decided.product)
    migration.copy_lapses_on(apps, None)
    assert Assessment.objects.get(pk=decided.pk).lapses_on == decided.decision.lapses_on
    assert decided.decision.lapses_on is not None
    assert Assessment.objects.get(pk=undecided.pk).lapses_on is None


@pytest.mark.django_db
def test_standings_carry_the_newest_assessment(decided, practitioner):
    revetting = services.assessment_create(user=practitioner, product=decided.product)
    s = standing.standings_for([decided.product.pk])[decided.product.pk]
    assert s.code == Code.APPROVED and s.current_id == decided.pk
    assert s.open_id == revetting.pk
    assert (s.newest.pk, s.newest.number, s.newest.state) == (revetting.pk, 2, "draft")
    assert s.newest.get_state_display() == "Draft"


@pytest.mark.django_db
def test_the_dashboard_and_digest_say_when_the_gmp_certificate_ends(
        checklist_version, practitioner, reviewer, client_for):
    from django.core import mail

    from vetting.tasks_reminders import send_weekly_digest

    decided = approved(practitioner, reviewer, valid_days=365 * 5)
    with frozen(datetime(2028, 2, 20, 12, tzinfo=UTC)):  # ends within 30 days
        content = client_for(practitioner).get("/").content.decode()
    assert "GMP certificate until 2028-03-09" in content
    with frozen(datetime(2028, 3, 10, 12, tzinfo=UTC)):  # ended yesterday
        content = client_for(practitioner).get("/").content.decode()
        mail.outbox.clear()
        assert send_weekly_digest.delay().get() == 1
    assert "GMP certificate ended 2028-03-09" in content
    assert "approval ended" not in content
    assert f"{decided.product.name} ({decided.product.vendor.name}): approval until" in (
        mail.outbox[0].body)
    assert "GMP certificate until 2028-03-09" in mail.outbox[0].body
