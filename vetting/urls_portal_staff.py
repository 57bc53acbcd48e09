"""The clinic's vendor-portal URLs (vetting/views/portal_staff.py)."""

from django.urls import path

from vetting.views import portal_staff as views

urlpatterns = [
    path("assessments/<int:pk>/invitations/", views.invitation_create, name="invitation_create"),
    path("assessments/<int:pk>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke,
         name="invitation_revoke"),
    path("assessments/<int:pk>/invitations/<int:invitation_id>/reissue/",
         views.invitation_reissue, name="invitation_reissue"),
    path("assessments/<int:pk>/submissions/<int:number>/", views.submission_detail,
         name="submission_detail"),
]
