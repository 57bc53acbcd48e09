"""Signed reports: content, signature, tampering, other CAs, rotation, idempotence, retries."""

import io
import subprocess

import pytest
from django.core.management import call_command

from tests.conftest import PASSWORD
from tests.reports import decided, issued, pdf_text, report_bytes, tool
from vetting import services
from vetting.models import Answer, AuditEntry, Report, SigningCertificate
from vetting.reports import signing
from vetting.reports.verification import verify_identifier, verify_pdf
from vetting.services import reports as report_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def good(checklist_version, practitioner, reviewer):
    return decided(practitioner, reviewer, approved_spec={"endotoxin_limit": 0.5})


@pytest.fixture
def bad(checklist_version, practitioner, reviewer):
    return decided(practitioner, reviewer, "bad-product", outcome="rejected")


def test_deciding_queues_one_report_with_the_chain_hash(good):
    report = Report.objects.get(decision__assessment=good)
    assert report.status == "queued"
    signature = AuditEntry.objects.filter(event="signature").last()
    assert report.audit_chain_hash == signature.hash
    assert report.identifier.startswith("CVR-") and len(report.identifier) == 36


def test_the_report_shows_product_decision_red_findings_and_signer(bad, tmp_path, reviewer):
    report = issued(bad)
    assert report.status == "ready"
    text = pdf_text(report_bytes(report), tmp_path)
    assert "ExoMiracle 100B Injectable" in text
    assert "Decision: Rejected" in text
    reds = [f for f in __import__("vetting.services", fromlist=["x"]).assessment_evaluation(
        bad).findings if f.severity == "RED"]
    assert reds
    for finding in reds:
        assert " ".join(finding.reason.split()[:6]) in text, finding.reason
    assert reviewer.get_username() in text or report.signer_name in text
    assert report.identifier in text
    assert report.audit_chain_hash in text
    assert "Regulatory context (as of 2026-11-23)" in text
    assert "there are no FDA-approved exosome products" in text


def test_a_rejection_report_carries_no_validity_or_specification(checklist_version,
                                                                  practitioner, reviewer,
                                                                  tmp_path):
    # The form prefills a validity and a specification for an approval; rejecting with them
    # still filled in signs neither.
    rejected = decided(practitioner, reviewer, "bad-product", outcome="rejected",
                       approved_spec={"particle_min": 1e9, "particle_max": 3e9})
    decision = rejected.decision
    assert decision.valid_until is None and "particle_min" not in decision.approved_spec
    text = pdf_text(report_bytes(issued(rejected)), tmp_path)
    assert "Decision: Rejected" in text and "valid until" not in text
    assert "Approved specification" not in text


def test_the_running_header_prints_the_product_name_as_it_is(good, tmp_path):
    from vetting.models import Product

    Product.objects.filter(pk=good.product_id).update(name='Meridian MSC-EV "Gold" & Co\'s')
    text = pdf_text(report_bytes(issued(good)), tmp_path)
    assert text.count('Meridian MSC-EV "Gold" & Co\'s ·') >= 2  # on every page after the first
    assert "u002D" not in text


def test_chinese_japanese_and_korean_text_is_printed_not_boxes(good, tmp_path, caplog):
    """A Korean vendor's product name printed as empty boxes (no font had the glyphs): the
    report embeds a font that has them (fonts-wqy-microhei, a system package)."""
    import logging

    from vetting.models import Product

    name = "Sérum Évora 엑소좀 앰플 外泌體"
    Product.objects.filter(pk=good.product_id).update(name=name)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = report_bytes(issued(good))
    assert not [r for r in caplog.records if "notdef" in r.getMessage()]
    assert name in pdf_text(pdf, tmp_path)
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    assert "WenQuanYi-Micro-Hei" in fonts


