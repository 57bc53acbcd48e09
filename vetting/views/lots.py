"""Lots received (record, page, release, reject, CoA), re-vetting, and the register's CSV."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vetting import services
from vetting.forms.lots import LotForm, LotRejectForm, LotReleaseForm
from vetting.lots_rules import spec_rows
from vetting.models import USABLE_LOT_STATUSES, Lot, LotStatus, Product
from vetting.permissions import REVIEWER_ROLES, STAFF_ROLES, has_role, role_required
from vetting.services import lots as lot_services
from vetting.services import revetting, standing
from vetting.services.errors import ServiceError

from .access import get_lot, get_product
from .files import stored_file_response
from .registry import choice_param, paginate


def _form_error(form, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _refusal(request, form, lot, exc: ServiceError) -> None:
    """A refused release or rejection: at its form, or in the banner when the lot is no
    longer on hold (resolved meanwhile, e.g. in another tab) and the page offers no form."""
    lot.refresh_from_db(fields=["status"])
    if lot.status == "on_hold":
        _form_error(form, exc)
    else:
        messages.error(request, exc.message)


@require_GET
@role_required(*STAFF_ROLES)
def lot_list(request: HttpRequest) -> HttpResponse:
    """Every lot received, the newest first; on hold: the one held longest first (as the
    dashboard lists them)."""
    status = choice_param(request, "status", LotStatus.values)
    today = services.clinic_today()
    if status == LotStatus.ON_HOLD:
        lots = standing.lots_on_hold()
    else:
        lots = Lot.objects.select_related("product__vendor").order_by("-received_on", "-pk")
        lots = lots.filter(status=status) if status else lots
    if status in USABLE_LOT_STATUSES:  # and still to be used: unexpired, of a product in use
        lots = lots.filter(standing.products_in_use_q(today), expiry_date__gte=today)
    page = paginate(request, lots)
    page.object_list = standing.with_product_standing(list(page.object_list), today=today)
    context = {"page": page, "status": status, "statuses": LotStatus.choices, "today": today}
    return render(request, "vetting/lots/list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def lot_create(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_product(request.user, product_id)
    decision = lot_services.current_decision(product)
    form = LotForm(request.POST or None, request.FILES or None,
                   initial={"received_on": timezone.localdate()})
    if decision is None:  # nothing to record a lot against: the page says so, once
        return render(request, "vetting/lots/form.html",
                      {"form": form, "product": product, "decision": None,
                       "standing": standing.standing_of_product(product)},
                      status=400 if request.method == "POST" else 200)
    if request.method == "POST" and form.is_valid():
        try:
            lot = lot_services.lot_record(user=request.user, product=product,
                                          upload=form.cleaned_data["coa"], **form.values())
        except ServiceError as exc:
            for field, message in exc.problems:  # "file": the upload's content, size or type
                field = "coa" if field == "file" else field
                form.add_error(field if field in form.fields else None, message)
        else:
            if lot.status == "on_hold":
                messages.warning(request, f"Lot {lot.lot_number} is on hold: a reviewer "
                                          "releases or rejects it.")
            else:
                messages.success(request, f"Lot {lot.lot_number} recorded: usable.")
            return redirect("lot_detail", lot.pk)
    if request.method == "POST" and request.FILES.get("coa") and "coa" not in form.errors:
        # A browser does not keep a chosen file when the form comes back: say so at the field.
        form.add_error("coa", "Nothing was recorded: choose the certificate of analysis again.")
    context = {"form": form, "product": product, "decision": decision,
               "standing": standing.standing_of_product(product),
               "spec_rows": spec_rows(decision.approved_spec) if decision else []}
    return render(request, "vetting/lots/form.html", context,
                  status=400 if request.method == "POST" else 200)


def _detail(request: HttpRequest, lot, *, release_form=None, reject_form=None, status=200):
    may_resolve = lot.status == "on_hold" and has_role(request.user, REVIEWER_ROLES)
    standing.with_product_standing([lot])
    context = {
        "lot": lot, "product": lot.product,
        "rows": spec_rows(lot.decision.approved_spec, {
            "endotoxin": lot.endotoxin, "particle_concentration": lot.particle_concentration,
            "size_mode": lot.size_mode, "sterility_label": lot.get_sterility_display(),
            "particle_method_label": lot.get_particle_method_display()
            if lot.particle_method else ""}),
        "expired": lot.expiry_date < services.clinic_today(),
        "may_resolve": may_resolve,
        "release_refused": lot_services.release_refusal(lot) if may_resolve else None,
        "release_form": release_form or LotReleaseForm(prefix="release"),
        "reject_form": reject_form or LotRejectForm(prefix="reject"),
    }
    return render(request, "vetting/lots/detail.html", context, status=status)


@require_GET
@role_required(*STAFF_ROLES)
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    return _detail(request, get_lot(request.user, lot_id))


@require_POST
@role_required(*REVIEWER_ROLES)
def lot_release(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = get_lot(request.user, lot_id)
    form = LotReleaseForm(request.POST, prefix="release")
    if form.is_valid():
        try:
            lot_services.lot_release(user=request.user, lot=lot, **form.cleaned_data)
        except ServiceError as exc:
            _refusal(request, form, lot, exc)
        else:
            messages.success(request, f"Lot {lot.lot_number} released for use.")
            return redirect("lot_detail", lot.pk)
    return _detail(request, lot, release_form=form, status=400)


@require_POST
@role_required(*REVIEWER_ROLES)
def lot_reject(request: HttpRequest, lot_id: int) -> HttpResponse:
    lot = get_lot(request.user, lot_id)
    form = LotRejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            lot_services.lot_reject(user=request.user, lot=lot, **form.cleaned_data)
        except ServiceError as exc:
            _refusal(request, form, lot, exc)
        else:
            messages.success(request, f"Lot {lot.lot_number} rejected: it is not to be used.")
            return redirect("lot_detail", lot.pk)
    return _detail(request, lot, reject_form=form, status=400)


@require_GET
@role_required(*STAFF_ROLES)
def lot_coa(request: HttpRequest, lot_id: int) -> FileResponse:
    lot = get_lot(request.user, lot_id)
    lot_services.lot_coa_download_record(user=request.user, lot=lot)
    return stored_file_response(request, lot.coa_file, filename=lot.coa_original_name,
                                content_type=lot.coa_content_type)


@require_POST
@role_required(*STAFF_ROLES)
def revetting_create(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_product(request.user, product_id)
    try:
        assessment = revetting.revetting_start(user=request.user, product=product)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("product_detail", product.pk)
    messages.success(request, f"Re-vetting started: assessment {assessment.number}, pre-filled "
                              "from the last one. Confirm each carried-over answer.")
    return redirect("assessment_detail", assessment.pk)


# The register as CSV

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with =, +, -, @, tab
    or carriage return gets a leading single quote (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


CSV_HEADER = ["vendor", "product", "category", "form", "standing", "approved until",
              "due for re-vetting because", "lots on hold", "latest assessment"]
CSV_BATCH = 500


@require_GET
@role_required(*STAFF_ROLES)
def product_export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="products-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    products = Product.objects.select_related("vendor").order_by(
        Lower("vendor__name"), Lower("name"), "pk")
    today = timezone.localdate()
    rows = list(products)
    for start in range(0, len(rows), CSV_BATCH):  # a fixed number of queries per batch
        batch = rows[start:start + CSV_BATCH]
        standings = standing.standings_for((p.pk for p in batch), today=today)
        for p in batch:
            s = standings[p.pk]
            writer.writerow([csv_cell(v) for v in (
                p.vendor.name, p.name, p.get_category_display(), p.get_form_display(),
                standing.LABEL[s.code], s.until.isoformat() if s.until else "",
                " ".join(s.reasons), s.lots_on_hold,
                s.newest.get_state_display() if s.newest else "")])
    return response
