"""Signed PDF vetting reports: content, rendering (WeasyPrint), PAdES signing (pyHanko)
and verification. Services that issue reports live in vetting/services/reports.py."""
