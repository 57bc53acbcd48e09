"""Vendor portal URLs, under /v/ (vetting/views/portal.py). The token is the only key."""

from django.urls import path

from vetting.views import portal as views

urlpatterns = [
    path("<str:token>/", views.portal_home, name="portal_home"),
    path("<str:token>/steps/<str:domain_id>/", views.portal_step, name="portal_step"),
    path("<str:token>/steps/<str:domain_id>/preview/", views.portal_preview,
         name="portal_preview"),
    path("<str:token>/submit/", views.portal_submit, name="portal_submit"),
    path("<str:token>/done/", views.portal_done, name="portal_done"),
]
