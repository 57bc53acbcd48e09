"""Vendor and product register URLs (vetting/views/registry.py)."""

urlpatterns: list = []
