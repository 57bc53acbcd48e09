"""The admin site: vendor register upkeep, and a read-only window on everything else.

Assessments, answers, evidence, submissions, checklist versions and the audit trail
change only through vetting.services, which check roles and states and write the
audit entry in the same transaction. The admin therefore shows them and changes
nothing: an edit here would be an unaudited edit of the record.
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.template.response import TemplateResponse

from vetting import (
    admin_accounts,  # noqa: F401  (the user admin, audited)
    services,
)
from vetting.forms.checklist import ReasonForm
from vetting.models import (
    Answer,
    Assessment,
    AuditChainHead,
    AuditEntry,
    ChecklistVersion,
    Decision,
    EvidenceDocument,
    ExpectedEvidence,
    Invitation,
    Lot,
    LotStatus,
    Product,
    Reminder,
    Report,
    SigningCertificate,
    Vendor,
    VendorContact,
    VendorSubmission,
    WorkerCheck,
)
from vetting.models.registry import folded
from vetting.permissions import ADMIN_ROLES, has_role
from vetting.services import registry, standing
from vetting.services.errors import ServiceError


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: no add, change or delete, whatever permissions the user holds.

    Without change permission Django shows every field read-only and refuses a
    POST to the change page with 403; without delete permission the delete page
    and the bulk delete action are refused too.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------- vendor register


class RegisterAdmin(admin.ModelAdmin):
    """Register records are saved through vetting.services.registry (checked and audited,
    like the app's own forms) and never deleted: assessments and the audit trail refer
    to them."""

    service_fields: tuple[str, ...] = ()

    def has_delete_permission(self, request, obj=None):
        return False

    def service_values(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in self.service_fields
                if name in form.cleaned_data}

    def save_model(self, request, obj, form, change):
        saved = self.service_save(request.user, obj, self.service_values(form), change)
        obj.pk, obj._state.adding = saved.pk, False
        obj.refresh_from_db()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save the services refuse (a locked category, a name taken under other spacing,
        an inline contact's e-mail) is rolled back whole by the view's transaction, and the
        page is shown again with what was typed and each reason next to its field."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as exc:
            request.refused_problems = exc.problems
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        problems = getattr(request, "refused_problems", None)
        if not problems:
            return form_class

        class Refused(form_class):
            def clean(self):
                cleaned = super().clean()
                for field, message in problems:  # an inline contact's: above the form
                    self.add_error(field if field in self.fields else None, message)
                return cleaned

        return Refused


class FoldedSearch:
    """Searches the case-folded copies of names and countries (`search_*`), as the
    registers do: "ärzte" finds "Ärzte" on SQLite too, and PostgreSQL's trigram index on
    them serves the search and the vendor autocomplete. Every search field of the admin
    using it must be such a copy, looked up with `__contains`."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, folded(search_term))


class VendorContactInline(admin.TabularInline):
    model = VendorContact
    extra = 0
    can_delete = False
    fields = ["name", "email", "phone", "role", "is_primary"]


APPROVED = ["approved", "approved_with_conditions"]
OPEN = ["draft", "awaiting_vendor", "vendor_submitted", "in_review", "information_requested"]


@admin.register(Vendor)
class VendorAdmin(FoldedSearch, RegisterAdmin):
    """The register with each vendor's standing: approvals, open cases, rejections."""

    list_display = ["name", "country", "product_count", "approved_count", "open_count",
                    "rejected_count", "suspended_count", "created_at"]
    search_fields = ["search_name__contains", "search_country__contains"]
    list_filter = ["country"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [VendorContactInline]
    # A website typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Explicit: the counts below group the rows, and a grouped query drops Meta.ordering
    # (the vendor autocomplete of the product and contact forms paged an unordered list).
    ordering = ["name"]

    def get_queryset(self, request):
        def states(names):
            return Count("products__assessments", distinct=True,
                         filter=Q(products__assessments__state__in=names))

        queryset = super().get_queryset(request)
        match = request.resolver_match
        if not (match and match.url_name == "vetting_vendor_changelist"):
            return queryset  # the counts are the list's columns: the autocomplete needs none
        return queryset.annotate(
            product_count=Count("products", distinct=True),
            approved_count=states(APPROVED), open_count=states(OPEN),
            rejected_count=states(["rejected"]), suspended_count=states(["suspended"]))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, obj: Vendor) -> int:
        return obj.product_count

    @admin.display(description="approved", ordering="approved_count")
    def approved_count(self, obj: Vendor) -> int:
        return obj.approved_count

    @admin.display(description="open assessments", ordering="open_count")
    def open_count(self, obj: Vendor) -> int:
        return obj.open_count

    @admin.display(description="rejections", ordering="rejected_count")
    def rejected_count(self, obj: Vendor) -> int:
        return obj.rejected_count

    @admin.display(description="suspensions", ordering="suspended_count")
    def suspended_count(self, obj: Vendor) -> int:
        return obj.suspended_count

    service_fields = registry.VENDOR_FIELDS

    def service_save(self, user, obj, values, change):
        if change:
            return registry.vendor_update(user=user, vendor=Vendor.objects.get(pk=obj.pk),
                                          **values)
        return registry.vendor_create(user=user, **values)

    def has_delete_permission(self, request, obj=None):
        """One at a time, from its page, and only before it has a product (a duplicate or a
        typo): registry.vendor_delete, audited."""
        return (obj is not None and not obj.products.exists()
                and has_role(request.user, ADMIN_ROLES))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        # Its contacts go with it (registry.vendor_delete): no permission of their own asked.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        registry.vendor_delete(user=request.user, vendor=obj)

    def save_formset(self, request, form, formset, change):
        """Contacts added or changed inline go through the contact services too."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            if not inline.has_changed() or not inline.is_valid():
                continue
            values = {name: inline.cleaned_data[name] for name in registry.CONTACT_FIELDS
                      if name in inline.cleaned_data}
            if inline.instance.pk:
                contact = registry.contact_update(user=request.user, contact=inline.instance,
                                                  **values)
                formset.changed_objects.append((contact, inline.changed_data))
            else:
                formset.new_objects.append(registry.contact_create(
                    user=request.user, vendor=form.instance, **values))


@admin.register(VendorContact)
class VendorContactAdmin(RegisterAdmin):
    list_display = ["name", "email", "vendor", "role", "is_primary"]
    list_select_related = ["vendor"]
    list_filter = ["is_primary"]
    search_fields = ["name", "email"]  # and the vendor's name, below
    autocomplete_fields = ["vendor"]
    readonly_fields = ["created_at"]
    service_fields = registry.CONTACT_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "vendor"] if obj else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """A contact's name or e-mail, or its vendor's name as the registers search it
        (case folded: "ärzte" finds the contacts of "Ärzte GmbH")."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(vendor__search_name__contains=folded(search_term))
        return found, duplicates

    def service_save(self, user, obj, values, change):
        if change:
            return registry.contact_update(user=user, contact=VendorContact.objects.get(
                pk=obj.pk), **values)
        return registry.contact_create(user=user, vendor=obj.vendor, **values)


@admin.register(Product)
class ProductAdmin(FoldedSearch, RegisterAdmin):
    list_display = ["name", "vendor", "category", "form", "assessment_count", "standing_label",
                    "lots_on_hold", "created_at"]
    list_select_related = ["vendor"]
    list_filter = ["category", "form", "vendor"]
    search_fields = ["search_name__contains", "vendor__search_name__contains"]
    autocomplete_fields = ["vendor"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def get_queryset(self, request):
        # Everything the standing needs, as subqueries: the changelist's query count
        # does not grow with its rows.
        current = (Assessment.objects.filter(product=OuterRef("pk"),
                                             state__in=standing.CURRENT_STATES)
                   .order_by("-number"))
        newest = Assessment.objects.filter(product=OuterRef("pk")).order_by("-number")
        return super().get_queryset(request).annotate(
            assessment_count=Count("assessments", distinct=True),
            current_state=Subquery(current.values("state")[:1]),
            current_until=Subquery(current.values("decision__valid_until")[:1]),
            current_certificate=Subquery(current.values("decision__certificate_expiry")[:1]),
            newest_state=Subquery(newest.values("state")[:1]),
            held_count=Count("lots", distinct=True, filter=Q(lots__status=LotStatus.ON_HOLD)),
        )

    @admin.display(description="standing")
    def standing_label(self, obj: Product) -> str:
        return standing.product_standing(
            current_state=obj.current_state, valid_until=obj.current_until,
            certificate_expiry=obj.current_certificate,
            newest_state=obj.newest_state, newest_id=0 if obj.newest_state else None,
            today=services.clinic_today()).label

    @admin.display(description="lots on hold", ordering="held_count")
    def lots_on_hold(self, obj: Product) -> int:
        return obj.held_count

    @admin.display(description="assessments", ordering="assessment_count")
    def assessment_count(self, obj: Product) -> int:
        return obj.assessment_count

    service_fields = registry.PRODUCT_FIELDS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # Set by answers 0.1 and 0.2 once assessed: shown, changed only there.
        locked = ["category", "form"] if registry.profile_locked(obj) else []
        return [*self.readonly_fields, "vendor", *locked]

    def service_save(self, user, obj, values, change):
        if change:
            values = {"category": obj.category, "form": obj.form, **values}  # when locked
            return registry.product_update(user=user, product=Product.objects.get(pk=obj.pk),
                                           **values)
        return registry.product_create(user=user, vendor=obj.vendor, **values)


# ---------------------------------------------------------------- checklists and assessments


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyAdmin):
    """A loaded version never changes; new versions come from `load_checklists`."""

    list_display = ["version", "title", "effective", "question_count", "sha256", "loaded_at"]
    search_fields = ["version", "title"]
    fields = ["version", "title", "effective", "file_name", "sha256", "loaded_at",
              "question_count", "source"]
    readonly_fields = ["question_count"]

    @admin.display(description="questions")
    def question_count(self, obj: ChecklistVersion) -> int:
        return len(obj.checklist.questions)  # parsed from the stored text, cached per process


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    """Started, moved between states and re-evaluated only by the services.

    Every field is read-only, not only the state and the computed ones: the reason
    for closing, the information request and the re-vetting link are part of the
    audited record too, and a full-row save from a form could write back a state
    a service changed in between.
    """

    list_display = ["__str__", "product", "vendor", "number", "state", "recommendation",
                    "red_count", "amber_count", "missing_count", "created_by",
                    "state_changed_at"]
    list_select_related = ["product__vendor", "created_by"]
    list_filter = ["state", "recommendation", "product__category"]
    search_fields = ["product__name", "product__vendor__name"]
    fields = ["product", "number", "checklist_version", "revets", "state", "state_changed_at",
              "recommendation", "red_count", "amber_count", "missing_count", "evaluated_at",
              "information_requested_from", "information_request_message", "closing_reason",
              "created_by", "created_at", "updated_at"]

    actions = ["suspend_approvals", "withdraw_assessments"]

    @admin.display(description="vendor", ordering="product__vendor__name")
    def vendor(self, obj: Assessment) -> Vendor:
        return obj.product.vendor

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # The read-only base hides actions with the delete permission; these two
        # go through the lifecycle services, which check the role and the state.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Suspend the selected approvals (reviewers)")
    def suspend_approvals(self, request, queryset):
        return self._with_reason(request, queryset, "suspend", services.assessment_suspend,
                                 "Suspend the selected approvals",
                                 "e.g. a new FDA warning letter, a recall, an adverse event")

    @admin.action(description="Withdraw the selected assessments")
    def withdraw_assessments(self, request, queryset):
        return self._with_reason(request, queryset, "withdraw", services.assessment_withdraw,
                                 "Withdraw the selected assessments",
                                 "why the clinic no longer vets these products")

    def _with_reason(self, request, queryset, action, service, title, hint):
        """Ask for the reason on an intermediate page, then call the service per row."""
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for assessment in queryset:
                try:
                    service(user=request.user, assessment=assessment,
                            reason=form.cleaned_data["reason"])
                    done += 1
                except ServiceError as exc:
                    self.message_user(request, f"{assessment}: {exc.message}", messages.ERROR)
            if done:
                self.message_user(request, f"{done} assessment(s): {action} done.",
                                  messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": title, "hint": hint,
                   "form": form, "queryset": queryset, "action": request.POST.get("action"),
                   "opts": self.model._meta,
                   "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)}
        return TemplateResponse(request, "admin/vetting/assessment_reason.html", context)


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["question_id", "assessment", "source", "answered_by_label", "answered_at"]
    list_select_related = ["assessment__product", "answered_by"]
    list_filter = ["source"]
    search_fields = ["question_id", "assessment__product__name"]
    fields = ["assessment", "question_id", "value", "source", "source_document",
              "answered_by", "answered_by_vendor", "answered_at"]

    @admin.display(description="answered by")
    def answered_by_label(self, obj: Answer) -> str:
        return obj.answered_by_label


@admin.register(EvidenceDocument)
class EvidenceDocumentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "assessment", "content_type", "size",
                    "uploader", "uploaded_at", "is_current"]
    list_select_related = ["assessment__product", "uploaded_by"]
    list_filter = ["is_current", "kind", "content_type"]
    search_fields = ["original_name", "sha256", "assessment__product__name"]
    # Not the file field: its widget links to the storage URL, and documents are
    # served only through the permission-checked view.
    fields = ["assessment", "question_ids", "kind", "original_name", "stored_as", "sha256",
              "size", "content_type", "uploader", "uploaded_at", "replaces", "is_current"]
    readonly_fields = ["stored_as", "uploader"]

    @admin.display(description="stored as")
    def stored_as(self, obj: EvidenceDocument) -> str:
        return obj.file.name

    @admin.display(description="uploaded by")
    def uploader(self, obj: EvidenceDocument) -> str:
        if obj.uploaded_by_id:
            return obj.uploaded_by.get_username()
        return obj.uploaded_by_vendor or "-"


@admin.register(ExpectedEvidence)
class ExpectedEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "question_id", "assessment", "sha256"]
    list_select_related = ["assessment__product"]
    list_filter = ["kind"]
    search_fields = ["name", "sha256", "assessment__product__name"]


