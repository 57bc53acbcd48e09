"""Register services: vendors, contacts and products; roles, audit, duplicates, primary contact."""

import pytest

from vetting import services
from vetting.models import AuditEntry, Product, Vendor, VendorContact
from vetting.services import registry
from vetting.services.errors import InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db

STAFF = ["practitioner", "reviewer", "admin"]


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


@pytest.fixture
def contact(vendor):
    return VendorContact.objects.create(vendor=vendor, name="Alex Aurora",
                                        email="alex@aurora.example", is_primary=True)


# vendor_create

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_registers_a_vendor(make_user, role):
    user = make_user(role)
    vendor = registry.vendor_create(user=user, name=" Nova Bio ", country="France")
    vendor.refresh_from_db()
    assert (vendor.name, vendor.country, vendor.created_by) == ("Nova Bio", "France", user)


def test_vendor_create_writes_an_audit_entry(practitioner):
    vendor = registry.vendor_create(user=practitioner, name="Nova Bio", country="France")
    entry = last_entry()
    assert (entry.object_type, entry.object_id) == ("Vendor", str(vendor.pk))
    assert entry.actor_user == practitioner
    assert entry.before is None
    assert entry.after == {"name": "Nova Bio", "country": "France"}


def test_vendor_create_refuses_a_user_without_a_role(norole_user):
    with pytest.raises(NotAllowed):
        registry.vendor_create(user=norole_user, name="Nova Bio")
    assert not Vendor.objects.exists()
    assert not AuditEntry.objects.exists()


def test_vendor_create_refuses_a_duplicate_name_ignoring_case(practitioner, vendor):
    with pytest.raises(InvalidInput) as caught:
        registry.vendor_create(user=practitioner, name="AURORA regenerative LABS")
    assert caught.value.field == "name"
    assert Vendor.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_vendor_create_requires_a_name(practitioner):
    with pytest.raises(InvalidInput) as caught:
        registry.vendor_create(user=practitioner, name="  ", country="France")
    assert caught.value.field == "name"
    assert not Vendor.objects.exists()


def test_vendor_create_rejects_an_unknown_field(practitioner):
    with pytest.raises(TypeError):
        registry.vendor_create(user=practitioner, name="Nova Bio", created_at="2020-01-01")
    assert not Vendor.objects.exists()


# vendor_update

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_changes_a_vendor(make_user, vendor, role):
    registry.vendor_update(user=make_user(role), vendor=vendor, country="Canada")
    vendor.refresh_from_db()
    assert vendor.country == "Canada"


def test_vendor_update_audits_only_the_changed_fields(practitioner, vendor):
    registry.vendor_update(user=practitioner, vendor=vendor, name=vendor.name,
                           country="Canada", notes="Slow to answer")
    entry = last_entry()
    assert entry.before == {"country": "United States", "notes": ""}
    assert entry.after == {"country": "Canada", "notes": "Slow to answer"}


def test_vendor_update_ignores_unsaved_values_on_the_callers_instance(practitioner, vendor):
    vendor.country = "Changed by a form, not saved"
    registry.vendor_update(user=practitioner, vendor=vendor, country="Canada")
    assert last_entry().before == {"country": "United States"}


def test_vendor_update_that_changes_nothing_writes_nothing(practitioner, vendor):
    registry.vendor_update(user=practitioner, vendor=vendor, name=vendor.name)
    assert not AuditEntry.objects.exists()


def test_vendor_update_refuses_a_user_without_a_role(norole_user, vendor):
    with pytest.raises(NotAllowed):
        registry.vendor_update(user=norole_user, vendor=vendor, country="Canada")
    vendor.refresh_from_db()
    assert vendor.country == "United States"
    assert not AuditEntry.objects.exists()


def test_vendor_update_refuses_another_vendors_name(practitioner, vendor):
    other = Vendor.objects.create(name="Nova Bio")
    with pytest.raises(InvalidInput) as caught:
        registry.vendor_update(user=practitioner, vendor=other, name="aurora regenerative labs")
    assert caught.value.field == "name"
    other.refresh_from_db()
    assert other.name == "Nova Bio"
    assert not AuditEntry.objects.exists()