def test_a_long_unbroken_justification_or_answer_stays_on_the_page(checklist_version,
                                                                   practitioner, reviewer,
                                                                   tmp_path):
    from tests.test_services_review import in_review

    word, answer = "x" * 300, "y" * 300
    assessment = in_review("bad-product", practitioner, attach=False)
    Answer.objects.filter(assessment=assessment, question_id="1.2").update(
        value={"inci_name": answer})
    services.assessment_decide(user=reviewer, assessment=assessment, outcome="rejected",
                               password=PASSWORD, justification=word)
    text = "".join(pdf_text(report_bytes(issued(assessment)), tmp_path).split())
    assert word in text and answer in text  # wrapped across lines, every character printed


@pytest.mark.parametrize("value, shown", [(1e10, "10,000,000,000"), (84.0, "84"), (0.5, "0.5"),
                                          (0.25, "0.25"), (None, None), (12345.5, "12,345.5"),
                                          (0.1234567, "0.1234567"), (1e-05, "0.00001"),
                                          (2500000.75, "2,500,000.75")])
def test_specification_values_read_as_people_write_them(value, shown):
    from vetting.templatetags.vetting_tags import plain_number

    assert plain_number(value) == shown


def test_the_evidence_inventory_names_kinds_and_sizes_as_people_read_them(good):
    from vetting.reports.pdf import report_html

    html = report_html(issued(good))
    inventory = html[html.index("<h2>Evidence inventory</h2>"):]
    inventory = inventory[:inventory.index("</table>")]
    assert "<td>certificate of analysis</td>" in inventory
    assert "<td>coa</td>" not in inventory
    assert "\xa0bytes</td>" in inventory or "KB</td>" in inventory


def test_a_question_answered_by_its_document_alone_names_it(good):
    """As the review page does: 3.5 (EM images) and 4.8 (stability study) of the example are
    answered by their documents, not "no answer"."""
    from vetting.models import EvidenceDocument
    from vetting.reports.pdf import report_html

    html = report_html(issued(good))
    answers = html[html.index("<h2>Answers</h2>"):html.index("<h2>Evidence inventory</h2>")]
    for qid in ("3.5", "4.8"):
        assert not good.answers.filter(question_id=qid).exists()
        names = [d.original_name for d in EvidenceDocument.objects.filter(
            assessment=good, is_current=True) if qid in d.question_ids]
        row = answers[answers.index(f"<strong>{qid}</strong>"):]
        row = row[:row.index("</tr>")]
        assert f"answered by its document: {names[0]}" in row, row
        assert "no answer" not in row


def test_a_specification_item_not_set_reads_as_a_dash(checklist_version, practitioner,
                                                      reviewer):
    from vetting.reports.pdf import report_html

    html = report_html(issued(decided(practitioner, reviewer, approved_spec={})))
    assert '<td style="width:60mm">Endotoxin limit</td><td>—</td>' in html


def test_the_cover_says_the_approval_lapses_when_the_gmp_certificate_ends_first(
        checklist_version, practitioner, reviewer):
    from datetime import date

    from vetting.reports.pdf import report_html

    approved = decided(practitioner, reviewer, valid_until=date(2099, 12, 31))
    html = report_html(Report.objects.get(decision__assessment=approved))
    assert ("Decision: <strong>Approved</strong>, valid until 2099-12-31 (last valid day); the "
            "GMP certificate ends first, on 2028-03-09: the approval lapses then</p>") in html


def test_the_signature_validates_and_the_file_verifies(good):
    report = issued(good)
    data = report_bytes(report)
    verdict = verify_pdf(data)
    assert verdict.valid, verdict.reason
    assert verdict.first_line.startswith(f"VALID {report.identifier}")
    assert report.sha256 and report.size == len(data)
    assert report.file.name.startswith("reports/") and report.identifier not in report.file.name
    assert SigningCertificate.objects.get() == report.certificate


@pytest.mark.parametrize("fraction", [0.02, 0.25, 0.5, 0.75, 0.98])
def test_changing_a_byte_anywhere_makes_it_invalid(good, fraction):
    data = bytearray(report_bytes(issued(good)))
    position = int(len(data) * fraction)
    data[position] ^= 0x01
    verdict = verify_pdf(bytes(data))
    assert not verdict.valid
    assert verdict.first_line.startswith("INVALID")


