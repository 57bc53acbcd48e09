from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("v/", include("vetting.urls_portal")),
    path("", include("vetting.urls_portal_staff")),
    path("", include("vetting.urls")),
]
