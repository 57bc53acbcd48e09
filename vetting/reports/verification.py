"""Is this PDF an untouched report issued by this installation?

A file is VALID when its SHA-256 is that of a report this installation issued (so not
one byte changed) and its PAdES signature validates, as of its signing time, against
a CA of a certificate this installation has signed with (so rotating the key does
not orphan old reports). Anything else is INVALID, with a short reason and nothing
about any other report.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from vetting.models import Report, ReportStatus, SigningCertificate
from vetting.reports.signing import outside_event_loop

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    report: Report | None = None

    @property
    def first_line(self) -> str:
        if self.valid:
            r = self.report
            return (f"VALID {r.identifier}: {r.product_name} ({r.vendor_name}), "
                    f"{r.get_outcome_display_text()} on {r.signed_at:%Y-%m-%d}, "
                    f"signed by {r.signer_name}")
        return f"INVALID: {self.reason}"


NOT_ISSUED = "not a report issued by this installation, or altered since it was issued"


def _trust_roots():
    from pyhanko.keys import load_certs_from_pemder_data

    roots = {}
    for pem in SigningCertificate.objects.values_list("certificate_pem", flat=True):
        certs = list(load_certs_from_pemder_data(pem.encode()))
        if len(certs) > 1:
            root = certs[-1]
            roots[root.sha256] = root
    return list(roots.values())


def _signature_problem(data: bytes) -> str:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - any unreadable file is simply not valid
        return "not a readable PDF"
    if len(signatures) != 1:
        return "the report must carry exactly one signature"
    signature = signatures[0]
    moment = signature.self_reported_timestamp  # B-B: validated as of its signing time
    context = ValidationContext(trust_roots=_trust_roots(), allow_fetching=False, moment=moment)
    try:
        status = outside_event_loop(validate_pdf_signature, signature, context)
    except (SignatureValidationError, ValueError) as exc:
        logger.info("report signature did not validate: %s", exc)
        return "the signature does not validate"
    if not (status.bottom_line and status.intact and status.valid):
        return "the signature does not validate"
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return "the file was changed after it was signed"
    known = SigningCertificate.objects.filter(
        fingerprint_sha256=status.signing_cert.sha256.hex()).exists()
    return "" if known else "signed with a certificate this installation never used"


def verify_pdf(data: bytes) -> Verdict:
    digest = hashlib.sha256(data).hexdigest()
    report = Report.objects.filter(sha256=digest, status=ReportStatus.READY).first()
    if report is None:
        return Verdict(False, NOT_ISSUED)
    problem = _signature_problem(data)
    if problem:
        return Verdict(False, problem)
    return Verdict(True, "untouched report issued by this installation", report)


def verify_identifier(identifier: str) -> Verdict:
    # As typed: any case, spaces, with or without its "CVR-" prefix (or "CVR " for it).
    identifier = "".join(identifier.split()).upper()
    identifier = "CVR-" + identifier.removeprefix("CVR").removeprefix("-")
    report = Report.objects.filter(identifier=identifier, status=ReportStatus.READY).first()
    if report is None:
        return Verdict(False, "no report with this identifier was issued here")
    return Verdict(True, "issued by this installation", report)


@dataclass(frozen=True)
class DecisionNow:
    text: str
    stands: bool


def decision_now(report: Report, *, today: date | None = None) -> DecisionNow:
    """What became of the report's decision since it was signed, for whoever verifies it:
    a signed report stays true to the day it was signed, but a later decision supersedes
    it, a suspension withdraws the approval, and an approval ends on its last valid day.
    Dates only: the reasons stay inside the clinic."""
    from vetting.models import AssessmentState, Decision
    from vetting.services.evaluation import clinic_today

    today = today or clinic_today()
    decision = report.decision
    assessment = decision.assessment
    if assessment.state == AssessmentState.SUSPENDED:
        return DecisionNow(f"The approval was suspended on {_day(assessment.state_changed_at)}:"
                           " the product may not be used on the strength of this report.", False)
    if assessment.state == AssessmentState.SUPERSEDED:
        newer = (Decision.objects.filter(assessment__product_id=assessment.product_id,
                                         signed_at__gt=decision.signed_at)
                 .order_by("signed_at").first())
        when = f" on {_day(newer.signed_at)}" if newer else ""
        return DecisionNow(f"A later decision on this product was signed{when}: this report "
                           "no longer stands; ask the clinic for the current one.", False)
    if assessment.state == AssessmentState.REJECTED:
        return DecisionNow("The decision still stands.", True)
    if decision.lapses_on and decision.lapses_on < today:
        return DecisionNow(f"The approval ended on {decision.lapses_on.isoformat()} (its last "
                           "valid day): the product is due for re-vetting.", False)
    until = f" until {decision.lapses_on.isoformat()}" if decision.lapses_on else ""
    return DecisionNow(f"The approval still stands{until}.", True)


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat()