def test_an_appended_update_is_invalid(good):
    data = report_bytes(issued(good)) + b"\n% appended\n"
    assert not verify_pdf(data).valid


def test_a_report_signed_by_another_ca_is_invalid(good, tmp_path, settings):
    report = issued(good)
    settings.SIGNING_DIR = tmp_path / "other"
    signing.issue_certificate()
    from vetting.reports.pdf import render_report_pdf

    foreign = signing.sign_pdf(render_report_pdf(report), loaded=signing.load_signer(),
                               signer_name="Mallory", reason="forged", location="elsewhere",
                               stamp_lines=["Digitally signed", "by Mallory"])
    verdict = verify_pdf(foreign)
    assert not verdict.valid


def test_a_report_signed_before_a_key_rotation_stays_valid(good, bad, tmp_path, settings,
                                                           signing_dir):
    import shutil

    first = issued(good)
    rotated = tmp_path / "rotated"
    shutil.copytree(signing_dir, rotated)
    settings.SIGNING_DIR = rotated
    signing.issue_certificate(rotate=True)
    second = issued(bad)
    assert first.certificate != second.certificate
    assert SigningCertificate.objects.count() == 2
    assert verify_pdf(report_bytes(first)).valid
    assert verify_pdf(report_bytes(second)).valid


def test_generation_is_idempotent(good):
    first = issued(good)
    again = report_services.report_generate(report_id=first.pk)
    assert (again.sha256, again.file.name, again.attempts) == (
        first.sha256, first.file.name, first.attempts)
    assert AuditEntry.objects.filter(summary__contains="issued and signed").count() == 1


def test_the_task_running_twice_issues_one_report(good):
    from vetting.tasks import generate_report

    report = Report.objects.get(decision__assessment=good)
    generate_report.delay(report.pk)
    generate_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == "ready" and report.attempts == 1


def test_a_failure_is_recorded_and_the_task_asks_for_a_retry(good, monkeypatch):
    from celery.exceptions import Retry

    from vetting.tasks import generate_report

    def broken():
        raise signing.SigningNotConfigured("no certificate")

    retries = []

    def retry(exc=None, countdown=None, **kwargs):
        retries.append((type(exc).__name__, countdown))
        raise Retry()

    monkeypatch.setattr(signing, "load_signer", broken)
    monkeypatch.setattr(generate_report, "retry", retry)
    report = Report.objects.get(decision__assessment=good)
    with pytest.raises(Retry):
        generate_report.run(report.pk)
    assert retries == [("SigningNotConfigured", 5)]  # scheduled again with back-off
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("failed", 1)
    assert "SigningNotConfigured: no certificate" in report.last_error


def test_after_the_last_retry_the_failure_stays_recorded(good, monkeypatch, settings):
    from vetting.tasks import generate_report

    monkeypatch.setattr(signing, "load_signer", lambda: (_ for _ in ()).throw(
        OSError("disk full")))
    report = Report.objects.get(decision__assessment=good)
    result = generate_report.apply(args=[report.pk], retries=settings.REPORT_TASK_MAX_RETRIES,
                                   throw=False)
    assert isinstance(result.result, OSError)  # no further retry: the task fails
    report.refresh_from_db()
    assert report.status == "failed" and "disk full" in report.last_error


def test_a_failed_report_is_retried_by_hand(good, monkeypatch, practitioner):
    monkeypatch.setattr(signing, "load_signer", lambda: (_ for _ in ()).throw(
        OSError("disk full")))
    report = Report.objects.get(decision__assessment=good)
    with pytest.raises(OSError):
        report_services.report_generate(report_id=report.pk)
    monkeypatch.undo()
    report_services.report_retry(user=practitioner, report=report)
    assert Report.objects.get(pk=report.pk).status == "queued"
    assert AuditEntry.objects.last().summary == f"Report {report.identifier} queued again"
    report = report_services.report_generate(report_id=report.pk)
    assert report.status == "ready" and report.attempts == 2


