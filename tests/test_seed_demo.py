"""seed_demo: demo users with roles and vendors; idempotent; refuses DEBUG off."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from vetting.models import Vendor
from vetting.permissions import user_roles

pytestmark = pytest.mark.django_db


def test_it_creates_users_with_their_roles_and_prints_logins(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    User = get_user_model()
    assert user_roles(User.objects.get(username="practitioner")) == {"practitioner"}
    assert user_roles(User.objects.get(username="reviewer")) == {"reviewer"}
    assert user_roles(User.objects.get(username="director")) == {"reviewer", "admin"}
    assert User.objects.get(username="admin").check_password("demo-admin-pw")
    assert "demo-reviewer-pw" in out
    assert Vendor.objects.count() == 3


def test_running_it_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (get_user_model().objects.count(), Vendor.objects.count())
    call_command("seed_demo")
    assert (get_user_model().objects.count(), Vendor.objects.count()) == counts


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    assert not Vendor.objects.exists()
