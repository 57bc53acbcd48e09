from __future__ import annotations

from collections import Counter
from functools import cached_property

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vetting import health, services
from vetting.models import (
    OPEN_STATES,
    Assessment,
    AssessmentState,
    AuditChainHead,
    Decision,
    InformationRequestTarget,
    Recommendation,
    WorkerCheck,
)
from vetting.permissions import ADMIN_ROLES, REVIEWER_ROLES, STAFF_ROLES, has_role, role_required
from vetting.services import standing

from .registry import rows_in_order


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.check_database()
    broker = health.check_broker()
    ok = database and broker
    body = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker else "unavailable",
    }
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_POST
@role_required(*STAFF_ROLES)
def session_keep_alive(request: HttpRequest) -> HttpResponse:
    """Asked for from a checklist step with answers not yet saved, when its user says "stay
    logged in" shortly before the idle timeout: the session is saved, so it lasts again
    SESSION_IDLE_TIMEOUT from now. Nothing else is read or written."""
    return HttpResponse(status=204)


DASHBOARD_LIMIT = 8  # rows per list; the counts link to the whole lists
DASHBOARD_WAITING_LIMIT = 10


def first_rows(queryset: QuerySet, limit: int) -> list:
    """The first `limit` rows of an ordered queryset, in two queries: their keys (from an
    index, sorting only keys), then those rows with their joins. In one query the database
    joins every matching row before sorting them (thousands, on a large register)."""
    return rows_in_order(queryset, list(queryset.values_list("pk", flat=True)[:limit]))


def waiting_for(user, mine: QuerySet, mine_counts: dict[str, int]) -> tuple[list, int]:
    """What waits for this user, oldest first (what has waited longest comes first), and
    how many: their assessments the vendor has answered or a reviewer sent back to them,
    and for a reviewer every assessment in review. One query per kind, each served in
    order by an index, merged here: one query with OR sorted all of them."""
    S = AssessmentState
    oldest = ("state_changed_at", "pk")
    limit = DASHBOARD_WAITING_LIMIT
    sent_back = mine.filter(state=S.INFORMATION_REQUESTED,
                            information_requested_from=InformationRequestTarget.PRACTITIONER)
    kinds = [(mine.filter(state=S.VENDOR_SUBMITTED), mine_counts.get(S.VENDOR_SUBMITTED, 0)),
             (sent_back, None)]
    if has_role(user, REVIEWER_ROLES):
        kinds.append((Assessment.objects.select_related("product__vendor")
                      .filter(state=S.IN_REVIEW), None))
    items, total = [], 0
    for queryset, count in kinds:
        total += queryset.count() if count is None else count
        if count != 0:
            items += queryset.order_by(*oldest)[:limit]
    items.sort(key=lambda a: (a.state_changed_at, a.pk))
    return items[:limit], total


# How long a rendered dashboard may be served again while the audit trail has not moved.
# Every change the dashboard shows is audited in its own transaction, so the trail's
# sequence number in the key makes a change show at once; the timeout bounds what a
# write outside the services (a data migration, a database shell) could leave behind.
DASHBOARD_CACHE_SECONDS = 60