def test_only_failed_or_queued_reports_are_retried(good, practitioner):
    from vetting.services.errors import InvalidState

    report = issued(good)
    entries = AuditEntry.objects.count()
    with pytest.raises(InvalidState):
        report_services.report_retry(user=practitioner, report=report)
    assert Report.objects.get(pk=report.pk).status == "ready"
    assert AuditEntry.objects.count() == entries


def test_verify_by_identifier(good):
    report = issued(good)
    assert verify_identifier(report.identifier.lower()).valid
    assert verify_identifier(report.identifier[4:]).valid  # typed without its prefix
    assert verify_identifier(f" {report.identifier[:10]} {report.identifier[10:]} ").valid
    assert verify_identifier("cvr " + report.identifier[4:]).valid
    assert not verify_identifier("CVR-0000").valid
    assert not verify_identifier("").valid


def test_independent_tools_accept_the_signature_and_structure(good, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(report_bytes(issued(good)))
    pdfsig = subprocess.run([tool("pdfsig"), str(path)], capture_output=True, text=True)
    assert "Signature Validation: Signature is Valid." in pdfsig.stdout, pdfsig.stdout
    assert "Total document signed" in pdfsig.stdout
    qpdf = subprocess.run([tool("qpdf"), "--check", str(path)], capture_output=True, text=True)
    assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
    assert "No syntax or stream encoding errors found" in qpdf.stdout


def test_fonts_are_embedded(good, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(report_bytes(issued(good)))
    result = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True)
    rows = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()]
    assert rows
    assert all(row[-5] == "yes" for row in rows), result.stdout  # the "emb" column


# ------------------------------------------------------------------ commands

def test_verify_report_command(good, tmp_path, capsys):
    path = tmp_path / "r.pdf"
    path.write_bytes(report_bytes(issued(good)))
    call_command("verify_report", str(path))
    out = capsys.readouterr().out
    assert out.startswith("VALID ")
    assert "\nToday: The approval still stands until " in out
    path.write_bytes(path.read_bytes()[:-10] + b"0000000000")
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_report", str(path))
    assert exit_.value.code == 1
    assert capsys.readouterr().out.startswith("INVALID")


def test_render_report_issues_and_writes_the_pdf(good, tmp_path, capsys):
    path = tmp_path / "out.pdf"
    call_command("render_report", str(good.pk), "--output", str(path))
    report = Report.objects.get(decision__assessment=good)
    assert report.status == "ready"
    assert path.read_bytes() == report_bytes(report)


def test_render_report_refuses_an_undecided_assessment(assessment, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no signed decision"):
        call_command("render_report", str(assessment.pk), "--output", str(tmp_path / "x.pdf"))


@pytest.mark.parametrize("where", ["nofolder/x.pdf", "."])
def test_render_report_refuses_an_output_it_cannot_write_before_issuing(good, tmp_path, where):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="give a file in an existing folder") as excinfo:
        call_command("render_report", str(good.pk), "--output", str(tmp_path / where))
    assert excinfo.value.returncode == 2
    assert Report.objects.get(decision__assessment=good).status == "queued"  # not issued


def test_issue_signing_certificate_refuses_to_overwrite_without_rotate(settings, tmp_path,
                                                                      capsys):
    from django.core.management import CommandError

    settings.SIGNING_DIR = tmp_path / "fresh"
    call_command("issue_signing_certificate")
    out = capsys.readouterr().out
    assert "created the local CA" in out and "SHA-256 fingerprint" in out
    with pytest.raises(CommandError, match="use --rotate"):
        call_command("issue_signing_certificate")
    call_command("issue_signing_certificate", "--rotate")
    assert len(list((tmp_path / "fresh").glob("signer-*.p12"))) == 1
    assert oct((tmp_path / "fresh" / "ca-key.pem").stat().st_mode & 0o777) == "0o600"


