from django.urls import include, path

from vetting.views import system

urlpatterns = [
    path("", system.dashboard, name="dashboard"),
    path("healthz", system.healthz, name="healthz"),
    path("session/keep-alive/", system.session_keep_alive, name="session_keep_alive"),
    path("system/", system.system_status, name="system_status"),
    path("system/worker-checks/", system.worker_check_create, name="worker_check_create"),
    path("", include("vetting.urls_registry")),
    path("", include("vetting.urls_assessments")),
    path("", include("vetting.urls_review")),
    path("", include("vetting.urls_lots")),
    path("", include("vetting.urls_reports")),
]
