"""Django's own password change and reset pages, with the change audited: the password
is what a reviewer signs with."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import transaction

from vetting.services import accounts


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        with transaction.atomic():  # the password and its audit entry together
            response = super().form_valid(form)
            accounts.own_password_record(user=form.user, how="changed")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            accounts.own_password_record(user=form.user, how="reset")
        return response
