"""Vendor, product and assessment register URLs (vetting/views/registry.py)."""

from django.urls import path

from vetting.views import registry

urlpatterns = [
    path("vendors/", registry.vendor_list, name="vendor_list"),
    path("vendors/new/", registry.vendor_create, name="vendor_create"),
    path("vendors/<int:vendor_id>/", registry.vendor_detail, name="vendor_detail"),
    path("vendors/<int:vendor_id>/edit/", registry.vendor_edit, name="vendor_edit"),
    path("vendors/<int:vendor_id>/contacts/new/", registry.contact_create,
         name="contact_create"),
    path("vendors/<int:vendor_id>/contacts/<int:contact_id>/edit/", registry.contact_edit,
         name="contact_edit"),
    path("vendors/<int:vendor_id>/products/new/", registry.product_create,
         name="product_create"),
    path("products/", registry.product_list, name="product_list"),
    path("products/<int:product_id>/", registry.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", registry.product_edit, name="product_edit"),
    path("assessments/", registry.assessment_list, name="assessment_list"),
]
