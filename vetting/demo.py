"""Demo data for `seed_demo`: vendors, products and assessments in every lifecycle state.

Everything goes through the services, so each demo assessment has the audit
history a real one would have. Used only on DEBUG installations.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from vetting import services
from vetting.models import Product, Vendor, VendorContact
from vetting.services.lots import lot_record
from vetting.services.portal import invitation_send

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"
DIRECTOR_PASSWORD = "demo-director-pw"  # noqa: S105 - public demo password, DEBUG only


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF naming the document (stands in for a vendor's file)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 72 720 Td (Demo document: {text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


class DemoBuilder:
    def __init__(self, practitioner, director) -> None:
        self.practitioner = practitioner
        self.director = director
        self.portal_links: list[tuple] = []  # (assessment, token) of the links sent

    def vendor(self, name, country, website, contact_name, contact_email) -> Vendor:
        vendor, _ = Vendor.objects.get_or_create(
            name=name, defaults={"country": country, "website": website,
                                 "created_by": self.practitioner})
        VendorContact.objects.get_or_create(
            vendor=vendor, email=contact_email,
            defaults={"name": contact_name, "role": "Quality manager", "is_primary": True})
        return vendor

    def product(self, vendor, name, category, form) -> tuple[Product, bool]:
        product, created = Product.objects.get_or_create(
            vendor=vendor, name=name,
            defaults={"category": category, "form": form, "created_by": self.practitioner})
        return product, created or not product.assessments.exists()

    def from_example(self, product, name: str, *, attach: bool = True):
        """A draft filled from an example dossier, with stand-in files for its documents."""
        assessment = services.assessment_create(user=self.practitioner, product=product)
        dossier = example(name)
        services.assessment_import(user=self.practitioner, assessment=assessment, data=dossier)
        if attach:
            self.attach_expected(assessment)
        return assessment

    def attach_expected(self, assessment) -> None:
        """Upload a stand-in PDF for each document the imported dossier listed, once per
        question and file. The stand-in is the demo's copy of that document: the listing
        is no longer expected (its SHA-256 is the example's, which no demo file has)."""
        done = set()
        for expected in assessment.expected_documents.order_by("pk"):
            if (expected.question_id, expected.name) not in done:
                done.add((expected.question_id, expected.name))
                upload = SimpleUploadedFile(expected.name, demo_pdf(expected.name))
                services.evidence_upload(assessment=assessment,
                                         question_id=expected.question_id, kind=expected.kind,
                                         upload=upload, user=self.practitioner)
            expected.delete()

    def practitioner_answers(self, assessment) -> None:
        for qid, value in {"0.3": {"sterile": "no"}, "0.4": {"market": "united_states"},
                           "5.1": {"route": "intact_skin"}, "5.4": {"claims": ["collagen"]},
                           "6.7": {"consent_states": "yes"}}.items():
            if not assessment.answers.filter(question_id=qid).exists():
                services.answer_set(assessment=assessment, question_id=qid, value=value,
                                    user=self.practitioner)

    def to_review(self, assessment):
        self.practitioner_answers(assessment)
        return services.assessment_submit_for_review(user=self.practitioner,
                                                     assessment=assessment)

    def invite(self, assessment) -> None:
        """Send the vendor's primary contact a portal link, as a practitioner would; the
        link is kept to be printed (only the token's hash is stored)."""
        contact = assessment.product.vendor.contacts.order_by("-is_primary", "pk").first()
        issued = invitation_send(user=self.practitioner, assessment=assessment,
                                 contact=contact)
        self.portal_links.append((assessment, issued.token))

    def lots(self, product) -> None:
        """Two lots received today, after the approval: one within its specification
        (usable), one whose endotoxin is above the limit (held for a reviewer)."""
        today = services.clinic_today()
        common = {"quantity": 20, "received_on": today, "expiry_date": today + timedelta(days=300),
                  "storage_on_arrival": "minus_80", "sterility": "pass",
                  "particle_method": "nta", "particle_concentration": 1.1e10, "size_mode": 118}
        for number, endotoxin in (("HB-3107", 0.08), ("HB-3152", 0.6)):
            upload = SimpleUploadedFile(f"{number} certificate of analysis.pdf",
                                        demo_pdf(f"Certificate of analysis, lot {number}"))
            lot_record(user=self.practitioner, product=product, upload=upload,
                       lot_number=number, coa_lot_number=number, endotoxin=endotoxin, **common)

    def decide(self, assessment, outcome, **kwargs):
        self.to_review(assessment)
        valid = None if outcome == "rejected" else services.clinic_today() + timedelta(days=365)
        return services.assessment_decide(user=self.director, assessment=assessment,
                                          outcome=outcome, password=DIRECTOR_PASSWORD,
                                          valid_until=valid, **kwargs)


DERMAVESA_SPEC = {"endotoxin_limit": 0.25, "particle_min": 5e9, "particle_max": 2e10,
                  "size_mode_min": 80, "size_mode_max": 160, "sterility_required": True}


def seed_assessments(practitioner, director) -> list[tuple]:
    """Create the demo register; products that already have assessments are left alone.
    Returns the vendor portal links sent: (assessment, token)."""
    b = DemoBuilder(practitioner, director)
    glow = b.vendor("Glow Direct Supplies (example)", "United States",
                    "https://glow-direct.example", "Sam Seller", "sam@glow-direct.example")
    greencell = b.vendor("GreenCell Botanicals (example)", "South Korea",
                         "https://greencell.example", "Min-ji Park", "qa@greencell.example")
    hanbit = b.vendor("Hanbit Regenerative Co. (example)", "South Korea",
                      "https://hanbit-regen.example", "Dr Lee Joon", "quality@hanbit.example")
    aurora = Vendor.objects.get(name="Aurora Regenerative Labs")
    verdant = Vendor.objects.get(name="Verdant Botanicals")
    meridian = Vendor.objects.get(name="Meridian Cell Sciences")
    for vendor, person, email in ((aurora, "Alex Aurora", "sales@aurora-regen.example"),
                                  (verdant, "Vera Green", "qa@verdant-botanicals.example"),
                                  (meridian, "Dr Mei Ridian", "quality@meridian-cells.example")):
        b.vendor(vendor.name, vendor.country, vendor.website, person, email)

    # Rejected: the clearly bad product (undisclosed human source, "FDA-approved", no CoA).
    product, new = b.product(glow, "ExoMiracle 100B Injectable", "exosome_ev", "injectable")
    if new:
        b.decide(b.from_example(product, "bad-product", attach=False), "rejected")

    # Approved with conditions: plant vesicles under ISO 22716, no clinical studies.
    product, new = b.product(greencell, "Centella PhytoVesicle Serum", "plant_vesicles",
                             "topical")
    if new:
        b.decide(b.from_example(product, "borderline-product"), "approved_with_conditions",
                 conditions="Topical use on intact skin only; no claims beyond appearance; "
                            "re-vet when clinical data of this product are available.",
                 approved_spec={"endotoxin_limit": 0.5, "sterility_required": False})

    # Approved, then re-vetted: the first decision is superseded by the second.
    product, new = b.product(hanbit, "Dermavesa ASC-EV Booster", "exosome_ev", "device_assisted")
    if new:
        first = b.from_example(product, "well-documented-product")
        b.decide(first, "approved", approved_spec=DERMAVESA_SPEC)
        second = services.assessment_create(user=practitioner, product=product, revets=first)
        services.assessment_import(user=practitioner, assessment=second,
                                   data=services.assessment_export(user=practitioner,
                                                                   assessment=first))
        b.attach_expected(second)
        b.decide(second, "approved", approved_spec=DERMAVESA_SPEC)
        b.lots(product)

    # Suspended: an approval withdrawn after a recall.
    product, new = b.product(hanbit, "Dermavesa Scalp Ampoule", "exosome_ev", "hair_scalp")
    if new:
        approved = b.from_example(product, "well-documented-product")
        b.decide(approved, "approved")
        services.assessment_suspend(user=director, assessment=approved,
                                    reason="Vendor recall of lot HB-2291 (demo).")

    _open_cases(b, aurora, verdant, meridian)
    return b.portal_links


def _open_cases(b: DemoBuilder, aurora, verdant, meridian) -> None:
    p, director = b.practitioner, b.director
    product, new = b.product(aurora, "Aurora Cord Exosome Gel", "exosome_ev", "topical")
    if new:  # draft, partly filled in
        draft = services.assessment_create(user=p, product=product)
        services.answer_set(assessment=draft, question_id="0.4",
                            value={"market": "united_states"}, user=p)
    product, new = b.product(aurora, "Aurora Hair Secretome", "conditioned_medium", "hair_scalp")
    if new:  # awaiting the vendor
        b.invite(services.assessment_create(user=p, product=product))
    product, new = b.product(verdant, "Verdant Rose Vesicle Mist", "plant_vesicles", "topical")
    if new:  # the vendor has answered and submitted
        assessment = services.assessment_create(user=p, product=product)
        b.invite(assessment)
        vendor = "Vera Green <qa@verdant-botanicals.example>"
        for qid, value in {"1.1": {"source": "plant"}, "2.1": {"standard": "iso_22716"},
                           "7.1": {"coactives": ["hyaluronic_acid", "niacinamide"]}}.items():
            services.answer_set(assessment=assessment, question_id=qid, value=value,
                                vendor_label=vendor)
        services.assessment_vendor_submit(assessment=assessment, vendor_label=vendor)
    product, new = b.product(meridian, "Meridian MSC-EV Concentrate", "exosome_ev",
                             "device_assisted")
    if new:  # in review
        b.to_review(b.from_example(product, "well-documented-product"))
    product, new = b.product(meridian, "Meridian Botanical Vesicle Toner", "plant_vesicles",
                                 "topical")
    if new:  # information requested from the vendor
        assessment = b.from_example(product, "borderline-product")
        b.to_review(assessment)
        services.assessment_request_information(
            user=director, assessment=assessment, target="vendor",
            message="Please send the lot-specific certificate of analysis with the endotoxin "
                    "result and the sterility test of the final container.")
        b.invite(assessment)  # the portal reopens for the vendor's answer
    product, new = b.product(meridian, "Meridian Growth Factor Serum", "growth_factor_serum",
                             "topical")
    if new:  # withdrawn
        services.assessment_withdraw(user=p, assessment=services.assessment_create(
            user=p, product=product), reason="The clinic no longer plans to buy this product.")
