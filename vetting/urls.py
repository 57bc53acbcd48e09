from django.urls import path

from vetting import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("system/", views.system_status, name="system_status"),
    path("system/worker-checks/", views.worker_check_create, name="worker_check_create"),
]