def test_reports_can_be_read_back_with_pyhanko(good):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(report_bytes(issued(good))))
    signature = reader.embedded_signatures[0]
    assert signature.field_name == "ClinicSignature"


def test_lots_received_appear_in_the_products_next_report(good, practitioner, reviewer,
                                                          pdf_upload, tmp_path):
    from tests.test_lots_services import record

    issued(good)
    record(practitioner, good.product, pdf_upload, lot_number="HB-7001",
           coa_lot_number="HB-7001", endotoxin=9.5)  # above the 0.5 EU/mL limit: held
    newer = decided(practitioner, reviewer)  # the product's next assessment and decision
    assert newer.product == good.product
    text = pdf_text(report_bytes(issued(newer)), tmp_path)
    assert "HB-7001" in text
    assert "On hold" in text or "on hold" in text
    words = " ".join(text.split())  # the CoA's values as people write them, as signed
    assert "endotoxin 9.5 EU/mL" in words and "particles 20,000,000,000/mL (NTA)" in words
    assert "size mode 112 nm" in words


def test_a_retry_double_click_queues_once(good, practitioner):
    from vetting.services.errors import InvalidState

    report = Report.objects.get(decision__assessment=good)
    Report.objects.filter(pk=report.pk).update(status="failed")
    report_services.report_retry(user=practitioner, report=report)
    entries = AuditEntry.objects.count()
    with pytest.raises(InvalidState):
        report_services.report_retry(user=practitioner, report=report)
    assert AuditEntry.objects.count() == entries


def test_a_report_queued_long_ago_can_be_sent_again(good, practitioner):
    from django.utils import timezone

    report = Report.objects.get(decision__assessment=good)
    Report.objects.filter(pk=report.pk).update(
        queued_at=timezone.now() - timezone.timedelta(hours=1))
    report_services.report_retry(user=practitioner, report=report)
    assert Report.objects.get(pk=report.pk).status == "queued"


def test_a_worker_finishing_late_never_replaces_an_issued_report(good):
    from vetting.services.reports import _store

    report = issued(good)
    before = (report.sha256, report.file.name, report.issued_at)
    stale_copy = Report.objects.get(pk=report.pk)
    _store(stale_copy, b"%PDF-1.7 another rendering", signing.load_signer())
    report.refresh_from_db()
    assert (report.sha256, report.file.name, report.issued_at) == before
    assert verify_pdf(report_bytes(report)).valid


def test_a_late_failure_never_marks_an_issued_report_failed(good, monkeypatch):
    report = issued(good)
    Report.objects.filter(pk=report.pk).update(claimed_at=None)
    # A second run finds nothing to claim and leaves the ready report alone.
    again = report_services.report_generate(report_id=report.pk)
    assert again.status == "ready" and again.sha256 == report.sha256


def test_a_stale_generating_claim_is_taken_over(good):
    from django.utils import timezone

    report = Report.objects.get(decision__assessment=good)
    Report.objects.filter(pk=report.pk).update(
        status="generating", claimed_at=timezone.now() - timezone.timedelta(hours=1))
    assert report_services.report_generate(report_id=report.pk).status == "ready"


def test_an_issued_report_cannot_be_saved_again(good):
    report = issued(good)
    report.signer_name = "Someone else"
    with pytest.raises(PermissionError):
        report.save()


def test_rendering_fetches_nothing(tmp_path):
    from vetting.reports.pdf import html_to_pdf

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    pdf = html_to_pdf(f'<html lang="en"><head><title>t</title>'
                      f'<link rel="stylesheet" href="file://{secret}"></head>'
                      f'<body><img src="file://{secret}" alt="x"><p>ok</p></body></html>')
    assert pdf.startswith(b"%PDF") and b"TOP-SECRET" not in pdf


def _section(html: str, heading: str) -> str:
    part = html[html.index(f"<h2>{heading}"):]
    return part[:part.index("</table>")]