def test_vendor_update_may_change_the_case_of_its_own_name(practitioner, vendor):
    registry.vendor_update(user=practitioner, vendor=vendor, name="AURORA Regenerative Labs")
    vendor.refresh_from_db()
    assert vendor.name == "AURORA Regenerative Labs"


# contact_create

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_adds_a_contact(make_user, vendor, role):
    contact = registry.contact_create(user=make_user(role), vendor=vendor, name="Kim",
                                      email="kim@aurora.example")
    assert contact.vendor == vendor
    assert (last_entry().object_type, last_entry().object_id) == (
        "VendorContact", str(contact.pk))


def test_contact_create_refuses_a_user_without_a_role(norole_user, vendor):
    with pytest.raises(NotAllowed):
        registry.contact_create(user=norole_user, vendor=vendor, name="Kim",
                                email="kim@aurora.example")
    assert not VendorContact.objects.exists()
    assert not AuditEntry.objects.exists()


def test_contact_create_refuses_a_duplicate_email_at_the_same_vendor(practitioner, contact):
    with pytest.raises(InvalidInput) as caught:
        registry.contact_create(user=practitioner, vendor=contact.vendor, name="Alex again",
                                email="ALEX@aurora.example")
    assert caught.value.field == "email"
    assert VendorContact.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_contact_create_allows_the_same_email_at_another_vendor(practitioner, contact):
    other = Vendor.objects.create(name="Nova Bio")
    registry.contact_create(user=practitioner, vendor=other, name="Alex",
                            email="alex@aurora.example")
    assert VendorContact.objects.count() == 2


def test_a_new_primary_contact_replaces_the_previous_primary(practitioner, contact):
    new = registry.contact_create(user=practitioner, vendor=contact.vendor, name="Kim",
                                  email="kim@aurora.example", is_primary=True)
    contact.refresh_from_db()
    assert new.is_primary and not contact.is_primary


def test_demoting_the_previous_primary_contact_is_audited(practitioner, contact):
    registry.contact_create(user=practitioner, vendor=contact.vendor, name="Kim",
                            email="kim@aurora.example", is_primary=True)
    demotion = AuditEntry.objects.get(object_type="VendorContact", object_id=str(contact.pk))
    assert (demotion.before, demotion.after) == ({"is_primary": True}, {"is_primary": False})


def test_a_new_secondary_contact_leaves_the_primary_alone(practitioner, contact):
    registry.contact_create(user=practitioner, vendor=contact.vendor, name="Kim",
                            email="kim@aurora.example", is_primary=False)
    contact.refresh_from_db()
    assert contact.is_primary


def test_another_vendors_primary_contact_is_untouched(practitioner, contact):
    other = Vendor.objects.create(name="Nova Bio")
    registry.contact_create(user=practitioner, vendor=other, name="Kim",
                            email="kim@nova.example", is_primary=True)
    contact.refresh_from_db()
    assert contact.is_primary


# contact_update

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_changes_a_contact(make_user, contact, role):
    registry.contact_update(user=make_user(role), contact=contact, phone="+1 555 0100")
    contact.refresh_from_db()
    assert contact.phone == "+1 555 0100"
    assert last_entry().after == {"phone": "+1 555 0100"}


def test_making_a_contact_primary_demotes_the_previous_primary(practitioner, contact):
    kim = VendorContact.objects.create(vendor=contact.vendor, name="Kim",
                                       email="kim@aurora.example")
    registry.contact_update(user=practitioner, contact=kim, is_primary=True)
    contact.refresh_from_db()
    kim.refresh_from_db()
    assert kim.is_primary and not contact.is_primary


def test_saving_the_primary_contact_as_primary_keeps_it_primary(practitioner, contact):
    registry.contact_update(user=practitioner, contact=contact, is_primary=True,
                            role="Head of Quality")
    contact.refresh_from_db()
    assert contact.is_primary and contact.role == "Head of Quality"


