from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vetting import health, services
from vetting.models import (
    DECIDED_STATES,
    OPEN_STATES,
    Assessment,
    AssessmentState,
    InformationRequestTarget,
    Recommendation,
    WorkerCheck,
)
from vetting.permissions import ADMIN_ROLES, REVIEWER_ROLES, STAFF_ROLES, has_role, role_required
from vetting.services import standing


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


# What waits for the practitioner who started an assessment: the vendor has
# answered, or a reviewer sent it back to them.
WAITING_FOR_PRACTITIONER = Q(state=AssessmentState.VENDOR_SUBMITTED) | Q(
    state=AssessmentState.INFORMATION_REQUESTED,
    information_requested_from=InformationRequestTarget.PRACTITIONER,
)
DASHBOARD_LIMIT = 10  # newest assessments shown per state
DASHBOARD_WAITING_LIMIT = 25
RECENT_DECISION_STATES = (*DECIDED_STATES, AssessmentState.SUPERSEDED, AssessmentState.SUSPENDED)


@require_GET
@role_required(*STAFF_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    assessments = Assessment.objects.select_related("product__vendor")
    mine = assessments.filter(created_by=user, state__in=OPEN_STATES)
    mine_counts = dict(mine.order_by().values_list("state").annotate(n=Count("pk")))
    # The newest few per state, in one query: a dashboard lists, it does not page.
    newest = list(mine.annotate(rank=Window(
        RowNumber(), partition_by=[F("state")],
        order_by=[F("state_changed_at").desc(), F("pk").desc()],
    )).filter(rank__lte=DASHBOARD_LIMIT).order_by("-state_changed_at", "-pk"))
    waiting_filter = Q(created_by=user) & WAITING_FOR_PRACTITIONER
    if has_role(user, REVIEWER_ROLES):
        waiting_filter |= Q(state=AssessmentState.IN_REVIEW)
    waiting = assessments.filter(waiting_filter)
    recent = (assessments.select_related("decision")
              .filter(state__in=RECENT_DECISION_STATES, decision__isnull=False)
              .order_by("-decision__signed_at", "-pk")[:10])
    counts = dict(Assessment.objects.filter(state__in=OPEN_STATES).order_by()
                  .values_list("recommendation").annotate(n=Count("pk")))
    today = services.clinic_today()
    due = standing.revetting_due(today=today)
    # Ending within 30 days (the last valid day is today + 30 at the latest), not due yet.
    soon = standing.revetting_due(today=today, within_days=standing.SOON_DAYS + 1).exclude(
        pk__in=due.values("pk"))
    held = standing.lots_on_hold()
    context = {
        "today": today, "today_iso": today.isoformat(),
        "due": list(due[:DASHBOARD_LIMIT]), "due_count": due.count(),
        "soon": list(soon[:DASHBOARD_LIMIT]),
        "held": list(held[:DASHBOARD_LIMIT]), "held_count": held.count(),
        "mine_count": sum(mine_counts.values()),
        "mine_by_state": [
            (label, [a for a in newest if a.state == value], mine_counts.get(value, 0))
            for value, label in AssessmentState.choices if value in OPEN_STATES
        ],
        # Oldest first: what has waited longest comes first.
        "waiting": list(waiting.order_by("state_changed_at", "pk")[:DASHBOARD_WAITING_LIMIT]),
        "waiting_count": waiting.count(),
        "recent": list(recent),
        "by_recommendation": [(value, label, counts.get(value, 0))
                              for value, label in Recommendation.choices],
        "limit": DASHBOARD_LIMIT,
    }
    return render(request, "vetting/dashboard.html", context)


@require_GET
@role_required(*ADMIN_ROLES)
def system_status(request: HttpRequest) -> HttpResponse:
    context = {
        "database_ok": health.check_database(),
        "broker_ok": health.check_broker(),
        "checks": WorkerCheck.objects.select_related("requested_by")[:10],
    }
    return render(request, "vetting/system_status.html", context)


@require_POST
@role_required(*ADMIN_ROLES)
def worker_check_create(request: HttpRequest) -> HttpResponse:
    services.worker_check_start(user=request.user)
    messages.info(request, "A test task was sent to the background worker.")
    return redirect("system_status")
