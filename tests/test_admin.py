"""The admin site: the vendor register is kept there; the record is only shown."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vetting.audit import Actor, audit_record
from vetting.models import (
    Answer,
    Assessment,
    AuditEntry,
    AuditEvent,
    ChecklistVersion,
    Decision,
    EvidenceDocument,
    ExpectedEvidence,
    Product,
    Vendor,
    VendorContact,
    VendorSubmission,
    WorkerCheck,
)

READ_ONLY_MODELS = ["checklistversion", "assessment", "answer", "evidencedocument",
                    "expectedevidence", "vendorsubmission", "decision", "auditentry",
                    "auditchainhead"]


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:vetting_{model}_{view}", args=args)


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


# ---------------------------------------------------------------- rows for the lists


class Rows:
    """Makes n more rows of one model, each with its own vendor, product and assessment,
    so that a list making one query per row shows up in the query count."""

    def __init__(self, checklist_version: ChecklistVersion, user) -> None:
        self.checklist_version, self.user, self.n = checklist_version, user, 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def vendor(self) -> Vendor:
        i = self._next()
        vendor = Vendor.objects.create(name=f"Vendor {i}", country=f"Country {i}")
        VendorContact.objects.create(vendor=vendor, name=f"Contact {i}",
                                     email=f"c{i}@vendor.example", is_primary=True)
        Product.objects.create(vendor=vendor, name=f"Product {i}", category="pdrn",
                               form="topical")
        return vendor

    def vendorcontact(self) -> VendorContact:
        return self.vendor().contacts.get()

    def product(self) -> Product:
        return self.vendor().products.get()

    def assessment(self) -> Assessment:
        return Assessment.objects.create(product=self.product(), number=1,
                                         checklist_version=self.checklist_version,
                                         created_by=self.user)

    def checklistversion(self) -> ChecklistVersion:
        i = self._next() + 1
        source = self.checklist_version.source.replace('version: "1"', f'version: "{i}"', 1)
        return ChecklistVersion.objects.create(
            version=str(i), title=f"Version {i}", effective=self.checklist_version.effective,
            sha256=f"{i:064x}", source=source, file_name=f"v{i}.yaml")

    def answer(self) -> Answer:
        return Answer.objects.create(assessment=self.assessment(), question_id="0.3",
                                     value={"sterile": "yes"}, source="practitioner",
                                     answered_by=self.user, answered_at=timezone.now())

    def evidencedocument(self) -> EvidenceDocument:
        assessment = self.assessment()
        return EvidenceDocument.objects.create(
            assessment=assessment, question_ids=["2.2"], kind="gmp_certificate",
            file=f"evidence/{assessment.pk}/0123abcd", original_name="gmp.pdf",
            sha256="a" * 64, size=100, content_type="application/pdf", uploaded_by=self.user)

    def expectedevidence(self) -> ExpectedEvidence:
        return ExpectedEvidence.objects.create(assessment=self.assessment(), question_id="2.2",
                                               name="gmp.pdf", kind="gmp_certificate",
                                               sha256="b" * 64)

    def vendorsubmission(self) -> VendorSubmission:
        return VendorSubmission.objects.create(assessment=self.assessment(), number=1,
                                               submitted_by="qa@vendor.example",
                                               answers={}, evidence=[])

    def decision(self) -> Decision:
        assessment = self.assessment()
        return Decision.objects.create(
            assessment=assessment, outcome="rejected", recommendation="do_not_approve",
            red_count=2, amber_count=1, missing_count=0, signed_by=self.user,
            signer_name="Rui Reviewer", signer_role="Medical director",
            signed_at=timezone.now(), meaning="I reviewed and decided.",
            content_sha256="c" * 64)

    def auditentry(self) -> AuditEntry:
        assessment = self.assessment()
        return audit_record(actor=Actor.for_user(self.user), event=AuditEvent.STATE_CHANGE,
                            assessment=assessment, obj=assessment, summary="Started")

    def workercheck(self) -> WorkerCheck:
        self._next()
        return WorkerCheck.objects.create(requested_by=self.user)

    def make(self, model: str, count: int) -> None:
        factory: Callable = getattr(self, model)
        for _ in range(count):
            factory()


@pytest.fixture
def rows(checklist_version, practitioner) -> Rows:
    return Rows(checklist_version, practitioner)


def changelist_queries(client, model: str) -> tuple[int, int]:
    """(queries, rows shown) for one changelist request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return len(queries), response.context["cl"].result_count


