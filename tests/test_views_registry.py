"""Register pages: vendor and product lists and pages, and the create and edit forms."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import count_queries
from vetting.models import (
    Assessment,
    AuditEntry,
    ChecklistVersion,
    Decision,
    Product,
    Vendor,
    VendorContact,
)
from vetting.services import registry as services_registry

pytestmark = pytest.mark.django_db

STAFF = ["practitioner", "reviewer", "admin"]
GET_ONLY = ["vendor_list", "vendor_detail", "product_list", "product_detail"]
FORMS = ["vendor_create", "vendor_edit", "contact_create", "contact_edit", "product_create",
         "product_edit"]


@pytest.fixture
def contact(vendor):
    return VendorContact.objects.create(vendor=vendor, name="Alex Aurora",
                                        email="alex@aurora.example", is_primary=True)


@pytest.fixture
def other_vendor(db):
    return Vendor.objects.create(name="Nova Bio", country="France")


@pytest.fixture
def urls(vendor, contact, product):
    return {
        "vendor_list": "/vendors/",
        "vendor_create": "/vendors/new/",
        "vendor_detail": f"/vendors/{vendor.pk}/",
        "vendor_edit": f"/vendors/{vendor.pk}/edit/",
        "contact_create": f"/vendors/{vendor.pk}/contacts/new/",
        "contact_edit": f"/vendors/{vendor.pk}/contacts/{contact.pk}/edit/",
        "product_list": "/products/",
        "product_create": f"/vendors/{vendor.pk}/products/new/",
        "product_detail": f"/products/{product.pk}/",
        "product_edit": f"/products/{product.pk}/edit/",
    }


@pytest.fixture
def valid_post(vendor):
    """A valid submission of each form."""
    return {
        "vendor_create": {"name": "Nova Bio", "country": "France"},
        "vendor_edit": {"name": vendor.name, "country": "Canada"},
        "contact_create": {"name": "Kim", "email": "kim@aurora.example"},
        "contact_edit": {"name": "Alex Aurora", "email": "alex@aurora.example",
                         "phone": "+1 555 0100", "is_primary": "on"},
        "product_create": {"name": "Hair Booster", "category": "pdrn", "form": "hair_scalp"},
        "product_edit": {"name": "Glow Exosome Serum", "category": "exosome_ev",
                         "form": "injectable"},
    }


def snapshot() -> tuple:
    """Everything these views may write, to show that a refusal wrote nothing."""
    return (list(Vendor.objects.order_by("pk").values()),
            list(VendorContact.objects.order_by("pk").values()),
            list(Product.objects.order_by("pk").values()),
            AuditEntry.objects.count())


def field_error(response, field: str) -> str | None:
    """The message shown under a form field, or None."""
    match = re.search(rf'id="id_{field}_error"[^>]*>\s*<span id="error_1_id_{field}">'
                      r"<strong>(.*?)</strong>", response.content.decode())
    return html.unescape(match.group(1)) if match else None


def rows(response) -> list:
    return list(response.context["page"].object_list)


# Access and methods, for every view

def test_url_names_give_the_documented_paths(urls, vendor, contact, product):
    args = {"vendor_detail": [vendor.pk], "vendor_edit": [vendor.pk],
            "contact_create": [vendor.pk], "contact_edit": [vendor.pk, contact.pk],
            "product_create": [vendor.pk], "product_detail": [product.pk],
            "product_edit": [product.pk]}
    assert {name: reverse(name, args=args.get(name)) for name in urls} == urls


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("name", GET_ONLY + FORMS)
def test_each_staff_role_opens_the_page(client_for, make_user, urls, name, role):
    assert client_for(make_user(role)).get(urls[name]).status_code == 200


@pytest.mark.parametrize("name", GET_ONLY + FORMS)
def test_a_user_without_a_role_is_refused(client_for, norole_user, urls, name):
    assert client_for(norole_user).get(urls[name]).status_code == 403


@pytest.mark.parametrize("name", FORMS)
def test_a_user_without_a_role_cannot_submit_a_form(client_for, norole_user, urls, valid_post,
                                                    name):
    before = snapshot()
    assert client_for(norole_user).post(urls[name], valid_post[name]).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY + FORMS)
def test_anonymous_is_sent_to_login(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={urls[name]}"


@pytest.mark.parametrize("name", FORMS)
def test_anonymous_submission_writes_nothing(client, urls, valid_post, name):
    before = snapshot()
    assert client.post(urls[name], valid_post[name]).status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY)
def test_pages_refuse_post(client_for, practitioner, urls, name):
    before = snapshot()
    assert client_for(practitioner).post(urls[name], {}).status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", FORMS)
def test_forms_refuse_put_and_delete(client_for, practitioner, urls, name):
    client = client_for(practitioner)
    assert client.put(urls[name]).status_code == 405
    assert client.delete(urls[name]).status_code == 405


@pytest.mark.parametrize("url", [
    "/vendors/999999/", "/vendors/999999/edit/", "/vendors/999999/contacts/new/",
    "/vendors/999999/products/new/", "/products/999999/", "/products/999999/edit/",
])
def test_an_unknown_record_is_404(client_for, practitioner, url):
    assert client_for(practitioner).get(url).status_code == 404


def test_a_contact_reached_through_another_vendors_url_is_404(client_for, practitioner,
                                                                contact, other_vendor):
    url = f"/vendors/{other_vendor.pk}/contacts/{contact.pk}/edit/"
    assert client_for(practitioner).get(url).status_code == 404


def test_a_contact_posted_through_another_vendors_url_is_not_changed(
        client_for, practitioner, contact, other_vendor):
    before = snapshot()
    url = f"/vendors/{other_vendor.pk}/contacts/{contact.pk}/edit/"
    response = client_for(practitioner).post(url, {"name": "Moved", "email": "x@nova.example"})
    assert response.status_code == 404
    assert snapshot() == before


# Forms: success

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_registers_a_vendor(client_for, make_user, role):
    response = client_for(make_user(role)).post("/vendors/new/", {"name": "Nova Bio",
                                                                   "country": "France"},
                                                 follow=True)
    vendor = Vendor.objects.get(name="Nova Bio")
    assert response.redirect_chain == [(f"/vendors/{vendor.pk}/", 302)]
    assert "Vendor Nova Bio registered." in response.content.decode()


@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_edits_a_vendor(client_for, make_user, urls, valid_post, vendor, role):
    response = client_for(make_user(role)).post(urls["vendor_edit"], valid_post["vendor_edit"])
    assert response["Location"] == f"/vendors/{vendor.pk}/"
    vendor.refresh_from_db()
    assert vendor.country == "Canada"


@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_adds_a_contact(client_for, make_user, urls, valid_post, vendor, role):
    response = client_for(make_user(role)).post(urls["contact_create"],
                                                valid_post["contact_create"])
    assert response["Location"] == f"/vendors/{vendor.pk}/"
    assert vendor.contacts.filter(email="kim@aurora.example").exists()


@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_edits_a_contact(client_for, make_user, urls, valid_post, contact,
                                         role):
    client_for(make_user(role)).post(urls["contact_edit"], valid_post["contact_edit"])
    contact.refresh_from_db()
    assert contact.phone == "+1 555 0100"


@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_registers_a_product(client_for, make_user, urls, valid_post, vendor,
                                             role):
    response = client_for(make_user(role)).post(urls["product_create"],
                                                valid_post["product_create"])
    product = vendor.products.get(name="Hair Booster")
    assert response["Location"] == f"/products/{product.pk}/"


@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_edits_a_product(client_for, make_user, urls, valid_post, product,
                                         role):
    response = client_for(make_user(role)).post(urls["product_edit"],
                                                valid_post["product_edit"])
    assert response["Location"] == f"/products/{product.pk}/"
    product.refresh_from_db()
    assert product.form == "injectable"


def test_a_saved_form_is_audited(client_for, practitioner, urls, valid_post):
    client_for(practitioner).post(urls["vendor_edit"], valid_post["vendor_edit"])
    entry = AuditEntry.objects.get()
    assert (entry.actor_user, entry.after) == (practitioner, {"country": "Canada"})


def test_a_new_primary_contact_takes_over_from_the_old_one(client_for, practitioner, urls,
                                                           contact):
    client_for(practitioner).post(urls["contact_create"], {
        "name": "Kim", "email": "kim@aurora.example", "is_primary": "on"})
    contact.refresh_from_db()
    assert not contact.is_primary
    assert VendorContact.objects.get(email="kim@aurora.example").is_primary


# Forms: invalid input

def test_a_duplicate_vendor_name_is_shown_next_to_the_field(client_for, practitioner, vendor):
    before = snapshot()
    response = client_for(practitioner).post("/vendors/new/",
                                             {"name": "AURORA regenerative labs"})
    assert response.status_code == 200
    assert field_error(response, "name") == "A vendor with this name is already registered."
    assert snapshot() == before


def test_a_missing_vendor_name_is_shown_next_to_the_field(client_for, practitioner):
    response = client_for(practitioner).post("/vendors/new/", {"name": "", "country": "Peru"})
    assert field_error(response, "name") == "This field is required."
    assert not Vendor.objects.exists()


def test_renaming_a_vendor_to_another_vendors_name_is_refused(client_for, practitioner,
                                                              other_vendor, vendor):
    before = snapshot()
    response = client_for(practitioner).post(f"/vendors/{other_vendor.pk}/edit/",
                                             {"name": vendor.name.upper()})
    assert field_error(response, "name") == "A vendor with this name is already registered."
    assert snapshot() == before


def test_the_edit_page_heading_keeps_the_saved_name_after_invalid_input(
        client_for, practitioner, other_vendor, vendor):
    response = client_for(practitioner).post(f"/vendors/{other_vendor.pk}/edit/",
                                             {"name": vendor.name})
    assert "<h1 class=\"h3 mb-3\">Edit vendor Nova Bio</h1>" in response.content.decode()


def test_an_invalid_website_is_shown_next_to_the_field(client_for, practitioner):
    response = client_for(practitioner).post("/vendors/new/",
                                             {"name": "Nova Bio", "website": "not a url"})
    assert field_error(response, "website") == "Enter a valid URL."
    assert not Vendor.objects.exists()


def test_a_duplicate_contact_email_is_shown_next_to_the_field(client_for, practitioner, urls,
                                                              contact):
    before = snapshot()
    response = client_for(practitioner).post(urls["contact_create"], {
        "name": "Alex again", "email": "ALEX@aurora.example"})
    assert field_error(response, "email") == (
        "This vendor already has a contact with this e-mail address.")
    assert snapshot() == before


def test_an_invalid_contact_email_is_shown_next_to_the_field(client_for, practitioner, urls,
                                                             contact):
    before = snapshot()
    response = client_for(practitioner).post(urls["contact_edit"], {
        "name": "Alex", "email": "not-an-address"})
    assert field_error(response, "email") == "Enter a valid email address."
    assert snapshot() == before


def test_a_duplicate_product_name_is_shown_next_to_the_field(client_for, practitioner, urls,
                                                             product):
    before = snapshot()
    response = client_for(practitioner).post(urls["product_create"], {
        "name": "glow exosome SERUM", "category": "exosome_ev", "form": "topical"})
    assert field_error(response, "name") == "This vendor already has a product with this name."
    assert snapshot() == before


def test_an_unknown_product_category_is_shown_next_to_the_field(client_for, practitioner,
                                                                urls):
    before = snapshot()
    response = client_for(practitioner).post(urls["product_edit"], {
        "name": "Glow Exosome Serum", "category": "miracle", "form": "topical"})
    assert "Select a valid choice" in field_error(response, "category")
    assert snapshot() == before


# Vendor list

def make_vendors(n: int, *, start: int = 0, country: str = "France") -> list[Vendor]:
    return [Vendor.objects.create(name=f"Vendor {i:03}", country=country)
            for i in range(start, start + n)]


def test_vendor_list_is_sorted_by_name_ignoring_case(client_for, practitioner):
    for name in ["beta", "Alpha", "Gamma"]:
        Vendor.objects.create(name=name)
    response = client_for(practitioner).get("/vendors/")
    assert [v.name for v in rows(response)] == ["Alpha", "beta", "Gamma"]


def test_vendor_list_searches_names(client_for, practitioner, vendor, other_vendor):
    response = client_for(practitioner).get("/vendors/", {"q": "auro"})
    assert rows(response) == [vendor]


def test_vendor_list_searches_countries(client_for, practitioner, vendor, other_vendor):
    response = client_for(practitioner).get("/vendors/", {"q": "fran"})
    assert rows(response) == [other_vendor]


@pytest.mark.parametrize("q", ["ärzte", "ÄRZTE", "strasse", "STRASSE", "  Ärzte   Strasse "])
def test_vendor_search_folds_case_beyond_ascii(client_for, practitioner, vendor, q):
    """SQLite's LIKE folds ASCII only: "ärzte" missed "Ärzte"; "Straße" is "STRASSE"."""
    found = services_registry.vendor_create(user=practitioner, name="Ärzte  Straße Labor",
                                            country="Deutschland")
    assert rows(client_for(practitioner).get("/vendors/", {"q": q})) == [found]