def test_a_long_file_name_leaves_every_column_and_hash_on_the_page(good, tmp_path):
    """Every cell wraps a long unbroken word: a vendor's 130-character file name pushed the
    Kind, Size and SHA-256 columns off the page, and a long web address the answer's Source."""
    from vetting.models import EvidenceDocument

    document = EvidenceDocument.objects.filter(assessment=good, is_current=True).first()
    EvidenceDocument.objects.filter(pk=document.pk).update(original_name=(
        "Certificate_of_GMP_compliance_ISO22716_BureauVeritas_GreenCellBotanicals_Carlsbad_"
        "site_renewed_2025_signed_final_v3_scan.pdf"))
    answer = good.answers.get(question_id="2.3")
    Answer.objects.filter(pk=answer.pk).update(value={
        **answer.value, "sites": "https://example.com/" + "a" * 150})
    text = "".join(pdf_text(report_bytes(issued(good)), tmp_path).split())
    for sha256 in EvidenceDocument.objects.filter(assessment=good, is_current=True
                                                  ).values_list("sha256", flat=True):
        assert sha256 in text
    assert "a" * 150 in text
    assert text.count("Import;") + text.count("Practitioner;") >= 1  # the Source column


def test_the_reference_lot_marks_questions_that_do_not_apply(bad):
    """An undisclosed source is not a cell culture: 4.5 (mycoplasma) does not apply, as the
    Answers section says, rather than "no answer"."""
    from vetting.reports.pdf import report_html

    lot = _section(report_html(issued(bad)), "Reference lot")
    row = lot[lot.index("<strong>4.5</strong>"):]
    row = row[:row.index("</tr>")]
    assert "not applicable" in row and "no answer" not in row


def test_regulatory_dates_are_as_precise_as_their_sources(bad):
    """regulatory-facts.md dates the ISEV / ISCT statement "2020" and the California warning
    letter "2022-11": printed so, not as a made-up first day."""
    from vetting.reports.pdf import report_html

    facts = _section(report_html(issued(bad)), "Regulatory context")
    assert '<td style="width:22mm">2022-11</td>' in facts
    assert '<td style="width:22mm">2020</td>' in facts
    assert "2022-11-01" not in facts and "2020-01-01" not in facts
    assert "no systemic / metabolic effect" in facts


@pytest.mark.parametrize("source, human", [("undisclosed", True), ("", True),
                                           ("msc_adipose", True), ("plant", False)])
def test_the_human_cell_rules_apply_unless_the_source_is_known_not_to_be_human(source, human):
    from types import SimpleNamespace

    from vetting.reports.content import _facts

    answers = {"0.1": SimpleNamespace(value={"category": "exosome_ev"}),
               "0.4": SimpleNamespace(value={"market": "united_states"}),
               "1.1": SimpleNamespace(value={"source": source} if source else {})}
    texts = " ".join(fact.text for fact in _facts(answers)["facts"])
    assert ("21 CFR 1271.10" in texts) is human
    assert ("Donor-eligibility rules" in texts) is human


def test_a_fact_date_must_be_a_year_a_month_or_a_day():
    from datetime import date

    from vetting.reports.facts import _date_text

    assert _date_text("2020") == "2020"
    assert _date_text("2022-11") == "2022-11"
    assert _date_text(date(2019, 12, 6)) == "2019-12-06"
    assert _date_text(None) is None
    with pytest.raises(ValueError, match="not YYYY, YYYY-MM or YYYY-MM-DD"):
        _date_text(2020)  # unquoted in YAML: a number


def test_the_report_says_when_it_was_issued_and_that_lots_came_after_the_signature(good):
    from django.utils import timezone

    from vetting.reports.pdf import report_html

    html = report_html(issued(good))
    today = timezone.localdate().isoformat()
    assert f"</strong>, issued {today} " in html
    lots = html[html.index("<h2>Lots received</h2>"):]
    assert f"As recorded when this report was issued ({today} " in lots


