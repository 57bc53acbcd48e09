"""A product's standing: may it be used today, and until when?

The standing is computed, never stored: from the product's current decision (its
newest assessment that is approved, approved with conditions, rejected or
suspended), that decision's validity, the GMP certificate's expiry date in the
answer to question 2.2, the newest assessment (a re-vetting in progress) and the
lots on hold, on a given day in the clinic's time zone. An expiry or validity date
is the last valid day: the product is due for re-vetting from the day after.

`product_standing` is the pure rule; the other functions fetch what it needs for a
page of products in a fixed number of queries.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from vetting.models import (
    OPEN_STATES,
    USABLE_LOT_STATUSES,
    Assessment,
    AssessmentState,
    Decision,
    Lot,
    LotStatus,
    Recommendation,
    Reminder,
    ReminderKind,
)
from vetting.permissions import Role

from .evaluation import clinic_today

logger = logging.getLogger(__name__)

S = AssessmentState
APPROVED_STATES = (S.APPROVED, S.APPROVED_WITH_CONDITIONS)
# The states of an assessment whose decision stands for the product (superseded ones do not).
CURRENT_STATES = (*APPROVED_STATES, S.REJECTED, S.SUSPENDED)
CERTIFICATE_QUESTION = "2.2"
SOON_DAYS = 30


class Code:
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    DUE = "due_for_revetting"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    NOT_ASSESSED = "not_assessed"


# Bootstrap badge classes (the register's own reg- classes style assessment states).
BADGE = {
    Code.APPROVED: "text-bg-success",
    Code.APPROVED_WITH_CONDITIONS: "text-bg-success",
    Code.DUE: "text-bg-warning",
    Code.SUSPENDED: "text-bg-dark",
    Code.REJECTED: "text-bg-danger",
    Code.IN_PROGRESS: "text-bg-secondary",
    Code.NOT_ASSESSED: "text-bg-light border",
}
LABEL = {
    Code.APPROVED: "Approved", Code.APPROVED_WITH_CONDITIONS: "Approved with conditions",
    Code.DUE: "Due for re-vetting", Code.SUSPENDED: "Suspended", Code.REJECTED: "Rejected",
    Code.IN_PROGRESS: "Assessment in progress", Code.NOT_ASSESSED: "Not assessed",
}


@dataclass(frozen=True)
class Standing:
    code: str
    until: date | None = None  # last valid day of the approval (the earlier of the two)
    reasons: tuple[str, ...] = ()  # why it is due for re-vetting
    lots_on_hold: int = 0
    current_id: int | None = None  # the assessment whose decision stands
    open_id: int | None = None  # an assessment in progress (e.g. the re-vetting)
    days_left: int | None = None
    # The product's newest assessment (state, recommendation and counts only), and how many
    # of its assessments are open, for registers.
    newest: Newest | None = field(default=None, compare=False)
    open_count: int = field(default=0, compare=False)

    @property
    def label(self) -> str:
        if self.code in (Code.APPROVED, Code.APPROVED_WITH_CONDITIONS) and self.until:
            return f"{LABEL[self.code]} until {self.until.isoformat()}"
        return LABEL[self.code]

    @property
    def badge(self) -> str:
        return BADGE[self.code]

    @property
    def is_approved(self) -> bool:
        return self.code in (Code.APPROVED, Code.APPROVED_WITH_CONDITIONS)

    @property
    def expires_soon(self) -> bool:
        return self.is_approved and self.days_left is not None and self.days_left <= SOON_DAYS

    @property
    def may_revet(self) -> bool:
        """Due for re-vetting or suspended, and no assessment already in progress."""
        return self.code in (Code.DUE, Code.SUSPENDED) and self.open_id is None


def parse_day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def product_standing(
    *,
    current_state: str | None,
    current_id: int | None = None,
    valid_until: date | None = None,
    certificate_expiry: date | None = None,
    newest_state: str | None = None,
    newest_id: int | None = None,
    lots_on_hold: int = 0,
    today: date,
    **shown,
) -> Standing:
    """The standing from the current decision's facts and the newest assessment's state.
    `shown`: what a register row shows beside it (`newest`, `open_count`), carried along."""
    open_id = newest_id if newest_state in OPEN_STATES else None
    common = {"lots_on_hold": lots_on_hold, "current_id": current_id, "open_id": open_id,
              **shown}
    if current_state is None:
        code = Code.IN_PROGRESS if open_id else Code.NOT_ASSESSED
        return Standing(code, **common)
    if current_state == S.SUSPENDED:
        return Standing(Code.SUSPENDED, **common)
    if current_state == S.REJECTED:
        return Standing(Code.REJECTED, **common)
    reasons = []
    if valid_until is not None and valid_until < today:
        reasons.append(f"The approval lapsed: its last valid day was {valid_until.isoformat()}.")
    if certificate_expiry is not None and certificate_expiry < today:
        reasons.append("The GMP certificate expired: its last valid day was "
                       f"{certificate_expiry.isoformat()}.")
    if reasons:
        return Standing(Code.DUE, reasons=tuple(reasons), **common)
    until = min((d for d in (valid_until, certificate_expiry) if d), default=None)
    code = Code.APPROVED if current_state == S.APPROVED else Code.APPROVED_WITH_CONDITIONS
    days_left = (until - today).days if until else None
    return Standing(code, until=until, days_left=days_left, **common)


# --------------------------------------------------------------- fetching, per page


def certificate_expiry_of(assessment: Assessment) -> date | None:
    """The GMP certificate's last valid day as answered to question 2.2 (None if not a date)."""
    value = (assessment.answers.filter(question_id=CERTIFICATE_QUESTION)
             .values_list("value", flat=True).first())
    return parse_day(value.get("expiry_date")) if isinstance(value, dict) else None