def test_a_renamed_vendor_and_product_are_found_by_their_new_names(client_for, practitioner,
                                                                    vendor, product):
    services_registry.vendor_update(user=practitioner, vendor=vendor, name="Émile Biotech")
    services_registry.product_update(user=practitioner, product=product, name="Öl Serum")
    client = client_for(practitioner)
    assert rows(client.get("/vendors/", {"q": "ÉMILE"})) == [vendor]
    assert rows(client.get("/products/", {"q": "öl"})) == [product]
    assert rows(client.get("/products/", {"q": "émile"})) == [product]  # by its vendor
    assert rows(client.get("/vendors/", {"q": "aurora"})) == []  # the old name is gone


def test_the_migration_fills_the_search_fields_of_existing_rows(vendor, product):
    """Rows saved before the fields existed (emptied here by an update, which skips save)."""
    import importlib

    from tests.test_standing import historical_apps

    Vendor.objects.filter(pk=vendor.pk).update(name="Ärzte GmbH", search_name="",
                                               search_country="")
    Product.objects.filter(pk=product.pk).update(search_name="")
    migration = importlib.import_module("vetting.migrations.0020_registry_search_fields")
    migration.fill(historical_apps("0020_registry_search_fields"), None)
    vendor.refresh_from_db()
    product.refresh_from_db()
    assert (vendor.search_name, vendor.search_country) == ("ärzte gmbh", vendor.country.casefold())
    assert product.search_name == product.name.casefold()