# ---------------------------------------------------------------- lists


LIST_MODELS = ["vendor", "vendorcontact", "product", "checklistversion", "assessment", "answer",
               "evidencedocument", "expectedevidence", "vendorsubmission", "decision",
               "auditentry", "workercheck"]


@pytest.mark.parametrize("model", LIST_MODELS)
def test_each_list_makes_the_same_number_of_queries_for_3_and_10_rows(model, admin_client, rows):
    rows.make(model, 3)
    admin_client.get(url(model, "changelist"))  # first request warms caches
    few, shown_few = changelist_queries(admin_client, model)
    rows.make(model, 7)
    many, shown_many = changelist_queries(admin_client, model)
    assert shown_many - shown_few == 7
    assert many == few


def test_the_chain_head_list_loads(admin_client, checklist_version):
    response = admin_client.get(url("auditchainhead", "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_the_admin_index_lists_every_model(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    for model in [*LIST_MODELS, "auditchainhead"]:
        assert url(model, "changelist") in response.content.decode()


def test_the_assessment_list_shows_the_computed_columns(admin_client, assessment):
    response = admin_client.get(url("assessment", "changelist"))
    content = response.content.decode()
    for column in ("column-state", "column-recommendation", "column-red_count",
                   "column-amber_count", "column-missing_count", "column-vendor"):
        assert column in content
    assert assessment.product.vendor.name in content


def test_the_assessment_list_filters_by_product_category(admin_client, rows):
    rows.make("assessment", 2)
    Product.objects.filter(name="Product 1").update(category="exosome_ev")
    response = admin_client.get(url("assessment", "changelist"),
                                {"product__category": "exosome_ev"})
    assert [a.product.name for a in response.context["cl"].result_list] == ["Product 1"]


def test_the_assessment_list_searches_vendor_names(admin_client, rows):
    rows.make("assessment", 2)
    response = admin_client.get(url("assessment", "changelist"), {"q": "Vendor 2"})
    assert [a.product.vendor.name for a in response.context["cl"].result_list] == ["Vendor 2"]


def test_the_vendor_and_product_lists_search_names_case_folded(admin_client, rows):
    """As the registers do: "ärzte" finds "Ärzte" (SQLite's LIKE folds ASCII only), and
    the vendor autocomplete of the product and contact forms alike."""
    vendor = Vendor.objects.create(name="Ärzte Labor GmbH", country="Österreich")
    rows.vendor()
    Product.objects.create(vendor=vendor, name="STRAẞE Serum", category="pdrn", form="topical")
    found = admin_client.get(url("vendor", "changelist"), {"q": "ärzte"}).context["cl"]
    assert [v.name for v in found.result_list] == ["Ärzte Labor GmbH"]
    found = admin_client.get(url("vendor", "changelist"), {"q": "ÖSTERREICH"}).context["cl"]
    assert [v.name for v in found.result_list] == ["Ärzte Labor GmbH"]
    found = admin_client.get(url("product", "changelist"), {"q": "strasse ärzte"}).context["cl"]
    assert [p.name for p in found.result_list] == ["STRAẞE Serum"]
    response = admin_client.get(reverse("admin:autocomplete"), {
        "term": "ÄRZTE", "app_label": "vetting", "model_name": "product",
        "field_name": "vendor"})
    assert [r["text"] for r in response.json()["results"]] == ["Ärzte Labor GmbH"]
    contact = VendorContact.objects.create(vendor=vendor, name="Eva Lind", email="eva@a.example")
    VendorContact.objects.create(vendor=rows.vendor(), name="Other", email="o@b.example")
    for q in ["ärzte", "EVA", "eva@a."]:
        found = admin_client.get(url("vendorcontact", "changelist"), {"q": q}).context["cl"]
        assert list(found.result_list) == [contact], q


def test_the_vendor_list_counts_products(admin_client, rows):
    vendor = rows.vendor()
    Product.objects.create(vendor=vendor, name="Second", category="pdrn", form="topical")
    response = admin_client.get(url("vendor", "changelist"))
    [row] = response.context["cl"].result_list
    assert row.product_count == 2


def test_the_audit_list_searches_summaries(admin_client, assessment):
    response = admin_client.get(url("auditentry", "changelist"), {"q": "answered"})
    summaries = [e.summary for e in response.context["cl"].result_list]
    assert summaries and all("answered" in s for s in summaries)


@pytest.mark.parametrize("term", ["Glow EXOSOME", "aurora regenerative"])
def test_the_audit_list_finds_a_products_or_vendors_whole_trail(admin_client, assessment,
                                                               practitioner, term):
    from vetting import services

    services.answer_set(assessment=assessment, question_id="5.1", user=practitioner,
                        value={"route": "intact_skin"}, source="import")
    ours = set(AuditEntry.objects.filter(assessment=assessment).values_list("seq", flat=True))
    assert any("Glow" not in e.summary for e in AuditEntry.objects.filter(seq__in=ours))
    response = admin_client.get(url("auditentry", "changelist"), {"q": term})
    assert {e.seq for e in response.context["cl"].result_list} >= ours


def test_the_checklist_version_list_counts_questions(admin_client, checklist_version):
    response = admin_client.get(url("checklistversion", "changelist"))
    assert response.status_code == 200
    expected = len(checklist_version.checklist.questions)
    assert f'<td class="field-question_count">{expected}</td>' in response.content.decode()


# ---------------------------------------------------------------- the record cannot be changed


def test_an_audit_entry_page_shows_the_entry(admin_client, assessment):
    entry = AuditEntry.objects.order_by("seq").last()
    response = admin_client.get(url("auditentry", "change", entry.pk))
    assert response.status_code == 200
    assert entry.hash in response.content.decode()
    assert 'name="summary"' not in response.content.decode()


def test_an_audit_entry_cannot_be_saved(admin_client, assessment):
    entry = AuditEntry.objects.order_by("seq").last()
    response = admin_client.post(url("auditentry", "change", entry.pk),
                                 {"summary": "rewritten", "actor_label": "someone"})
    assert response.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).summary == entry.summary


def test_an_audit_entry_cannot_be_deleted(admin_client, assessment):
    entry = AuditEntry.objects.order_by("seq").last()
    assert admin_client.get(url("auditentry", "delete", entry.pk)).status_code == 403
    response = admin_client.post(url("auditentry", "delete", entry.pk), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_bulk_delete_action_is_not_offered_for_audit_entries(admin_client, assessment):
    count = AuditEntry.objects.count()
    response = admin_client.post(url("auditentry", "changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": list(AuditEntry.objects.values_list("pk", flat=True)),
    })
    assert response.status_code in (200, 302)
    assert AuditEntry.objects.count() == count


def test_a_checklist_version_cannot_be_saved(admin_client, checklist_version):
    response = admin_client.post(url("checklistversion", "change", checklist_version.pk), {
        "version": "1", "title": "Rewritten", "effective": "2020-01-01",
        "sha256": "0" * 64, "source": "version: '1'", "file_name": "v1.yaml"})
    assert response.status_code == 403
    stored = ChecklistVersion.objects.get(pk=checklist_version.pk)
    assert (stored.title, stored.sha256, stored.source) == (
        checklist_version.title, checklist_version.sha256, checklist_version.source)


def test_a_checklist_version_cannot_be_deleted(admin_client, checklist_version):
    response = admin_client.post(url("checklistversion", "delete", checklist_version.pk),
                                 {"post": "yes"})
    assert response.status_code == 403
    assert ChecklistVersion.objects.filter(pk=checklist_version.pk).exists()


@pytest.mark.parametrize("model", READ_ONLY_MODELS)
def test_the_record_cannot_be_added_in_the_admin(model, admin_client, checklist_version):
    assert admin_client.get(url(model, "add")).status_code == 403


def test_posting_an_assessment_add_form_creates_nothing(admin_client, rows):
    product = rows.product()
    response = admin_client.post(url("assessment", "add"), {
        "product": product.pk, "checklist_version": rows.checklist_version.pk, "number": 1,
        "state": "approved", "created_by": rows.user.pk})
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_the_assessment_page_has_no_editable_state(admin_client, assessment):
    response = admin_client.get(url("assessment", "change", assessment.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="state"' not in content
    assert 'name="recommendation"' not in content
    assert 'name="red_count"' not in content


def test_posting_a_state_to_an_assessment_does_not_change_it(admin_client, assessment):
    response = admin_client.post(url("assessment", "change", assessment.pk), {
        "state": "approved", "recommendation": "no_objections", "red_count": 0,
        "number": 7, "closing_reason": "rewritten"})
    assert response.status_code == 403
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.state, stored.recommendation, stored.number, stored.closing_reason) == (
        assessment.state, assessment.recommendation, assessment.number, "")


@pytest.mark.parametrize("model", ["evidencedocument", "vendorsubmission", "answer", "decision"])
def test_evidence_submissions_answers_and_decisions_cannot_be_deleted(model, admin_client, rows):
    row = getattr(rows, model)()
    response = admin_client.post(url(model, "delete", row.pk), {"post": "yes"})
    assert response.status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", ["answer", "evidencedocument", "expectedevidence",
                                   "vendorsubmission", "decision"])
def test_the_record_pages_show_but_refuse_a_save(model, admin_client, rows):
    row = getattr(rows, model)()
    assert admin_client.get(url(model, "change", row.pk)).status_code == 200
    response = admin_client.post(url(model, "change", row.pk), {"kind": "other"})
    assert response.status_code == 403


def test_the_evidence_page_does_not_link_to_the_stored_file(admin_client, rows):
    document = rows.evidencedocument()
    response = admin_client.get(url("evidencedocument", "change", document.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert document.file.name in content  # shown as text
    assert f'href="{document.file.url}"' not in content


# ---------------------------------------------------------------- the vendor register


def test_an_admin_adds_a_vendor_with_a_contact(admin_client, admin_user):
    response = admin_client.post(url("vendor", "add"), {
        "name": "Hanbit Regenerative", "country": "South Korea", "website": "", "address": "",
        "notes": "",
        "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Min-ji Park", "contacts-0-email": "qa@hanbit.example",
        "contacts-0-is_primary": "on",
    })
    assert response.status_code == 302
    vendor = Vendor.objects.get(name="Hanbit Regenerative")
    assert vendor.created_by == admin_user
    assert vendor.contacts.get().email == "qa@hanbit.example"


def test_an_admin_changes_a_product(admin_client, product):
    response = admin_client.post(url("product", "change", product.pk), {
        "vendor": product.vendor.pk, "name": "Glow Serum", "category": "exosome_ev",
        "form": "topical", "description": "Renamed by the vendor"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Glow Serum"


def test_a_refused_product_change_is_shown_at_its_field_not_a_server_error(admin_client,
                                                                          product):
    """The services' own checks (here a name taken under other spacing, which the database's
    case-only constraint lets through) come back as the app's forms show them."""
    other = Product.objects.create(vendor=product.vendor, name="Other Serum",
                                   category="exosome_ev", form="topical")
    entries = AuditEntry.objects.count()
    response = admin_client.post(url("product", "change", other.pk), {
        "name": "Glow  Exosome Serum", "category": "exosome_ev", "form": "topical",
        "description": "typed and kept"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "This vendor already has a product with this name."]
    assert "typed and kept" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Other Serum" and AuditEntry.objects.count() == entries


def test_a_refused_vendor_with_contacts_writes_nothing(admin_client, vendor):
    entries = AuditEntry.objects.count()
    response = admin_client.post(url("vendor", "add"), {
        "name": "AURORA  Regenerative   Labs ", "country": "", "website": "", "address": "",
        "notes": "", "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Min-ji Park", "contacts-0-email": "qa@aurora.example"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "A vendor with this name is already registered."]
    assert Vendor.objects.count() == 1 and not VendorContact.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_a_duplicate_differing_in_case_reads_as_a_sentence_not_a_constraint(admin_client,
                                                                            vendor):
    response = admin_client.post(url("vendor", "add"), {
        "name": "aurora regenerative labs", "country": "", "website": "", "address": "",
        "notes": "", "contacts-TOTAL_FORMS": "0", "contacts-INITIAL_FORMS": "0"})
    page = response.content.decode()
    assert response.status_code == 200 and "Constraint" not in page
    assert "A vendor with this name is already registered." in page
    assert Vendor.objects.count() == 1


def test_an_assessed_products_category_and_form_are_shown_not_offered(admin_client,
                                                                      assessment):
    product = assessment.product
    page = admin_client.get(url("product", "change", product.pk)).content.decode()
    assert 'name="category"' not in page and 'name="form"' not in page
    response = admin_client.post(url("product", "change", product.pk), {
        "name": "Glow Serum", "category": "pdrn", "form": "injectable", "description": ""})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.category, product.form) == (
        "Glow Serum", "exosome_ev", "topical")


# ---------------------------------------------------------------- who may enter


def test_a_practitioner_is_sent_to_the_admin_login(client_for, practitioner):
    client = client_for(practitioner)
    response = client.get(url("auditentry", "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client_for, db):
    response = client_for(None).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_the_admin_role_cannot_see_the_record(client_for, make_user, assessment):
    client = client_for(make_user("reviewer", is_staff=True))
    assert client.get(url("auditentry", "changelist")).status_code == 403
    assert client.get(url("assessment", "change", assessment.pk)).status_code == 403


# ---------------------------------------------------------------- a vendor registered by mistake


def test_a_vendor_without_products_is_deleted_from_its_page_and_audited(admin_client,
                                                                        admin_user):
    duplicate = Vendor.objects.create(name="Aurora Regenerative Labs Inc.")
    VendorContact.objects.create(vendor=duplicate, name="Vera", email="vera@aurora.example")
    page = admin_client.get(url("vendor", "delete", duplicate.pk))
    assert page.status_code == 200 and "Are you sure" in page.content.decode()
    response = admin_client.post(url("vendor", "delete", duplicate.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Vendor.objects.filter(pk=duplicate.pk).exists()
    assert not VendorContact.objects.exists()
    entry = AuditEntry.objects.last()
    assert entry.summary == "Vendor Aurora Regenerative Labs Inc. deleted (it had no product)"
    assert entry.actor_user == admin_user
    assert entry.before["contacts"] == ["vera@aurora.example"]


def test_a_vendor_with_a_product_is_kept(admin_client, product):
    entries = AuditEntry.objects.count()
    assert admin_client.get(url("vendor", "delete", product.vendor_id)).status_code == 403
    assert admin_client.post(url("vendor", "delete", product.vendor_id),
                             {"post": "yes"}).status_code == 403
    assert Vendor.objects.filter(pk=product.vendor_id).exists()
    assert AuditEntry.objects.count() == entries


def test_vendors_are_never_deleted_in_bulk(admin_client, vendor):
    page = admin_client.get(url("vendor", "changelist")).content.decode()
    assert "delete_selected" not in page
    response = admin_client.post(url("vendor", "changelist"), {
        "action": "delete_selected", "_selected_action": [vendor.pk], "post": "yes"})
    assert Vendor.objects.filter(pk=vendor.pk).exists()
    assert response.status_code in (200, 302)


def test_the_service_keeps_a_vendor_with_products_and_refuses_other_roles(product,
                                                                          practitioner):
    from vetting.services import registry
    from vetting.services.errors import InvalidState, NotAllowed

    with pytest.raises(NotAllowed):
        registry.vendor_delete(user=practitioner, vendor=product.vendor)
    admin = type(practitioner).objects.create_user("adm2")
    from django.contrib.auth.models import Group

    admin.groups.add(Group.objects.get(name="admin"))
    with pytest.raises(InvalidState, match="has products, and is kept"):
        registry.vendor_delete(user=admin, vendor=product.vendor)
    assert Vendor.objects.filter(pk=product.vendor_id).exists()
