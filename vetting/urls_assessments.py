"""Assessment URLs (vetting/views/assessments.py)."""

from django.urls import path

from vetting.views import assessments as views

urlpatterns = [
    path("products/<int:product_id>/assessments/new/", views.assessment_start,
         name="assessment_start"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/steps/<str:domain_id>/", views.assessment_step,
         name="assessment_step"),
    path("assessments/<int:pk>/steps/<str:domain_id>/preview/", views.assessment_preview,
         name="assessment_preview"),
    path("assessments/<int:pk>/documents/<int:document_id>/", views.evidence_download,
         name="evidence_download"),
    path("assessments/<int:pk>/export/", views.assessment_export, name="assessment_export"),
    path("assessments/<int:pk>/import/", views.assessment_import, name="assessment_import"),
    path("assessments/<int:pk>/audit/", views.assessment_audit, name="assessment_audit"),
    path("assessments/<int:pk>/actions/<str:action>/", views.assessment_action,
         name="assessment_action"),
]