def last_valid_day(*days: date | None) -> date | None:
    """The earliest of the dates given (the approval lapses at the first to end)."""
    return min((d for d in days if d), default=None)


@dataclass(frozen=True)
class Newest:
    """What a register row shows of a product's newest assessment (a model instance per row
    cost more than the rest of the row)."""

    pk: int
    number: int
    state: str
    recommendation: str
    red_count: int
    amber_count: int
    missing_count: int

    # As a model's get_FOO_display: the value itself when it is not a choice.
    def get_state_display(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    def get_recommendation_display(self) -> str:
        return RECOMMENDATION_LABELS.get(self.recommendation, self.recommendation)


STATE_LABELS = dict(S.choices)
RECOMMENDATION_LABELS = dict(Recommendation.choices)


NEWEST_FIELDS = tuple(f.name for f in fields(Newest))


def standings_for(product_ids: Iterable[int], *, today: date | None = None
                  ) -> dict[int, Standing]:
    """Standings of products, each with its newest assessment, in three queries: every
    assessment's few columns, the current decisions' dates, and the lots on hold. Values,
    not model instances: a register page has a hundred of them. (The decisions apart: joined
    to the assessments, PostgreSQL read the whole decision table.)"""
    ids = list(product_ids)
    today = today or clinic_today()
    newest: dict[int, tuple] = {}
    current: dict[int, tuple] = {}
    open_ = Counter()
    rows = (Assessment.objects.filter(product_id__in=ids).order_by("product_id", "-number")
            .values_list("product_id", *NEWEST_FIELDS))
    for product_id, *row in rows:
        newest.setdefault(product_id, row)
        if row[2] in CURRENT_STATES:
            current.setdefault(product_id, row)
        elif row[2] in OPEN_STATES:
            open_[product_id] += 1
    dates = {pk: (until, certificate) for pk, until, certificate in Decision.objects.filter(
        assessment_id__in=[row[0] for row in current.values()]).values_list(
        "assessment_id", "valid_until", "certificate_expiry")} if current else {}
    held = dict(Lot.objects.filter(product_id__in=ids, status=LotStatus.ON_HOLD).order_by()
                .values_list("product_id").annotate(n=Count("pk")))
    result = {}
    for pk in ids:
        now, top = current.get(pk), newest.get(pk)
        valid_until, certificate = dates.get(now[0], (None, None)) if now else (None, None)
        result[pk] = product_standing(
            current_state=now[2] if now else None, current_id=now[0] if now else None,
            valid_until=valid_until, certificate_expiry=certificate,
            newest_state=top[2] if top else None, newest_id=top[0] if top else None,
            lots_on_hold=held.get(pk, 0), today=today,
            newest=Newest(*top) if top else None, open_count=open_[pk])
    return result


def standing_of_product(product) -> Standing:
    """One product's standing."""
    return standings_for([product.pk])[product.pk]


def approved_assessments() -> QuerySet:
    return (Assessment.objects.filter(state__in=APPROVED_STATES)
            .select_related("product__vendor", "decision", "created_by"))


def revetting_due(*, today: date | None = None, within_days: int = 0) -> QuerySet:
    """Approved assessments whose validity or certificate ends before today + within_days
    (0: those already due for re-vetting), soonest first."""
    horizon = (today or clinic_today()) + timedelta(days=within_days)
    return (approved_assessments().filter(lapses_on__lt=horizon)
            .order_by("lapses_on", "pk"))


def products_in_use_q(today: date) -> Q:
    """Products that may be used today: a decision approving them stands and has not lapsed
    (a suspended or rejected product, or one whose approval lapsed, may not)."""
    return Q(Exists(Assessment.objects.filter(
        Q(lapses_on__isnull=True) | Q(lapses_on__gte=today),
        product=OuterRef("product"), state__in=APPROVED_STATES)))


def with_product_standing(lots: list, *, today: date | None = None) -> list:
    """Set `lot.product_standing` on lots (the product's standing today), in three queries
    for all: a lot usable as received is not to be used once its product may not be."""
    standings = standings_for({lot.product_id for lot in lots}, today=today)
    for lot in lots:
        lot.product_standing = standings[lot.product_id]
    return lots


def lots_on_hold() -> QuerySet:
    return (Lot.objects.filter(status=LotStatus.ON_HOLD)
            .select_related("product__vendor").order_by("recorded_at", "pk"))


# --------------------------------------------------------------- reminders and digest

REMINDER_DAYS = (30, 7, 0)  # before a decision, certificate or lot expires


@dataclass(frozen=True)
class Due:
    """Something that expires: what to remind, of which object, on which last valid day."""

    kind: str
    object_id: int
    expires_on: date
    what: str
    product: object
    practitioner: object = None


def reminder_threshold(days_left: int) -> int | None:
    """The reminder due with `days_left` days to go: the tightest threshold reached."""
    reached = [d for d in REMINDER_DAYS if 0 <= days_left <= d]
    return min(reached) if reached else None


def expiring(*, today: date, within_days: int = max(REMINDER_DAYS)) -> list[Due]:
    """Decisions, GMP certificates and usable lots whose last valid day is within the window."""
    horizon = today + timedelta(days=within_days)
    items = []
    # An approval's dates are all on or after the earlier one, which lapses_on holds.
    for a in approved_assessments().filter(lapses_on__lte=horizon):
        product, owner = a.product, a.created_by
        until = a.decision.valid_until
        if until and today <= until <= horizon:
            items.append(Due(ReminderKind.DECISION, a.decision.pk, until,
                             f"The approval of {product.name}", product, owner))
        certificate = a.decision.certificate_expiry
        if certificate and today <= certificate <= horizon:
            items.append(Due(ReminderKind.CERTIFICATE, a.pk, certificate,
                             f"The GMP certificate behind {product.name}", product, owner))
    lots = (Lot.objects.filter(status__in=USABLE_LOT_STATUSES,
                               expiry_date__range=(today, horizon))
            .select_related("product__vendor", "decision__assessment__created_by"))
    for lot in lots:
        items.append(Due(ReminderKind.LOT, lot.pk, lot.expiry_date,
                         f"Lot {lot.lot_number} of {lot.product.name}", lot.product,
                         lot.decision.assessment.created_by))
    return sorted(items, key=lambda d: (d.expires_on, d.kind, d.object_id))


def reviewers() -> list:
    return list(get_user_model().objects.filter(is_active=True, groups__name=Role.REVIEWER)
                .exclude(email="").distinct().order_by("pk"))


def _claim(kind: str, object_id: int, days_before: int, due_on: date,
           recipients: list[str]) -> Reminder | None:
    """Insert the reminder's row; the unique constraint lets only one run claim it."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(kind=kind, object_id=object_id,
                                           days_before=days_before, due_on=due_on,
                                           recipients=recipients)
    except IntegrityError:
        return None  # sent (or being sent) by another run


def _deliver(reminder: Reminder, subject: str, template: str, context: dict) -> bool:
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(subject=" ".join(subject.split()),
                                     body=render_to_string(f"emails/{template}.txt", context),
                                     to=reminder.recipients)
    message.attach_alternative(render_to_string(f"emails/{template}.html", context),
                               "text/html")
    try:
        message.send()
    except Exception:
        # Give the claim back so that the next run tries again.
        logger.exception("Reminder %s (%s %s): the e-mail could not be sent",
                         reminder.pk, reminder.kind, reminder.object_id)
        Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).delete()
        return False
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
    return True


def _addresses(*users) -> list[str]:
    seen: dict[str, None] = {}
    for user in users:
        if user is not None and user.is_active and user.email:
            seen.setdefault(user.email.lower(), None)
    return list(seen)


def reminders_send(*, today: date | None = None) -> int:
    """E-mail the practitioner and the reviewers 30, 7 and 0 days before something expires.

    Each (kind, object, days before) goes out once, however often this runs. Returns the
    number of e-mails sent.
    """
    today = today or clinic_today()
    staff = reviewers()
    sent = 0
    for due in expiring(today=today):
        days_left = (due.expires_on - today).days
        threshold = reminder_threshold(days_left)
        recipients = _addresses(due.practitioner, *staff)
        if threshold is None or not recipients:
            continue
        reminder = _claim(due.kind, due.object_id, threshold, due.expires_on, recipients)
        if reminder is None:
            continue
        context = {"due": due, "days_left": days_left, "product": due.product,
                   "kind_label": ReminderKind(due.kind).label}
        subject = render_to_string("emails/reminder_subject.txt", context)
        sent += _deliver(reminder, subject, "reminder", context)
    return sent


def digest_send(*, today: date | None = None) -> int:
    """The weekly digest to the reviewers: what is due in the next 30 days, lots on hold,
    open reviews. Once per ISO week. Returns 1 when it was sent."""
    today = today or clinic_today()
    recipients = _addresses(*reviewers())
    if not recipients:
        return 0
    year, week, _ = today.isocalendar()
    reminder = _claim(ReminderKind.DIGEST, year * 100 + week, 0, today, recipients)
    if reminder is None:
        return 0
    overdue = list(revetting_due(today=today))
    context = {
        "today": today, "overdue": overdue, "coming": expiring(today=today),
        "held": list(lots_on_hold()),
        "reviews": list(Assessment.objects.filter(state=S.IN_REVIEW)
                        .select_related("product__vendor").order_by("state_changed_at", "pk")),
    }
    subject = render_to_string("emails/digest_subject.txt", context)
    return int(_deliver(reminder, subject, "digest", context))
