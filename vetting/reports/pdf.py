"""HTML to PDF with WeasyPrint (imported lazily: it takes a second to load)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from vetting.models import Report
from vetting.reports.content import report_context


def report_html(report: Report) -> str:
    return render_to_string("reports/report.html", report_context(report))


def refuse_fetch():
    """A fetcher that loads nothing but data: URIs. Reports need no file and no network,
    and a signed document must not pull content from elsewhere, even if a template one
    day lets a URL through."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def html_to_pdf(html: str) -> bytes:
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR),
                               url_fetcher=refuse_fetch())
    # PDF/UA-1: tagged, with the document language and title, fonts embedded.
    return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)


def render_report_pdf(report: Report) -> bytes:
    return html_to_pdf(report_html(report))
