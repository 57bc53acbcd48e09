"""The admin: product standing and lots on hold columns; lots and reminders read-only."""

import pytest

from tests.test_lots_services import approved, record
from vetting.models import Lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@clinic.example", "x" * 12)


def test_the_product_list_shows_standing_and_lots_on_hold(client_for, superuser, practitioner,
                                                          reviewer, checklist_version,
                                                          pdf_upload):
    decided = approved(practitioner, reviewer)
    record(practitioner, decided.product, pdf_upload, endotoxin=9)
    content = client_for(superuser).get("/admin/vetting/product/").content.decode()
    assert f"Approved until {decided.decision.valid_until.isoformat()}" in content
    assert '<td class="field-lots_on_hold">1</td>' in content


def test_lots_are_shown_and_never_changed_in_the_admin(client_for, superuser, practitioner,
                                                       reviewer, checklist_version, pdf_upload):
    decided = approved(practitioner, reviewer)
    lot = record(practitioner, decided.product, pdf_upload, endotoxin=9)
    client = client_for(superuser)
    assert client.get("/admin/vetting/lot/").status_code == 200
    assert client.get(f"/admin/vetting/lot/{lot.pk}/change/").status_code == 200
    assert client.post(f"/admin/vetting/lot/{lot.pk}/change/", {"status": "usable"}
                       ).status_code == 403
    assert client.get("/admin/vetting/lot/add/").status_code == 403
    assert client.post(f"/admin/vetting/lot/{lot.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Lot.objects.get().status == "on_hold"
    assert client.get("/admin/vetting/reminder/").status_code == 200