def test_a_missing_finding_says_who_answers_it_not_no_answer(bad):
    from vetting.reports.pdf import report_html

    findings = report_html(issued(bad))
    findings = findings[findings.index("<h2>Findings by domain</h2>"):
                        findings.index("<h2>Answers</h2>")]
    assert "No answer:" not in findings
    assert "Not answered yet (the vendor answers this question)." in findings


def test_sources_cited_say_where_to_find_them_not_a_project_path(bad):
    from vetting.reports.pdf import report_html

    sources = _section(report_html(issued(bad)), "Sources cited")
    s1 = sources[sources.index('<td style="width:14mm">S1</td>'):]
    assert "https://www.fda.gov/vaccines-blood-biologics/safety-availability-biologics/" \
           "public-safety-notification-exosome-products" in s1[:s1.index("</tr>")]
    assert "shared/seeds" not in sources
    assert "Börger et al." in sources


def years_later(monkeypatch, days=3700):
    """The signing module's clock `days` from now (its certificate: 825 days)."""
    import datetime as real

    class Clock:
        UTC, timedelta = real.UTC, real.timedelta

        class datetime(real.datetime):
            @classmethod
            def now(cls, tz=None):
                return real.datetime.now(tz) + real.timedelta(days=days)

    monkeypatch.setattr(signing, "dt", Clock)


def test_an_expired_signing_certificate_signs_nothing(good, monkeypatch):
    """A signature made after the certificate's end never validates: the report waits as
    failed, saying why, instead of being issued invalid for good."""
    from vetting.models import ReportStatus

    years_later(monkeypatch)
    report = Report.objects.get(decision__assessment=good)
    with pytest.raises(signing.SigningNotConfigured, match="expired on .*--rotate"):
        report_services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.issued_at is None
    assert not report.file and not report.sha256
    assert "expired on" in report.last_error
    assert not AuditEntry.objects.filter(summary__contains="issued and signed").exists()


@pytest.mark.parametrize("days, message", [("0", "at least 1 day"), ("-5", "at least 1 day"),
                                           ("5000", "would outlive the local CA")])
def test_issue_signing_certificate_checks_its_days(settings, tmp_path, days, message):
    from django.core.management import CommandError

    settings.SIGNING_DIR = tmp_path / "fresh"
    call_command("issue_signing_certificate")  # the CA: 10 years
    before = sorted(p.name for p in (tmp_path / "fresh").iterdir())
    with pytest.raises(CommandError, match=message) as caught:
        call_command("issue_signing_certificate", "--rotate", "--days", days)
    assert caught.value.returncode == 2
    assert sorted(p.name for p in (tmp_path / "fresh").iterdir()) == before  # nothing written


def test_the_system_page_shows_until_when_reports_can_be_signed(client_for, admin_user,
                                                                 monkeypatch, settings,
                                                                 tmp_path):
    def card():
        page = client_for(admin_user).get("/system/").content.decode()
        part = page[page.rindex('<div class="card', 0, page.index('id="signing-certificate"')):]
        return " ".join(part[:part.index("</div></div>")].split())

    assert "valid until" in card() and "Replace it before then" not in card()
    years_later(monkeypatch, days=800)  # 24 days left
    assert "Replace it before then" in card() and "border-warning" in card()
    years_later(monkeypatch, days=900)
    assert "expired on" in card() and "border-danger" in card()
    settings.SIGNING_DIR = tmp_path / "none"
    assert "not installed or not readable" in card()


def test_a_certificate_signs_only_while_its_authority_is_valid_too():
    """A signing certificate issued late in its CA's ten years outlives it: its signatures
    stop validating when the CA ends, not when it does."""
    import datetime as dt
    from types import SimpleNamespace

    def cert(day):
        return SimpleNamespace(not_valid_after_utc=dt.datetime(2030, 1, day, tzinfo=dt.UTC))

    loaded = SimpleNamespace(certificate=cert(20), chain=[cert(5)])
    assert signing.signs_until(loaded) == dt.datetime(2030, 1, 5, tzinfo=dt.UTC)
    assert signing.signs_until(SimpleNamespace(certificate=cert(20), chain=[])).day == 20
