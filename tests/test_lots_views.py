"""Lot pages: record, page, release, reject, CoA, re-vetting; who may, methods, 404s."""

import re

import pytest

from tests.conftest import PASSWORD, PDF_BYTES, count_queries
from tests.test_lots_services import SPEC, approved, lot_values, record
from vetting.models import Assessment, AuditEntry, Lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(checklist_version, practitioner, reviewer):
    return approved(practitioner, reviewer, spec=SPEC)


@pytest.fixture
def held(decided, practitioner, pdf_upload):
    return record(practitioner, decided.product, pdf_upload, endotoxin=1.2)


def post_lot(client, product, **changes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {k: ("" if v is None else v) for k, v in lot_values(**changes).items()}
    data["coa"] = SimpleUploadedFile("coa.pdf", PDF_BYTES)
    return client.post(f"/products/{product.pk}/lots/new/", data)


def test_the_product_page_links_lots_and_shows_the_standing(client_for, practitioner, held):
    response = client_for(practitioner).get(f"/products/{held.product_id}/")
    content = response.content.decode()
    assert "Lots received" in content
    assert f'href="/lots/{held.pk}/"' in content
    assert f'href="/products/{held.product_id}/lots/new/"' in content
    assert "Approved until" in content
    assert "1 lot on hold" in content


def test_a_practitioner_records_a_good_lot(client_for, practitioner, decided):
    response = post_lot(client_for(practitioner), decided.product)
    lot = Lot.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/lots/{lot.pk}/"
    assert lot.status == "usable"


def test_a_held_lot_shows_its_reasons(client_for, practitioner, decided):
    client = client_for(practitioner)
    response = post_lot(client, decided.product, endotoxin=1.2)
    page = client.get(response["Location"]).content.decode()
    assert "On hold" in page
    assert "Endotoxin 1.2 EU/mL is above the approved limit of 0.5 EU/mL." in page
    assert "Release the lot" not in page  # a practitioner does not release


def test_an_invalid_form_shows_the_errors_and_writes_nothing(client_for, practitioner, decided):
    response = post_lot(client_for(practitioner), decided.product, quantity=0)
    assert response.status_code == 400
    assert Lot.objects.count() == 0
    # The chosen certificate is not kept by the browser: the field says to choose it again.
    assert response.context["form"].errors["coa"] == [
        "Nothing was recorded: choose the certificate of analysis again."]


@pytest.mark.parametrize("quantity", ["0", "1000001", "9223372036854775808",
                                      "99999999999999999999999"])
def test_a_number_of_units_out_of_range_is_refused_at_its_field(client_for, practitioner,
                                                                decided, quantity):
    from vetting.services.lots import QUANTITY_INVALID

    response = post_lot(client_for(practitioner), decided.product, quantity=quantity)
    assert response.status_code == 400
    assert response.context["form"].errors["quantity"] == [QUANTITY_INVALID]
    assert Lot.objects.count() == 0


def test_numbers_with_thousands_separators_are_refused_saying_how_to_write_them(
        client_for, practitioner, decided):
    from vetting.forms.widgets import NUMBER_INVALID, WHOLE_NUMBER_INVALID

    response = post_lot(client_for(practitioner), decided.product, quantity="1,200",
                        particle_concentration="2,000,000,000", endotoxin="0,2")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["quantity"] == [WHOLE_NUMBER_INVALID]
    assert errors["particle_concentration"] == [NUMBER_INVALID]
    assert errors["endotoxin"] == [NUMBER_INVALID]  # "0,2" is not read as 2, nor as 0.2
    assert Lot.objects.count() == 0


def test_a_concentration_is_written_in_scientific_notation(client_for, practitioner, decided):
    response = post_lot(client_for(practitioner), decided.product,
                        particle_concentration="2.5e10")
    assert response.status_code == 302
    assert Lot.objects.get().particle_concentration == 2.5e10


def test_a_non_document_coa_is_refused_next_to_the_field(client_for, practitioner, decided):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {k: ("" if v is None else v) for k, v in lot_values().items()}
    data["coa"] = SimpleUploadedFile("coa.pdf", b"<script>")
    response = client_for(practitioner).post(f"/products/{decided.product_id}/lots/new/", data)
    assert response.status_code == 400
    assert "not an accepted type" in str(response.context["form"].errors["coa"])
    assert Lot.objects.count() == 0


def test_a_bad_value_and_a_bad_file_are_reported_together(client_for, practitioner, decided):
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    from vetting import services

    future = services.clinic_today() + timedelta(days=3)
    data = {k: ("" if v is None else v) for k, v in lot_values(received_on=future).items()}
    data["coa"] = SimpleUploadedFile("coa.pdf", b"MZ\x90\x00 not a pdf")
    response = client_for(practitioner).post(f"/products/{decided.product_id}/lots/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["received_on"] == ["The lot cannot be received in the future."]
    assert "not an accepted type" in errors["coa"][0]
    assert Lot.objects.count() == 0


def test_a_user_without_a_role_cannot_record(client_for, norole_user, decided):
    assert post_lot(client_for(norole_user), decided.product).status_code == 403
    assert Lot.objects.count() == 0


def test_anonymous_goes_to_login(client_for, decided):
    response = client_for(None).get(f"/products/{decided.product_id}/lots/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_product_or_lot_is_404(client_for, practitioner, reviewer, checklist_version):
    assert client_for(practitioner).get("/products/999/lots/new/").status_code == 404
    assert client_for(practitioner).get("/lots/999/").status_code == 404
    assert client_for(reviewer).post("/lots/999/release/", {}).status_code == 404


def test_an_expired_held_lot_offers_no_release_and_says_why(client_for, reviewer, decided,
                                                             practitioner, pdf_upload):
    from datetime import timedelta

    from vetting import services

    lot = record(practitioner, decided.product, pdf_upload,
                 expiry_date=services.clinic_today() - timedelta(days=1))
    page = client_for(reviewer).get(f"/lots/{lot.pk}/").content.decode()
    assert '<p class="mb-0" id="release-refused">An expired lot cannot be released' in page
    assert f'action="/lots/{lot.pk}/release/"' not in page
    assert f'action="/lots/{lot.pk}/reject/"' in page  # rejecting it stays open


def test_a_refused_release_says_why_once(client_for, reviewer, decided, practitioner,
                                        pdf_upload):
    from datetime import timedelta

    from vetting import services

    lot = record(practitioner, decided.product, pdf_upload,
                 expiry_date=services.clinic_today() - timedelta(days=1))
    response = client_for(reviewer).post(f"/lots/{lot.pk}/release/", {
        "release-password": PASSWORD, "release-justification": "Retested: fine."})
    assert response.status_code == 400
    assert response.content.decode().count("An expired lot cannot be released") == 1
    lot.refresh_from_db()
    assert lot.status == "on_hold"


def test_a_reviewer_releases_from_the_page(client_for, reviewer, held):
    client = client_for(reviewer)
    assert "Release the lot" in client.get(f"/lots/{held.pk}/").content.decode()
    response = client.post(f"/lots/{held.pk}/release/", {
        "release-justification": "Retested at 0.3 EU/mL.", "release-password": PASSWORD})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "released"


def test_a_wrong_password_is_shown_next_to_it(client_for, reviewer, held):
    response = client_for(reviewer).post(f"/lots/{held.pk}/release/", {
        "release-justification": "Retested.", "release-password": "wrong"})
    assert response.status_code == 400
    assert "The password is not correct" in str(response.context["release_form"].errors)
    held.refresh_from_db()
    assert held.status == "on_hold"


def test_a_reviewer_rejects_from_the_page(client_for, reviewer, held):
    response = client_for(reviewer).post(f"/lots/{held.pk}/reject/",
                                         {"reject-justification": "Too much endotoxin."})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "rejected"


@pytest.mark.parametrize("first, then", [("release", "reject"), ("reject", "release")])
def test_resolving_a_lot_already_resolved_says_why_in_the_banner(client_for, reviewer, held,
                                                                 first, then):
    """Two tabs: the lot resolved in one, then the other's form sent."""
    client = client_for(reviewer)
    client.post(f"/lots/{held.pk}/{first}/", {f"{first}-justification": "Checked.",
                                              f"{first}-password": PASSWORD})
    held.refresh_from_db()
    resolved, count = held.status, AuditEntry.objects.count()
    response = client.post(f"/lots/{held.pk}/{then}/", {f"{then}-justification": "Again.",
                                                        f"{then}-password": PASSWORD})
    assert response.status_code == 400
    page = response.content.decode()
    label = {"released": "released by a reviewer", "rejected": "rejected"}[resolved]
    assert re.search(r'<div class="alert alert-danger[^"]*" role="alert">\s*'
                     f"You cannot {then} this lot: it is {label}, not on hold.", page)
    held.refresh_from_db()
    assert held.status == resolved and AuditEntry.objects.count() == count


def test_a_product_without_a_decision_offers_no_lot_form(client_for, practitioner, assessment):
    client = client_for(practitioner)
    url = f"/products/{assessment.product_id}/lots/new/"
    page = client.get(url).content.decode()
    assert "This product has no decision yet" in page and 'name="lot_number"' not in page
    response = post_lot(client, assessment.product)
    assert response.status_code == 400
    assert response.content.decode().count("This product has no decision yet") == 1
    assert "choose the certificate of analysis again" not in response.content.decode()
    assert not Lot.objects.exists()


@pytest.mark.parametrize("action", ["release", "reject"])
def test_a_practitioner_cannot_resolve(client_for, practitioner, held, action):
    count = AuditEntry.objects.count()
    response = client_for(practitioner).post(f"/lots/{held.pk}/{action}/", {
        f"{action}-justification": "x", f"{action}-password": PASSWORD})
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.status == "on_hold" and AuditEntry.objects.count() == count


@pytest.mark.parametrize("url", ["/lots/{pk}/release/", "/lots/{pk}/reject/"])
def test_resolving_needs_post(client_for, reviewer, held, url):
    assert client_for(reviewer).get(url.format(pk=held.pk)).status_code == 405


def test_the_coa_is_served_to_staff_and_audited(client_for, practitioner, held):
    response = client_for(practitioner).get(f"/lots/{held.pk}/coa/?inline=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    assert AuditEntry.objects.order_by("-seq").first().event == "download"


def test_the_coa_is_refused_without_a_role(client_for, norole_user, held):
    assert client_for(norole_user).get(f"/lots/{held.pk}/coa/").status_code == 403


def test_revetting_starts_from_the_product_page(client_for, practitioner, decided):
    response = client_for(practitioner).post(f"/products/{decided.product_id}/revetting/")
    new = Assessment.objects.get(revets=decided)
    assert response.status_code == 302 and response["Location"] == f"/assessments/{new.pk}/"


def test_revetting_needs_post_and_a_role(client_for, practitioner, norole_user, decided):
    assert client_for(practitioner).get(
        f"/products/{decided.product_id}/revetting/").status_code == 405
    assert client_for(norole_user).post(
        f"/products/{decided.product_id}/revetting/").status_code == 403
    assert not Assessment.objects.filter(revets=decided).exists()


def test_a_refused_revetting_shows_why(client_for, practitioner, assessment):
    client = client_for(practitioner)
    response = client.post(f"/products/{assessment.product_id}/revetting/", follow=True)
    assert "no decision to re-vet" in response.content.decode()


# The lot register (/lots/)

@pytest.fixture
def usable(decided, practitioner, pdf_upload):
    return record(practitioner, decided.product, pdf_upload, lot_number="HB-2292",
                  coa_lot_number="HB-2292")


@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_each_staff_role_sees_every_lot(client_for, make_user, held, usable, role):
    response = client_for(make_user(role)).get("/lots/")
    assert response.status_code == 200
    assert set(response.context["page"].object_list) == {held, usable}
    content = response.content.decode()
    assert f'<a href="/lots/{held.pk}/">{held.lot_number}</a>' in content
    assert held.hold_reasons[0] in content


def test_the_lot_register_refuses_others_and_writes_nothing(client_for, norole_user,
                                                           practitioner, held):
    entries = AuditEntry.objects.count()
    assert client_for(norole_user).get("/lots/").status_code == 403
    assert client_for(None).get("/lots/")["Location"] == "/accounts/login/?next=/lots/"
    assert client_for(practitioner).post("/lots/").status_code == 405
    assert AuditEntry.objects.count() == entries
    assert Lot.objects.get(pk=held.pk).status == "on_hold"


def test_on_hold_lists_the_held_lots_the_one_held_longest_first(client_for, practitioner,
                                                                decided, pdf_upload, usable):
    first = record(practitioner, decided.product, pdf_upload, endotoxin=1.2, lot_number="A-1",
                   coa_lot_number="A-1")
    second = record(practitioner, decided.product, pdf_upload, endotoxin=1.3,
                    lot_number="A-2", coa_lot_number="A-2")
    client = client_for(practitioner)
    response = client.get("/lots/?status=on_hold")
    assert list(response.context["page"].object_list) == [first, second]
    assert "the one held longest first" in response.content.decode()
    unknown = client.get("/lots/?status=nonsense")  # an unknown status: every lot
    assert set(unknown.context["page"].object_list) == {first, second, usable}
    assert unknown.context["status"] == ""


def test_the_dashboard_links_the_lots_on_hold(client_for, practitioner, held):
    """The held lot itself, as well as the register's list (linked whether or not any is
    held); tests/test_views_dashboard.py counts and lists them."""
    content = client_for(practitioner).get("/").content.decode()
    assert 'href="/lots/?status=on_hold"' in content
    assert (f'<a href="/lots/{held.pk}/" class="fw-semibold">Lot HB-2291 of '
            f"{held.product.name}</a>") in content
    assert held.hold_reasons[0] in content


def test_the_lot_register_queries_do_not_grow(client_for, practitioner, decided, pdf_upload):
    client = client_for(practitioner)

    def count():
        return count_queries(client, "/lots/")

    for i in range(5):
        record(practitioner, decided.product, pdf_upload, lot_number=f"L-{i}",
               coa_lot_number=f"L-{i}")
    with_5 = count()
    for i in range(5, 30):
        record(practitioner, decided.product, pdf_upload, lot_number=f"L-{i}",
               coa_lot_number=f"L-{i}")
    assert count() == with_5


# A lot usable as received, once its product may no longer be used.

def suspend(decided, reviewer):
    from vetting import services

    services.assessment_suspend(user=reviewer, assessment=decided,
                                reason="FDA warning letter to the vendor")


def test_a_usable_lot_of_a_suspended_product_is_not_to_be_used(client_for, practitioner,
                                                               reviewer, decided, usable):
    client = client_for(practitioner)
    assert 'text-bg-success">Usable</span>' in client.get("/lots/").content.decode()
    suspend(decided, reviewer)
    for url in ["/lots/", f"/products/{usable.product_id}/"]:
        page = client.get(url).content.decode()
        assert ('<span class="badge text-bg-danger">Not to be used</span><div class="small '
                'text-secondary">Usable when received; the product is now suspended.</div>'
                ) in page, url
    page = client.get(f"/lots/{usable.pk}/").content.decode()
    assert "<strong>Not to be used:</strong> usable when received, but" in page
    # The filter of lots to use leaves it out; the whole list still has it.
    assert f'href="/lots/{usable.pk}/"' not in client.get("/lots/?status=usable").content.decode()
    assert f'href="/lots/{usable.pk}/"' in client.get("/lots/").content.decode()


def test_the_usable_filter_lists_the_lots_of_a_product_in_use(client_for, practitioner, usable):
    page = client_for(practitioner).get("/lots/?status=usable").content.decode()
    assert f'href="/lots/{usable.pk}/"' in page
    assert "Not to be used" not in page


def test_a_lot_of_a_product_whose_approval_lapsed_is_not_to_be_used(client_for, practitioner,
                                                                    decided, usable):
    """As time passes the approval's last valid day (the query update stands for the
    calendar: a signed decision is never changed)."""
    from datetime import date

    from vetting.models import Decision

    Decision.objects.filter(pk=decided.decision.pk).update(valid_until=date(2020, 1, 1),
                                                           lapses_on=date(2020, 1, 1))
    Assessment.objects.filter(pk=decided.pk).update(lapses_on=date(2020, 1, 1))
    client = client_for(practitioner)
    assert f'href="/lots/{usable.pk}/"' not in client.get("/lots/?status=usable").content.decode()
    assert "the product is now due for re-vetting." in client.get("/lots/").content.decode()


def test_an_expired_usable_lot_is_not_to_be_used(client_for, practitioner, usable):
    """As time passes the lot's expiry date (the query update stands for the calendar)."""
    from datetime import timedelta

    from vetting.models import Lot
    from vetting.services import clinic_today

    client = client_for(practitioner)
    last_day = clinic_today() - timedelta(days=1)
    Lot.objects.filter(pk=usable.pk).update(expiry_date=last_day)
    for url in ["/lots/", f"/products/{usable.product_id}/"]:
        page = client.get(url).content.decode()
        assert ('<span class="badge text-bg-danger">Not to be used</span><div class="small '
                f'text-secondary">Usable when received; expired: its last day was {last_day}.'
                '</div>') in page, url
    page = client.get(f"/lots/{usable.pk}/").content.decode()
    assert ('<strong>Not to be used:</strong> the lot has expired (its last day was '
            f'{last_day}).') in page
    assert 'text-bg-success">Usable</span>' not in page
    assert f'href="/lots/{usable.pk}/"' not in client.get("/lots/?status=usable").content.decode()
    # Its last day is still a day to use it.
    Lot.objects.filter(pk=usable.pk).update(expiry_date=clinic_today())
    assert f'href="/lots/{usable.pk}/"' in client.get("/lots/?status=usable").content.decode()
    assert "Not to be used" not in client.get(f"/lots/{usable.pk}/").content.decode()