@admin.register(VendorSubmission)
class VendorSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "assessment", "number", "submitted_by", "submitted_at"]
    list_select_related = ["assessment__product"]
    search_fields = ["submitted_by", "assessment__product__name"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """A signed decision never changes; its standing changes through the services."""

    list_display = ["__str__", "outcome", "signer_name", "signed_at", "valid_until",
                    "recommendation", "red_count"]
    list_select_related = ["assessment__product"]
    list_filter = ["outcome", "recommendation"]
    search_fields = ["assessment__product__name", "assessment__product__vendor__name",
                     "signer_name"]


# ---------------------------------------------------------------- audit trail


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Vendor portal links: sent, revoked and re-issued from the assessment page only."""

    list_display = ["__str__", "assessment", "contact", "status", "created_at", "expires_at"]
    list_select_related = ["assessment__product", "contact"]
    search_fields = ["contact__email", "contact__name", "assessment__product__name"]
    exclude = ["token_hash"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Issued reports never change; a failed one is retried from the assessment page."""

    list_display = ["identifier", "assessment", "status", "attempts", "issued_at", "sha256"]
    list_select_related = ["assessment__product"]
    list_filter = ["status"]
    search_fields = ["identifier", "product_name", "vendor_name", "sha256"]


@admin.register(SigningCertificate)
class SigningCertificateAdmin(ReadOnlyAdmin):
    """Every certificate this installation has signed with (kept after rotation)."""

    list_display = ["subject", "fingerprint_sha256", "not_before", "not_after", "first_used_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only: `verify_audit_trail` checks that nothing here was changed."""

    list_display = ["seq", "created_at", "actor_label", "event", "assessment", "summary"]
    list_select_related = ["assessment__product"]
    list_filter = ["event", "actor_kind"]
    search_fields = ["summary", "actor_label"]
    ordering = ["-seq"]
    fields = ["seq", "created_at", "actor_kind", "actor_user", "actor_label", "event",
              "assessment", "object_type", "object_id", "summary", "before", "after",
              "prev_hash", "hash"]

    def get_search_results(self, request, queryset, search_term):
        """Also a product's or a vendor's whole trail, its assessments' entries (found by
        the names' case-folded copies), not only the entries whose summary names it."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if term := folded(search_term.strip()):
            results |= queryset.filter(Q(assessment__product__search_name__contains=term)
                                       | Q(assessment__product__vendor__search_name__contains=term))
        return results, duplicates


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "last_seq", "last_hash"]


# ---------------------------------------------------------------- operations


@admin.register(WorkerCheck)
class WorkerCheckAdmin(admin.ModelAdmin):
    list_display = ["pk", "requested_by", "requested_at", "completed_at", "worker"]
    list_select_related = ["requested_by"]
    readonly_fields = ["requested_by", "requested_at", "completed_at", "worker"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------- lots and reminders


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    """Recorded, released and rejected only through vetting.services.lots (audited)."""

    list_display = ["lot_number", "product", "status", "received_on", "expiry_date",
                    "recorded_by", "resolved_by"]
    list_select_related = ["product__vendor", "recorded_by", "resolved_by"]
    list_filter = ["status", "sterility", "storage_on_arrival"]
    search_fields = ["lot_number", "coa_lot_number", "product__name", "product__vendor__name"]
    date_hierarchy = "received_on"
    fields = ["product", "decision", "lot_number", "coa_lot_number", "quantity", "received_on",
              "expiry_date", "storage_on_arrival", "coa_original_name", "coa_sha256", "coa_size",
              "coa_content_type", "endotoxin", "sterility", "particle_concentration",
              "particle_method", "size_mode", "status", "hold_reasons", "recorded_by",
              "recorded_at", "resolved_by", "resolved_at", "justification"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """The reminders sent; each (kind, object, days before) once."""

    list_display = ["kind", "object_id", "days_before", "due_on", "sent_at"]
    list_filter = ["kind", "days_before"]
