"""The vendor register: vendor and product lists, their pages, and their forms.

Each view: role check, access-checked getter, form, service, message, redirect.
Lists fetch what their rows show for the whole page at once, so the number of queries
does not depend on the number of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from vetting import services
from vetting.forms import registry as forms
from vetting.models import (
    OPEN_STATES,
    Assessment,
    AssessmentState,
    ChecklistVersion,
    Product,
    ProductCategory,
    ProductForm,
    Recommendation,
    Vendor,
)
from vetting.models.registry import folded
from vetting.permissions import STAFF_ROLES, role_required
from vetting.services import registry as registry_services
from vetting.services import standing as standing_services
from vetting.services.errors import InvalidState, ServiceError

from .access import get_contact, get_product, get_vendor

PAGE_SIZE = 25
NOT_ASSESSED = "none"


def paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _paginate_keys(request: HttpRequest, queryset: QuerySet) -> Page:
    """As paginate, for an ordered queryset with joins: the database sorts and skips index
    entries (the keys), then joins the rows of this page only. In one query it may join
    every matching row before sorting them."""
    page = Paginator(queryset.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page"))
    page.object_list = rows_in_order(queryset, list(page.object_list))
    return page


def rows_in_order(queryset: QuerySet, keys: list) -> list:
    """The queryset's rows with these keys, with its joins, in the keys' order (a row that
    changed since its key was read and no longer matches is left out)."""
    rows = queryset.order_by().in_bulk(keys) if keys else {}
    return [rows[key] for key in keys if key in rows]


def attach_standing(products: list[Product]) -> list[Product]:
    """Set `product.current` (its Standing) and `product.latest` (its newest assessment or
    None) on a page of products, in three queries for all."""
    standings = standing_services.standings_for(p.pk for p in products)
    for product in products:
        product.current = standings[product.pk]
        product.latest = product.current.newest
    return products


def attach_vendor_summary(vendors: list[Vendor]) -> list[Vendor]:
    """Set, on a page of vendors, `product_count`, `open_count` (open assessments),
    `standings` ([(label, badge, count)] by standing of their products) and
    `lots_on_hold`, in four queries for all."""
    owner = dict(Product.objects.filter(vendor_id__in=[v.pk for v in vendors]).order_by()
                 .values_list("pk", "vendor_id"))
    standings = standing_services.standings_for(owner)
    products, open_, held = Counter(owner.values()), Counter(), Counter()
    codes: dict[int, Counter] = {v.pk: Counter() for v in vendors}
    for product_id, vendor_id in owner.items():
        standing = standings[product_id]
        codes[vendor_id][standing.code] += 1
        open_[vendor_id] += standing.open_count
        held[vendor_id] += standing.lots_on_hold
    for vendor in vendors:
        vendor.product_count = products[vendor.pk]
        vendor.open_count = open_[vendor.pk]
        counts = codes[vendor.pk]
        vendor.standings = [(standing_services.LABEL[code], standing_services.BADGE[code],
                             counts[code]) for code in SHOWN_VENDOR_STANDINGS if counts[code]]
        vendor.lots_on_hold = held[vendor.pk]
    return vendors


# The standings a vendor row counts (not assessed / in progress are in the other columns).
SHOWN_VENDOR_STANDINGS = ("approved", "approved_with_conditions", "due_for_revetting",
                          "suspended", "rejected")


# Vendors

@require_GET
@role_required(*STAFF_ROLES)
def vendor_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    country = request.GET.get("country", "").strip()
    # Lower(name) is unique (vendor_name_unique_ci), so it orders completely on its own, and
    # the unfiltered register reads its pages from that index: a tie-breaker would make
    # PostgreSQL sort every row it skips.
    vendors = Vendor.objects.order_by(Lower("name"))
    if q:
        key = folded(q)
        vendors = vendors.filter(Q(search_name__contains=key) | Q(search_country__contains=key))
    if country:
        vendors = vendors.filter(country__iexact=country)
    countries = registry_services.vendor_countries()
    page = paginate(request, vendors)
    page.object_list = attach_vendor_summary(list(page.object_list))
    context = {"page": page, "q": q, "country": country, "countries": countries}
    return render(request, "vetting/registry/vendor_list.html", context)


@require_GET
@role_required(*STAFF_ROLES)
def vendor_detail(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_vendor(request.user, vendor_id)
    products = vendor.products.order_by(Lower("name"), "pk")
    history = (Assessment.objects.filter(product__vendor=vendor)
               .select_related("product", "decision").order_by("-created_at", "-pk"))
    context = {
        "vendor": vendor,
        "contacts": list(vendor.contacts.all()),
        "products": attach_standing(list(products)),
        "history": list(history),
    }
    return render(request, "vetting/registry/vendor_detail.html", context)


def _form_view(
    request: HttpRequest,
    form: ModelForm,
    save: Callable[..., object],
    *,
    title: str,
    cancel_url: str,
    success: Callable[[object], tuple[str, HttpResponse]],
) -> HttpResponse:
    """GET shows the form; a valid POST calls the service, then messages and redirects."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            message, response = success(saved)
            messages.success(request, message)
            return response
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, "vetting/registry/form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def vendor_create(request: HttpRequest) -> HttpResponse:
    return _form_view(
        request, forms.VendorForm(request.POST or None),
        registry_services.vendor_create, title="Register a vendor",
        cancel_url=reverse("vendor_list"),
        success=lambda v: (f"Vendor {v.name} registered.", redirect("vendor_detail", v.pk)),
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def vendor_edit(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_vendor(request.user, vendor_id)
    return _form_view(
        request, forms.VendorForm(request.POST or None, instance=vendor),
        lambda **kw: registry_services.vendor_update(vendor=vendor, **kw),
        title=f"Edit vendor {vendor.name}", cancel_url=reverse("vendor_detail", args=[vendor.pk]),
        success=lambda v: (f"Vendor {v.name} saved.", redirect("vendor_detail", v.pk)),
    )


# Contacts

@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def contact_create(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_vendor(request.user, vendor_id)
    return _form_view(
        request, forms.ContactForm(request.POST or None, vendor=vendor),
        lambda **kw: registry_services.contact_create(vendor=vendor, **kw),
        title=f"Add a contact at {vendor.name}",
        cancel_url=reverse("vendor_detail", args=[vendor.pk]),
        success=lambda c: (f"Contact {c.name} added.", redirect("vendor_detail", vendor.pk)),
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def contact_edit(request: HttpRequest, vendor_id: int, contact_id: int) -> HttpResponse:
    contact = get_contact(request.user, vendor_id, contact_id)
    vendor = get_vendor(request.user, vendor_id)
    return _form_view(
        request, forms.ContactForm(request.POST or None, instance=contact, vendor=vendor),
        lambda **kw: registry_services.contact_update(contact=contact, **kw),
        title=f"Edit contact {contact.name} at {vendor.name}",
        cancel_url=reverse("vendor_detail", args=[vendor.pk]),
        success=lambda c: (f"Contact {c.name} saved.", redirect("vendor_detail", vendor.pk)),
    )


# Products

def choice_param(request: HttpRequest, name: str, allowed: list[str]) -> str:
    """A query parameter's value if it is one of those allowed, else "" (no filter). An
    unknown value (an old bookmark, a typed address) is not applied, and the page says so:
    its filter shows "All" because the list is not filtered by it."""
    value = request.GET.get(name, "")
    if value in allowed:
        return value
    if value:
        messages.warning(request, f"The {name} “{value[:60]}” is not one this list knows: "
                                  f"the list is not filtered by {name}.")
    return ""


@require_GET
@role_required(*STAFF_ROLES)
def product_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    category = choice_param(request, "category", ProductCategory.values)
    form = choice_param(request, "form", ProductForm.values)
    standing = choice_param(request, "standing", [*AssessmentState.values, NOT_ASSESSED])
    recommendation = choice_param(request, "recommendation", Recommendation.values)
    # By name only (an index serves it); the vendor shows beside same-named products.
    products = Product.objects.select_related("vendor").order_by(Lower("name"), "pk")
    if q:
        key = folded(q)
        products = products.filter(Q(search_name__contains=key)
                                   | Q(vendor__search_name__contains=key))
    if category:
        products = products.filter(category=category)
    if form:
        products = products.filter(form=form)
    if standing == NOT_ASSESSED:
        products = products.filter(newest_assessment__isnull=True)
    elif standing:
        products = products.filter(newest_assessment__state=standing)
    if recommendation:
        products = products.filter(newest_assessment__recommendation=recommendation)
    page = paginate(request, products)
    page.object_list = attach_standing(list(page.object_list))
    context = {
        "page": page, "q": q, "category": category, "form": form, "standing": standing,
        "recommendation": recommendation,
        "categories": ProductCategory.choices, "forms": ProductForm.choices,
        "standings": [*AssessmentState.choices, (NOT_ASSESSED, "No assessment started")],
        "recommendations": Recommendation.choices,
    }
    return render(request, "vetting/registry/product_list.html", context)


# Assessments

OPEN = "open"
DUE = "due"
MINE = "me"


@require_GET
@role_required(*STAFF_ROLES)
def assessment_list(request: HttpRequest) -> HttpResponse:
    """Every assessment of the installation, most recently changed first; filtered by owner
    ("mine"), state (or every open state, or the approvals due for re-vetting, the earliest
    ended first) and recommendation. The dashboard's counts link here."""
    owner = choice_param(request, "owner", [MINE])
    state = choice_param(request, "state", [OPEN, DUE, *AssessmentState.values])
    recommendation = choice_param(request, "recommendation", Recommendation.values)
    if state == DUE:
        assessments = standing_services.revetting_due()
    else:
        assessments = (Assessment.objects.select_related("product__vendor", "created_by")
                       .order_by("-state_changed_at", "-pk"))
    if owner:
        assessments = assessments.filter(created_by=request.user)
    if state == OPEN:
        assessments = assessments.filter(state__in=OPEN_STATES)
    elif state and state != DUE:
        assessments = assessments.filter(state=state)
    if recommendation:
        assessments = assessments.filter(recommendation=recommendation)
    context = {
        "page": _paginate_keys(request, assessments), "owner": owner, "state": state,
        "recommendation": recommendation, "owners": [(MINE, "Me")],
        "states": [(OPEN, "Open (not yet decided)"), (DUE, "Due for re-vetting"),
                   *AssessmentState.choices],
        "recommendations": Recommendation.choices,
    }
    return render(request, "vetting/registry/assessment_list.html", context)


@require_GET
@role_required(*STAFF_ROLES)
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_product(request.user, product_id)
    assessments = (product.assessments.select_related("checklist_version", "created_by",
                                                      "decision").order_by("-number"))
    try:
        newest = services.newest_checklist_version()
    except InvalidState:
        newest = None
    today = services.clinic_today()
    current = standing_services.standing_of_product(product)
    lots = list(product.lots.select_related("decision__assessment")
                .order_by("-received_on", "-pk"))
    for lot in lots:
        lot.product_standing = current
    context = {
        "product": product,
        "standing": current,
        "lots": lots,
        "today": today,
        "assessments": list(assessments),
        "checklist_versions": list(ChecklistVersion.objects.order_by("-loaded_at")),
        "newest_version": newest,
    }
    # Re-vetting (pre-filled from the last assessment, linked to it) is shown above, and
    # offered while none is open: the plain start is then the empty one, and says so.
    context["revetting_due"] = (current.code in ("due_for_revetting", "suspended")
                                or current.expires_soon)
    context["revetting_offered"] = context["revetting_due"] and not current.open_id
    return render(request, "vetting/registry/product_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def product_create(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_vendor(request.user, vendor_id)
    return _form_view(
        request, forms.ProductForm(request.POST or None, vendor=vendor),
        lambda **kw: registry_services.product_create(vendor=vendor, **kw),
        title=f"Register a product of {vendor.name}",
        cancel_url=reverse("vendor_detail", args=[vendor.pk]),
        success=lambda p: (f"Product {p.name} registered.", redirect("product_detail", p.pk)),
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_product(request.user, product_id)
    title = f"Edit product {product.name} of {product.vendor.name}"
    return _form_view(
        request, forms.ProductForm(request.POST or None, instance=product,
                                   vendor=product.vendor),
        lambda **kw: registry_services.product_update(product=product, **kw),
        title=title, cancel_url=reverse("product_detail", args=[product.pk]),
        success=lambda p: (f"Product {p.name} saved.", redirect("product_detail", p.pk)),
    )