def test_a_name_with_a_separate_accent_is_found_as_the_composed_one(client_for, practitioner):
    """"é" pasted as e + U+0301 (a PDF, a Mac) and typed as one character are one name."""
    decomposed = services_registry.vendor_create(user=practitioner, name="Cre\u0301me Labs",
                                                 country="France")
    client = client_for(practitioner)
    assert rows(client.get("/vendors/", {"q": "CRÉME"})) == [decomposed]
    assert rows(client.get("/vendors/", {"q": "cre\u0301me"})) == [decomposed]


def test_0021_composes_the_search_fields_of_existing_rows(vendor, product):
    """Rows folded before 0021 kept a separate accent; rows already right are not written."""
    import importlib

    from tests.test_standing import historical_apps

    Vendor.objects.filter(pk=vendor.pk).update(name="Cre\u0301me", search_name="cre\u0301me")
    Product.objects.filter(pk=product.pk).update(name="Se\u0301rum", search_name="se\u0301rum")
    migration = importlib.import_module("vetting.migrations.0021_registry_search_composed")
    migration.refold(historical_apps("0021_registry_search_composed"), None)
    vendor.refresh_from_db()
    product.refresh_from_db()
    assert (vendor.search_name, product.search_name) == ("cr\u00e9me", "s\u00e9rum")
    assert vendor.name == "Cre\u0301me"  # the name itself stays as it was typed


