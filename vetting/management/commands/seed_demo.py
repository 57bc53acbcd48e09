"""Create demo users and data for trying the product. Idempotent; refuses DEBUG off."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from vetting.demo import seed_assessments
from vetting.models import Vendor
from vetting.permissions import Role
from vetting.services import checklists_load_all

# Demo accounts only exist on DEBUG installations; their passwords are public.
DEMO_USERS = [
    # username, full name, roles, password
    ("practitioner", "Dr Pia Practitioner", [Role.PRACTITIONER], "demo-practitioner-pw"),
    ("reviewer", "Dr Rui Reviewer", [Role.REVIEWER], "demo-reviewer-pw"),
    ("admin", "Ada Administrator", [Role.ADMIN], "demo-admin-pw"),
    ("director", "Dr Dana Director", [Role.REVIEWER, Role.ADMIN], "demo-director-pw"),
]

DEMO_VENDORS = [
    ("Aurora Regenerative Labs", "https://aurora-regen.example", "United States",
     "Sells an umbilical-cord 'exosome' serum; claims FDA approval."),
    ("Verdant Botanicals", "https://verdant-botanicals.example", "South Korea",
     "Plant-derived vesicle serum made under ISO 22716."),
    ("Meridian Cell Sciences", "https://meridian-cells.example", "United States",
     "Documents its GMP status, characterization and batch data."),
]


class Command(BaseCommand):
    help = ("Create demo users, vendors, products and assessments in every state "
            "(DEBUG installations only). Idempotent.")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: demo passwords are public."
            )
        checklists_load_all()
        # The invitations' e-mails stay in memory: their links are printed below instead.
        in_memory = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        with in_memory, transaction.atomic():
            users = {username: self._user(username, full_name, roles, password)
                     for username, full_name, roles, password in DEMO_USERS}
            for name, website, country, notes in DEMO_VENDORS:
                Vendor.objects.update_or_create(
                    name=name,
                    defaults={"website": website, "country": country, "notes": notes})
            links = seed_assessments(users["practitioner"], users["director"])
        self.stdout.write("Demo logins (DEBUG only):")
        for username, _full_name, roles, password in DEMO_USERS:
            role_names = ", ".join(str(role) for role in roles)
            self.stdout.write(f"  {username:<13} {password:<22} {role_names}")
        if links:  # only when sent: a link's token is not stored, only its hash
            self.stdout.write("Vendor portal links (no account needed; valid 30 days):")
            for assessment, token in links:
                assessment.refresh_from_db(fields=["state"])
                self.stdout.write(f"  {assessment.product.name}: /v/{token}/  "
                                  f"({assessment.get_state_display().lower()})")

    def _user(self, username: str, full_name: str, roles: list[str], password: str):
        first, _, last = full_name.rpartition(" ")
        user, _created = get_user_model().objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@clinic.example",
                "is_active": True,
                "is_staff": Role.ADMIN in roles,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.set(Group.objects.filter(name__in=roles))
        return user
