"""Access-checked getters: the first thing every view calls (design/style.md, item 2).

Staff roles (practitioner, reviewer, admin) see every record of the installation;
anyone else has already been refused by `role_required`. An object reached through
the wrong parent is a 404, never a 403 that would reveal that it exists.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from vetting.models import Assessment, EvidenceDocument, Product, Vendor, VendorContact
from vetting.permissions import STAFF_ROLES, has_role


def _require_staff(user) -> None:
    from django.http import Http404

    if not has_role(user, STAFF_ROLES):
        raise Http404


def get_vendor(user, vendor_id: int) -> Vendor:
    _require_staff(user)
    return get_object_or_404(Vendor, pk=vendor_id)


def get_contact(user, vendor_id: int, contact_id: int) -> VendorContact:
    _require_staff(user)
    return get_object_or_404(VendorContact, pk=contact_id, vendor_id=vendor_id)


def get_product(user, product_id: int) -> Product:
    _require_staff(user)
    return get_object_or_404(Product.objects.select_related("vendor"), pk=product_id)


def get_assessment(user, assessment_id: int, *, with_decision: bool = False) -> Assessment:
    """The assessment with its product, vendor, checklist version and creator; with its
    decision too for the pages that show it (the summary and the review page). Elsewhere
    `assessment.decision` is read when used: every table joined here costs PostgreSQL
    planning time (half a millisecond for the decision's)."""
    _require_staff(user)
    related = ["product__vendor", "checklist_version", "created_by"]
    if with_decision:
        related.append("decision")
    queryset = Assessment.objects.select_related(*related).defer(
        "checklist_version__source")  # 50 kB, parsed once per process (ChecklistVersion)
    return get_object_or_404(queryset, pk=assessment_id)


def get_document(user, assessment_id: int, document_id: int) -> EvidenceDocument:
    _require_staff(user)
    return get_object_or_404(EvidenceDocument, pk=document_id, assessment_id=assessment_id)


def get_lot(user, lot_id: int):
    from vetting.models import Lot

    _require_staff(user)
    queryset = Lot.objects.select_related("product__vendor", "decision__assessment",
                                          "recorded_by", "resolved_by")
    return get_object_or_404(queryset, pk=lot_id)
