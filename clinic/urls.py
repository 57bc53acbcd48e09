from django.contrib import admin
from django.urls import include, path

from vetting.views import accounts

urlpatterns = [
    # The admin's "Change password" too: the same audited page (the app's look).
    path("admin/password_change/", accounts.PasswordChangeView.as_view(
        success_url="/admin/password_change/done/"), name="admin_password_change"),
    path("admin/", admin.site.urls),
    # Before Django's own: the same pages, with the password change audited.
    path("accounts/password_change/", accounts.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("v/", include("vetting.urls_portal")),
    path("", include("vetting.urls_portal_staff")),
    path("", include("vetting.urls")),
]