def test_contact_update_refuses_a_user_without_a_role(norole_user, contact):
    with pytest.raises(NotAllowed):
        registry.contact_update(user=norole_user, contact=contact, name="Changed")
    contact.refresh_from_db()
    assert contact.name == "Alex Aurora"
    assert not AuditEntry.objects.exists()


def test_contact_update_refuses_another_contacts_email(practitioner, contact):
    kim = VendorContact.objects.create(vendor=contact.vendor, name="Kim",
                                       email="kim@aurora.example")
    with pytest.raises(InvalidInput) as caught:
        registry.contact_update(user=practitioner, contact=kim, email="Alex@Aurora.example")
    assert caught.value.field == "email"
    kim.refresh_from_db()
    assert kim.email == "kim@aurora.example"
    assert not AuditEntry.objects.exists()


# product_create

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_registers_a_product(make_user, vendor, role):
    user = make_user(role)
    product = registry.product_create(user=user, vendor=vendor, name="Hair Booster",
                                      category="pdrn", form="hair_scalp")
    assert (product.vendor, product.created_by) == (vendor, user)
    assert last_entry().after == {"name": "Hair Booster", "category": "pdrn",
                                  "form": "hair_scalp"}


def test_product_create_refuses_a_user_without_a_role(norole_user, vendor):
    with pytest.raises(NotAllowed):
        registry.product_create(user=norole_user, vendor=vendor, name="Hair Booster",
                                category="pdrn", form="hair_scalp")
    assert not Product.objects.exists()
    assert not AuditEntry.objects.exists()


def test_product_create_refuses_a_duplicate_name_at_the_same_vendor(practitioner, product):
    with pytest.raises(InvalidInput) as caught:
        registry.product_create(user=practitioner, vendor=product.vendor,
                                name="glow EXOSOME serum", category="exosome_ev", form="topical")
    assert caught.value.field == "name"
    assert Product.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_product_create_allows_the_same_name_at_another_vendor(practitioner, product):
    other = Vendor.objects.create(name="Nova Bio")
    registry.product_create(user=practitioner, vendor=other, name=product.name,
                            category="exosome_ev", form="topical")
    assert Product.objects.count() == 2


def test_product_create_refuses_an_unknown_category(practitioner, vendor):
    with pytest.raises(InvalidInput) as caught:
        registry.product_create(user=practitioner, vendor=vendor, name="Hair Booster",
                                category="miracle", form="hair_scalp")
    assert caught.value.field == "category"
    assert not Product.objects.exists()


# product_update

@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_changes_a_product(make_user, product, role):
    registry.product_update(user=make_user(role), product=product, description="10 ml vial")
    product.refresh_from_db()
    assert product.description == "10 ml vial"


def test_product_update_audits_the_changed_fields(practitioner, product):
    registry.product_update(user=practitioner, product=product, form="injectable",
                            name=product.name)
    entry = last_entry()
    assert (entry.before, entry.after) == ({"form": "topical"}, {"form": "injectable"})


def test_category_and_form_do_not_change_apart_from_the_assessments_answers(practitioner,
                                                                              assessment):
    """They are answers 0.1 and 0.2: changed on the product alone, the register would show a
    category or form the assessment (or an approval) never covered."""
    product = assessment.product
    trail = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match="Set by answers 0.1 and 0.2") as refused:
        registry.product_update(user=practitioner, product=product, category="pdrn")
    assert refused.value.field == "category"
    product.refresh_from_db()
    assert product.category == "exosome_ev" and AuditEntry.objects.count() == trail
    # The name and description still change on the product.
    assert registry.product_update(user=practitioner, product=product,
                                   name="Glow Serum II").name == "Glow Serum II"


def test_answer_0_1_of_the_products_assessment_sets_its_category(practitioner, assessment):
    services.answer_set(assessment=assessment, question_id="0.1",
                        value={"category": "plant_vesicles"}, user=practitioner)
    product = assessment.product
    product.refresh_from_db()
    assert product.category == "plant_vesicles"
    entry = AuditEntry.objects.last()
    assert entry.summary == (f"Product {product.name}: category and form as answered in "
                             "assessment 1 (0.1, 0.2)")
    assert (entry.before, entry.after) == ({"category": "exosome_ev"},
                                           {"category": "plant_vesicles"})


