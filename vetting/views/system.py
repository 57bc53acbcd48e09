from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vetting import health, services
from vetting.models import WorkerCheck
from vetting.permissions import ADMIN_ROLES, STAFF_ROLES, role_required


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


@require_GET
@role_required(*STAFF_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "vetting/dashboard.html")


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
