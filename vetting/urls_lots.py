"""Lots received, re-vetting and the register export (vetting/views/lots.py)."""

from django.urls import path

from vetting.views import lots

urlpatterns = [
    path("products/export.csv", lots.product_export_csv, name="product_export_csv"),
    path("products/<int:product_id>/lots/new/", lots.lot_create, name="lot_create"),
    path("products/<int:product_id>/revetting/", lots.revetting_create, name="revetting_create"),
    path("lots/", lots.lot_list, name="lot_list"),
    path("lots/<int:lot_id>/", lots.lot_detail, name="lot_detail"),
    path("lots/<int:lot_id>/release/", lots.lot_release, name="lot_release"),
    path("lots/<int:lot_id>/reject/", lots.lot_reject, name="lot_reject"),
    path("lots/<int:lot_id>/coa/", lots.lot_coa, name="lot_coa"),
]
