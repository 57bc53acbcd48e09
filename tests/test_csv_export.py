"""The register as CSV: standing per product, and cells a spreadsheet will not run."""

import csv
import io

import pytest

from tests.test_lots_services import approved, record
from vetting.models import Product, Vendor
from vetting.views.lots import csv_cell

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx",
                                   '=HYPERLINK("http://x.example","click")'])
def test_formula_like_values_get_a_leading_quote(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value, cell", [("Glow Serum", "Glow Serum"), ("", ""), (None, ""),
                                         (3, "3"), ("a=b", "a=b"), (" =x", " =x")])
def test_other_values_are_unchanged(value, cell):
    assert csv_cell(value) == cell


def rows(client):
    response = client.get("/products/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_export_neutralizes_names_a_vendor_typed(client_for, practitioner, db):
    vendor = Vendor.objects.create(name="=cmd|' /C calc'!A0")
    Product.objects.create(vendor=vendor, name="@SUM(1+1)", category="pdrn", form="topical")
    Product.objects.create(vendor=vendor, name="-2+3", category="pdrn", form="topical")
    Product.objects.create(vendor=vendor, name="\tTab", category="pdrn", form="topical")
    header, *body = rows(client_for(practitioner))
    assert header[:5] == ["vendor", "product", "category", "form", "standing"]
    assert {r[0] for r in body} == {"'=cmd|' /C calc'!A0"}
    assert sorted(r[1] for r in body) == ["'\tTab", "'-2+3", "'@SUM(1+1)"]
    assert {r[4] for r in body} == {"Not assessed"}


def test_the_export_shows_standing_validity_and_lots_on_hold(client_for, practitioner, reviewer,
                                                             checklist_version, pdf_upload):
    decided = approved(practitioner, reviewer)
    record(practitioner, decided.product, pdf_upload, endotoxin=9)
    [_, row] = rows(client_for(practitioner))
    assert row[1] == decided.product.name
    assert row[4] == "Approved"
    assert row[5] == decided.decision.valid_until.isoformat()
    assert row[7] == "1"
    assert row[8] == "Approved"


def test_the_export_is_for_staff_only(client_for, norole_user):
    assert client_for(norole_user).get("/products/export.csv").status_code == 403


def test_the_export_needs_get(client_for, practitioner):
    assert client_for(practitioner).post("/products/export.csv").status_code == 405