def test_vendor_list_filters_by_country(client_for, practitioner, vendor, other_vendor):
    response = client_for(practitioner).get("/vendors/", {"country": "United States"})
    assert rows(response) == [vendor]
    assert '<option value="United States" selected>' in response.content.decode()


def test_the_country_filter_offers_a_new_or_changed_country_at_once(
        client_for, practitioner, vendor, django_capture_on_commit_callbacks):
    client = client_for(practitioner)
    assert '<option value="Peru">' not in client.get("/vendors/").content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/vendors/new/", {"name": "Andes Bio", "country": "Peru"})
    assert '<option value="Peru">' in client.get("/vendors/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/vendors/{vendor.pk}/edit/", {"name": vendor.name, "country": "Chile"})
    content = client.get("/vendors/").content.decode()
    assert '<option value="Chile">' in content
    assert '<option value="United States">' not in content


def test_a_country_list_read_before_the_commit_is_forgotten_after_it(
        practitioner, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from vetting.services import registry
    from vetting.services.registry import COUNTRIES_CACHE_KEY, vendor_countries

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        registry.vendor_create(user=practitioner, name="Andes Bio", country="Peru")
        # Another request read the list before this transaction committed.
        cache.set(COUNTRIES_CACHE_KEY, ["United States"])
    assert "Peru" not in vendor_countries()  # what that request cached ...
    for callback in after_commit:
        callback()
    assert "Peru" in vendor_countries()  # ... is forgotten once the vendor is committed


def test_vendor_list_counts_products_and_open_assessments(client_for, practitioner, assessment,
                                                           checklist_version):
    vendor = assessment.product.vendor
    second = Product.objects.create(vendor=vendor, name="Second", category="pdrn",
                                    form="topical")
    Assessment.objects.create(product=second, checklist_version=checklist_version, number=1,
                              created_by=practitioner, state="rejected")
    [row] = rows(client_for(practitioner).get("/vendors/"))
    assert (row.product_count, row.open_count) == (2, 1)


def test_vendor_list_shows_25_per_page(client_for, practitioner):
    make_vendors(30)
    client = client_for(practitioner)
    assert len(rows(client.get("/vendors/"))) == 25
    assert [v.name for v in rows(client.get("/vendors/", {"page": 2}))] == [
        f"Vendor {i:03}" for i in range(25, 30)]


def test_vendor_list_page_links_keep_the_filters(client_for, practitioner):
    make_vendors(30)
    content = client_for(practitioner).get("/vendors/", {"q": "vendor",
                                                         "country": "France"}).content
    assert 'href="?q=vendor&amp;country=France&amp;page=2"' in content.decode()


def test_vendor_list_says_when_nothing_matches(client_for, practitioner, vendor):
    content = client_for(practitioner).get("/vendors/", {"q": "zzz"}).content.decode()
    assert "No vendor matches the search." in content


# Product list

def test_product_list_searches_product_names(client_for, practitioner, product, other_vendor):
    Product.objects.create(vendor=other_vendor, name="Hair Booster", category="pdrn",
                           form="hair_scalp")
    assert rows(client_for(practitioner).get("/products/", {"q": "glow"})) == [product]


def test_product_list_searches_vendor_names(client_for, practitioner, product, other_vendor):
    other = Product.objects.create(vendor=other_vendor, name="Hair Booster", category="pdrn",
                                   form="hair_scalp")
    assert rows(client_for(practitioner).get("/products/", {"q": "nova"})) == [other]


def test_product_list_filters_by_category(client_for, practitioner, product, other_vendor):
    other = Product.objects.create(vendor=other_vendor, name="Hair Booster", category="pdrn",
                                   form="hair_scalp")
    assert rows(client_for(practitioner).get("/products/", {"category": "pdrn"})) == [other]


@pytest.mark.parametrize("url, name", [("/products/", "category"), ("/products/", "standing"),
                                       ("/assessments/", "state"), ("/lots/", "status")])
def test_an_unknown_filter_value_is_not_applied_and_the_page_says_so(
        client_for, practitioner, product, url, name):
    response = client_for(practitioner).get(url, {name: "<b>gone</b>"})
    assert response.status_code == 200
    page = response.content.decode()
    assert (f"The {name} “&lt;b&gt;gone&lt;/b&gt;” is not one this list knows: the list is "
            f"not filtered by {name}.") in page
    if url == "/products/":
        assert rows(response) == [product]


def test_a_known_filter_value_says_nothing_of_it(client_for, practitioner, product):
    response = client_for(practitioner).get("/products/", {"category": "pdrn"})
    assert "is not one this list knows" not in response.content.decode()


def test_product_list_filters_by_form(client_for, practitioner, product, other_vendor):
    other = Product.objects.create(vendor=other_vendor, name="Hair Booster", category="pdrn",
                                   form="hair_scalp")
    assert rows(client_for(practitioner).get("/products/", {"form": "topical"})) == [product]
    assert rows(client_for(practitioner).get("/products/", {"form": "hair_scalp"})) == [other]


@pytest.fixture
def two_assessed(assessment, checklist_version, practitioner, other_vendor):
    """`product`: assessment 1 rejected, assessment 2 a draft; `other`: one in review."""
    Assessment.objects.filter(pk=assessment.pk).update(state="rejected",
                                                       recommendation="do_not_approve")
    Assessment.objects.create(product=assessment.product, checklist_version=checklist_version,
                              number=2, created_by=practitioner, state="draft",
                              recommendation="approve_with_conditions")
    other = Product.objects.create(vendor=other_vendor, name="Hair Booster", category="pdrn",
                                   form="hair_scalp")
    Assessment.objects.create(product=other, checklist_version=checklist_version, number=1,
                              created_by=practitioner, state="in_review",
                              recommendation="no_objections")
    return assessment.product, other


def test_product_list_filters_by_the_latest_assessments_state(client_for, practitioner,
                                                              two_assessed):
    product, other = two_assessed
    client = client_for(practitioner)
    assert rows(client.get("/products/", {"standing": "draft"})) == [product]
    assert rows(client.get("/products/", {"standing": "rejected"})) == []
    assert rows(client.get("/products/", {"standing": "in_review"})) == [other]


def test_product_list_filters_products_never_assessed(client_for, practitioner, two_assessed,
                                                      vendor):
    fresh = Product.objects.create(vendor=vendor, name="Fresh", category="pdrn", form="topical")
    assert rows(client_for(practitioner).get("/products/", {"standing": "none"})) == [fresh]


def test_product_list_filters_by_the_latest_recommendation(client_for, practitioner,
                                                           two_assessed):
    product, other = two_assessed
    client = client_for(practitioner)
    assert rows(client.get("/products/", {"recommendation": "no_objections"})) == [other]
    assert rows(client.get("/products/", {"recommendation": "do_not_approve"})) == []


def test_product_list_ignores_an_unknown_filter_value(client_for, practitioner, two_assessed):
    response = client_for(practitioner).get("/products/", {"standing": "bogus"})
    assert len(rows(response)) == 2


def test_product_rows_show_the_latest_assessments_badges(client_for, practitioner,
                                                         two_assessed):
    product, _ = two_assessed
    Assessment.objects.filter(product=product, number=2).update(red_count=3, amber_count=1,
                                                                missing_count=7)
    content = client_for(practitioner).get("/products/", {"q": "glow"}).content.decode()
    latest = Assessment.objects.get(product=product, number=2)
    assert f'href="/assessments/{latest.pk}/"' in content
    assert ">Draft</span>" in content
    assert ">Approve only with conditions</span>" in content
    for text in ["RED 3", "AMBER 1", "MISSING 7"]:
        assert text in content


def test_product_list_shows_25_per_page_keeping_the_filters(client_for, practitioner, vendor):
    for i in range(30):
        Product.objects.create(vendor=vendor, name=f"P{i:02}", category="pdrn", form="topical")
    response = client_for(practitioner).get("/products/", {"category": "pdrn", "page": 2})
    assert [p.name for p in rows(response)] == [f"P{i:02}" for i in range(25, 30)]
    assert 'href="?category=pdrn&amp;page=1"' in response.content.decode()


# Vendor and product pages

def test_vendor_page_lists_the_primary_contact_first(client_for, practitioner, urls, contact):
    VendorContact.objects.create(vendor=contact.vendor, name="Aaron First-alphabetically",
                                 email="aaron@aurora.example")
    response = client_for(practitioner).get(urls["vendor_detail"])
    assert [c.name for c in response.context["contacts"]] == ["Alex Aurora",
                                                               "Aaron First-alphabetically"]
    assert f'href="{urls["contact_edit"]}"' in response.content.decode()


def test_vendor_page_shows_the_assessment_history_with_decisions(client_for, practitioner,
                                                                 assessment):
    signed = timezone.now() - timedelta(days=3)
    Assessment.objects.filter(pk=assessment.pk).update(state="approved")
    Decision.objects.create(assessment=assessment, outcome="approved",
                            recommendation="no_objections", red_count=0, amber_count=0,
                            missing_count=0, signed_by=practitioner,
                            signer_name="Dr Rui Reviewer", signer_role="reviewer",
                            signed_at=signed, meaning="approved", content_sha256="0" * 64)
    vendor = assessment.product.vendor
    content = client_for(practitioner).get(f"/vendors/{vendor.pk}/").content.decode()
    link = f'<a href="/assessments/{assessment.pk}/" class="small text-nowrap">assessment 1</a>'
    assert link in content
    signed_on = f"{timezone.localtime(signed):%Y-%m-%d}"
    assert f'Approved<br><span class="text-secondary text-nowrap">{signed_on}' in content


def test_vendor_page_shows_internal_notes(client_for, practitioner, vendor):
    Vendor.objects.filter(pk=vendor.pk).update(notes="Asked twice for the CoA.")
    content = client_for(practitioner).get(f"/vendors/{vendor.pk}/").content.decode()
    assert "Asked twice for the CoA." in content


def test_product_page_links_its_assessments(client_for, practitioner, assessment):
    content = client_for(practitioner).get(
        f"/products/{assessment.product_id}/").content.decode()
    assert f'<a href="/assessments/{assessment.pk}/">1</a>' in content
    assert "v1" in content


def test_product_page_preselects_the_newest_checklist_version(client_for, practitioner,
                                                              product, checklist_version):
    ChecklistVersion.objects.create(version="0.9", title="Older", effective="2024-01-01",
                                    sha256="a" * 64, source="", file_name="v0.9.yaml")
    content = client_for(practitioner).get(f"/products/{product.pk}/").content.decode()
    assert f'action="/products/{product.pk}/assessments/new/"' in content
    assert f'<option value="{checklist_version.pk}" selected>' in content
    assert "Older</option>" in content


def test_product_page_leads_to_the_open_assessment_before_starting_another(
        client_for, practitioner, assessment):
    content = client_for(practitioner).get(
        f"/products/{assessment.product_id}/").content.decode()
    assert (f'An assessment of this product is open: <a href="/assessments/{assessment.pk}/">'
            "continue it</a>") in content
    assert "Start another assessment</button>" in content
    Assessment.objects.filter(pk=assessment.pk).update(state="rejected")
    content = client_for(practitioner).get(
        f"/products/{assessment.product_id}/").content.decode()
    assert "An assessment of this product is open" not in content
    assert "Start an assessment</button>" in content


def test_product_page_explains_when_no_checklist_is_loaded(client_for, practitioner, product):
    content = client_for(practitioner).get(f"/products/{product.pk}/").content.decode()
    assert "No checklist version is loaded" in content


def test_navigation_links_the_register(client_for, practitioner):
    content = client_for(practitioner).get("/vendors/").content.decode()
    assert 'class="nav-link active" href="/vendors/"' in content
    assert 'class="nav-link" href="/products/"' in content


# Query counts do not grow with the number of records

def build_register(n: int, checklist_version, user, *, start: int = 0,
                   vendor: Vendor | None = None) -> None:
    """n products (each under its own vendor unless one is given), each with two assessments
    (the first decided), and a primary contact per new vendor."""
    for i in range(start, start + n):
        owner = vendor or Vendor.objects.create(name=f"Vendor {i:03}", country="France")
        if vendor is None:
            VendorContact.objects.create(vendor=owner, name=f"C{i}", email=f"c{i}@x.example",
                                         is_primary=True)
        product = Product.objects.create(vendor=owner, name=f"Product {i:03}",
                                         category="exosome_ev", form="topical")
        first = Assessment.objects.create(product=product, checklist_version=checklist_version,
                                          number=1, created_by=user, state="approved")
        Decision.objects.create(assessment=first, outcome="approved",
                                recommendation="no_objections", red_count=0, amber_count=0,
                                missing_count=0, signed_by=user, signer_name="Dr R",
                                signer_role="reviewer", signed_at=timezone.now(),
                                meaning="approved", content_sha256="0" * 64)
        Assessment.objects.create(product=product, checklist_version=checklist_version,
                                  number=2, created_by=user, state="draft")


@pytest.mark.parametrize("url", ["/vendors/", "/products/", "/products/?standing=draft"])
def test_list_queries_do_not_grow_with_the_records(client_for, practitioner, checklist_version,
                                                   url):
    from django.core.cache import cache

    client = client_for(practitioner)
    build_register(5, checklist_version, practitioner)
    cache.clear()  # both counts with the vendor countries not cached yet
    with_5 = count_queries(client, url)
    build_register(45, checklist_version, practitioner, start=5)
    cache.clear()
    assert count_queries(client, url) == with_5


def test_vendor_page_queries_do_not_grow_with_the_records(client_for, practitioner, vendor,
                                                          checklist_version):
    client = client_for(practitioner)
    for i in range(5):
        VendorContact.objects.create(vendor=vendor, name=f"C{i}", email=f"c{i}@x.example")
    build_register(5, checklist_version, practitioner, vendor=vendor)
    with_5 = count_queries(client, f"/vendors/{vendor.pk}/")
    for i in range(5, 50):
        VendorContact.objects.create(vendor=vendor, name=f"C{i}", email=f"c{i}@x.example")
    build_register(45, checklist_version, practitioner, vendor=vendor, start=5)
    assert count_queries(client, f"/vendors/{vendor.pk}/") == with_5


def test_product_page_queries_do_not_grow_with_the_assessments(client_for, practitioner,
                                                               product, checklist_version):
    client = client_for(practitioner)

    def add(numbers):
        for number in numbers:
            Assessment.objects.create(product=product, checklist_version=checklist_version,
                                      number=number, created_by=practitioner, state="withdrawn")

    add(range(1, 6))
    with_5 = count_queries(client, f"/products/{product.pk}/")
    add(range(6, 51))
    assert count_queries(client, f"/products/{product.pk}/") == with_5


def test_a_products_category_and_form_are_shown_but_not_edited_once_assessed(
        client_for, practitioner, assessment):
    product = assessment.product
    client = client_for(practitioner)
    page = client.get(f"/products/{product.pk}/edit/").content.decode()
    assert re.search(r'<select name="category"[^>]*disabled', page)
    assert "Set by answers 0.1 and 0.2 of its assessment" in page
    response = client.post(f"/products/{product.pk}/edit/", {
        "name": "Glow Serum II", "category": "pdrn", "form": "injectable"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.category, product.form) == (
        "Glow Serum II", "exosome_ev", "topical")