def test_with_its_assessment_withdrawn_the_product_is_edited_again(practitioner, assessment):
    services.assessment_withdraw(user=practitioner, assessment=assessment, reason="duplicate")
    product = registry.product_update(user=practitioner, product=assessment.product,
                                      category="pdrn")
    assert product.category == "pdrn"


def test_product_update_refuses_a_user_without_a_role(norole_user, product):
    with pytest.raises(NotAllowed):
        registry.product_update(user=norole_user, product=product, name="Changed")
    product.refresh_from_db()
    assert product.name == "Glow Exosome Serum"
    assert not AuditEntry.objects.exists()


def test_product_update_refuses_a_sibling_products_name(practitioner, product):
    other = Product.objects.create(vendor=product.vendor, name="Hair Booster",
                                   category="pdrn", form="hair_scalp")
    with pytest.raises(InvalidInput) as caught:
        registry.product_update(user=practitioner, product=other, name="GLOW exosome serum")
    assert caught.value.field == "name"
    other.refresh_from_db()
    assert other.name == "Hair Booster"
    assert not AuditEntry.objects.exists()


def test_a_duplicate_that_slips_past_the_check_is_refused_by_the_database(
        practitioner, vendor, monkeypatch):
    # Two requests at once can both pass the check; the constraint then decides.
    monkeypatch.setattr(registry, "vendor_name_taken", lambda *args, **kwargs: False)
    with pytest.raises(InvalidInput) as caught:
        registry.vendor_create(user=practitioner, name="Aurora Regenerative Labs")
    assert caught.value.field == "name"
    assert Vendor.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_a_name_differing_only_in_spaces_is_the_same_name(practitioner):
    first = registry.vendor_create(user=practitioner, name="Meridian Cell Sciences")
    with pytest.raises(InvalidInput, match="already registered"):
        registry.vendor_create(user=practitioner, name=" Meridian   Cell  Sciences ")
    assert list(Vendor.objects.values_list("name", flat=True)) == [first.name]


@pytest.mark.parametrize("first, second", [
    ("Ärzte Labor GmbH", "ärzte labor gmbh"),  # SQLite's lower() knows ASCII only
    ("Straße Bio", "STRASSE BIO"),  # nobody's lower() folds ß
    ("STRASSE BIO", "Straße Bio"),
])
def test_names_equal_by_unicode_case_folding_are_duplicates(practitioner, first, second):
    registry.vendor_create(user=practitioner, name=first)
    with pytest.raises(InvalidInput, match="already registered"):
        registry.vendor_create(user=practitioner, name=second)
    assert Vendor.objects.count() == 1


def test_a_product_name_is_checked_the_same_way(practitioner, vendor):
    registry.product_create(user=practitioner, vendor=vendor, name="Crème Éclat",
                            category="exosome_ev", form="topical")
    with pytest.raises(InvalidInput, match="already has a product with this name"):
        registry.product_create(user=practitioner, vendor=vendor, name="CRÈME ÉCLAT",
                                category="exosome_ev", form="topical")


def test_sync_product_profiles_sets_a_drifted_product_from_its_assessment(practitioner,
                                                                          assessment, capsys):
    """A product edited apart from its assessment before the two were tied together."""
    from django.core.management import call_command

    Product.objects.filter(pk=assessment.product_id).update(category="pdrn")  # as before
    call_command("sync_product_profiles")
    product = Product.objects.get(pk=assessment.product_id)
    assert product.category == "exosome_ev"  # answer 0.1
    assert "Glow Exosome Serum: pdrn/topical -> exosome_ev/topical (assessment 1)" in (
        capsys.readouterr().out)
    assert AuditEntry.objects.last().actor_label == "sync_product_profiles"
    written = AuditEntry.objects.count()
    call_command("sync_product_profiles")  # again: nothing to change
    assert AuditEntry.objects.count() == written
