"""Report URLs: staff status/download/retry, and the public /verify/ page."""

from django.urls import path

from vetting.views import reports

urlpatterns = [
    path("verify/", reports.verify, name="verify"),
    path("assessments/<int:pk>/reports/<int:report_id>/status/", reports.report_status,
         name="report_status"),
    path("assessments/<int:pk>/reports/<int:report_id>/download/", reports.report_download,
         name="report_download"),
    path("assessments/<int:pk>/reports/<int:report_id>/retry/", reports.report_retry,
         name="report_retry"),
]