class DashboardData:
    """The dashboard's counts and rows, each read when the template first asks for it:
    a dashboard served from the fragment cache reads none of them."""

    def __init__(self, user, today):
        self.user, self.today, self.limit = user, today, DASHBOARD_LIMIT
        self.mine = Assessment.objects.select_related("product__vendor").filter(created_by=user)

    @cached_property
    def mine_counts(self) -> dict[str, int]:
        return dict(self.mine.filter(state__in=OPEN_STATES).order_by().values_list("state")
                    .annotate(n=Count("*")))

    @cached_property
    def mine_count(self) -> int:
        return sum(self.mine_counts.values())

    @cached_property
    def mine_by_state(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.mine_counts.get(value, 0))
                for value, label in AssessmentState.choices if value in OPEN_STATES]

    @cached_property
    def mine_recent(self) -> list:
        return first_rows(self.mine.filter(state__in=OPEN_STATES)
                          .order_by("-state_changed_at", "-pk"), self.limit)

    @cached_property
    def _waiting(self) -> tuple[list, int]:
        return waiting_for(self.user, self.mine, self.mine_counts)

    @property
    def waiting(self) -> list:
        return self._waiting[0]

    @property
    def waiting_count(self) -> int:
        return self._waiting[1]

    @cached_property
    def recent(self) -> list:
        # Every decided assessment has its decision: newest first, by the signed_at index.
        return [decision.assessment for decision in Decision.objects.select_related(
            "assessment__product__vendor").order_by("-signed_at", "-pk")[:self.limit]]

    @cached_property
    def by_recommendation(self) -> list[tuple[str, str, int]]:
        # Grouped as the (state, recommendation) index is ordered, then summed here.
        counts = Counter()
        for _state, value, n in (Assessment.objects.filter(state__in=OPEN_STATES).order_by()
                                 .values_list("state", "recommendation").annotate(n=Count("*"))):
            counts[value] += n
        return [(value, label, counts[value]) for value, label in Recommendation.choices]

    @cached_property
    def _ending(self) -> QuerySet:
        # Lapsed, or lapsing within 30 days (the last valid day is today + 30 at the
        # latest): the most urgent first, counted from the (state, lapses_on) index.
        return standing.revetting_due(today=self.today, within_days=standing.SOON_DAYS + 1)

    @cached_property
    def ending(self) -> list:
        return first_rows(self._ending, self.limit)

    @cached_property
    def _ending_counts(self) -> dict[str, int]:
        today = self.today
        return self._ending.order_by().aggregate(
            due=Count("lapses_on", filter=Q(lapses_on__lt=today)),
            soon=Count("lapses_on", filter=Q(lapses_on__gte=today)))

    @property
    def due_count(self) -> int:
        return self._ending_counts["due"]

    @property
    def soon_count(self) -> int:
        return self._ending_counts["soon"]

    @cached_property
    def held(self) -> list:
        return list(standing.lots_on_hold()[:self.limit])

    @cached_property
    def held_count(self) -> int:
        return standing.lots_on_hold().count()


def audit_generation() -> int:
    """The audit trail's last sequence number: it moves with every audited change, in the
    change's own transaction (entries are appended under a lock on the chain's head)."""
    return AuditChainHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0


@require_GET
@role_required(*STAFF_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    """A summary: counts that link to the whole lists (the assessment register), and the
    first few rows of what needs doing. Rendered once per user, day and audit generation
    (the template's fragment cache); nothing is read again until something changes."""
    today = services.clinic_today()
    context = {
        "today": today,
        "generation": audit_generation(),
        "cache_seconds": DASHBOARD_CACHE_SECONDS,
        "dash": DashboardData(request.user, today),
    }
    return render(request, "vetting/dashboard.html", context)


# The system page warns this many days before the report signing certificate expires.
SIGNING_WARN_DAYS = 60


@require_GET
@role_required(*ADMIN_ROLES)
def system_status(request: HttpRequest) -> HttpResponse:
    from vetting.reports.signing import signer_validity

    validity = signer_validity()
    context = {
        "database_ok": health.check_database(),
        "broker_ok": health.check_broker(),
        "checks": WorkerCheck.objects.select_related("requested_by")[:10],
        "signing_until": validity.until if validity else None,
        "signing_days_left": validity.days_left if validity else None,
        "signing_warn_days": SIGNING_WARN_DAYS,
    }
    return render(request, "vetting/system_status.html", context)


@require_POST
@role_required(*ADMIN_ROLES)
def worker_check_create(request: HttpRequest) -> HttpResponse:
    services.worker_check_start(user=request.user)
    messages.info(request, "A test task was sent to the background worker.")
    return redirect("system_status")
