"""Report download and retry (staff) and the public verification page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.reports import decided, issued, report_bytes
from vetting.models import AuditEntry, Product, Report
from vetting.services import assessment_create

pytestmark = pytest.mark.django_db
STAFF = ["practitioner", "reviewer", "admin"]


@pytest.fixture
def report(checklist_version, practitioner, reviewer):
    return issued(decided(practitioner, reviewer))


@pytest.mark.parametrize("role", STAFF)
def test_staff_download_the_report_and_it_is_audited(client_for, make_user, report, role):
    url = f"/assessments/{report.assessment_id}/reports/{report.pk}/download/"
    response = client_for(make_user(role)).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == report_bytes(report)
    assert response["Content-Disposition"] == (
        f'attachment; filename="vetting-report-{report.identifier}.pdf"')
    assert AuditEntry.objects.last().summary == f"Report {report.identifier} downloaded"


def test_download_is_refused_to_others(client_for, norole_user, client, report):
    url = f"/assessments/{report.assessment_id}/reports/{report.pk}/download/"
    entries = AuditEntry.objects.count()
    assert client_for(norole_user).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert AuditEntry.objects.count() == entries


def test_download_through_another_assessment_is_404(client_for, practitioner, report, vendor):
    other = assessment_create(user=practitioner, product=Product.objects.create(
        vendor=vendor, name="Other", category="pdrn", form="topical"))
    entries = AuditEntry.objects.count()
    response = client_for(practitioner).get(
        f"/assessments/{other.pk}/reports/{report.pk}/download/")
    assert response.status_code == 404
    assert AuditEntry.objects.count() == entries


def test_download_refuses_post_and_reports_not_ready(client_for, practitioner, report):
    url = f"/assessments/{report.assessment_id}/reports/{report.pk}/download/"
    assert client_for(practitioner).post(url).status_code == 405
    Report.objects.filter(pk=report.pk).update(status="generating")
    assert client_for(practitioner).get(url).status_code == 404


def test_status_answers_json_for_staff_only(client_for, practitioner, norole_user, report):
    url = f"/assessments/{report.assessment_id}/reports/{report.pk}/status/"
    assert client_for(practitioner).get(url).json()["status"] == "ready"
    assert client_for(norole_user).get(url).status_code == 403


def test_retry_is_staff_only_post_only_and_only_for_failed(client_for, practitioner,
                                                           norole_user, report):
    url = f"/assessments/{report.assessment_id}/reports/{report.pk}/retry/"
    assert client_for(norole_user).post(url).status_code == 403
    assert client_for(practitioner).get(url).status_code == 405
    response = client_for(practitioner).post(url, follow=True)
    assert "Only a failed report" in response.content.decode()
    Report.objects.filter(pk=report.pk).update(status="failed", issued_at=None)
    client_for(practitioner).post(url)
    assert Report.objects.get(pk=report.pk).status == "queued"


def test_the_assessment_page_shows_the_report(client_for, practitioner, report):
    content = client_for(practitioner).get(f"/assessments/{report.assessment_id}/").content
    assert report.identifier.encode() in content
    assert b"Download the signed PDF" in content


# ------------------------------------------------------------------ /verify/

def test_verify_page_is_public(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    assert b"Verify a vetting report" in response.content
    assert response["X-Robots-Tag"] == "noindex"


def test_an_untouched_report_is_valid(client, report):
    response = client.post("/verify/", {"file": SimpleUploadedFile(
        "r.pdf", report_bytes(report), content_type="application/pdf")})
    content = response.content.decode()
    assert "Valid: an untouched report issued by this installation" in content
    assert report.product_name in content and report.signer_name in content


def test_an_altered_report_is_not_valid_and_reveals_nothing(client, report):
    data = bytearray(report_bytes(report))
    data[len(data) // 2] ^= 0x01
    content = client.post("/verify/", {"file": SimpleUploadedFile("r.pdf", bytes(data))}
                          ).content.decode()
    assert "Not valid" in content
    assert report.product_name not in content and report.identifier not in content


def test_verify_by_identifier_link(client, report):
    content = client.get(f"/verify/?id={report.identifier}").content.decode()
    assert "This identifier belongs to a report issued here" in content
    assert report.sha256 in content
    assert '<dl class="row mb-0 text-break">' in content  # a phone wraps the long values
    assert "Not valid" in client.get("/verify/?id=CVR-FFFF").content.decode()


def test_an_empty_check_asks_for_input(client):
    content = client.post("/verify/", {}).content.decode()
    assert "Give the report&#x27;s identifier or its PDF file." in content


@pytest.mark.parametrize("data, said", [
    ({"file": SimpleUploadedFile("r.pdf", b"")}, "The submitted file is empty."),
    ({"identifier": "CVR-" + "F" * 70}, "Ensure this value has at most 60 characters"),
])
def test_a_refused_field_is_the_only_message(client, data, said):
    content = client.post("/verify/", data).content.decode()
    assert said in content
    assert "Give the report&#x27;s identifier or its PDF file." not in content


def test_oversize_files_are_refused(client, settings):
    settings.VERIFY_MAX_BYTES = 1024
    content = client.post("/verify/", {"file": SimpleUploadedFile("r.pdf", b"%PDF" * 600)}
                          ).content.decode()
    assert "larger than any report" in content


def test_an_oversize_body_is_refused_before_it_is_read(client, settings):
    settings.VERIFY_MAX_BYTES = 1024
    response = client.generic("POST", "/verify/", b"", CONTENT_TYPE="multipart/form-data; "
                              "boundary=x", CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert "nothing was read" in response.content.decode()


def test_verification_needs_no_csrf_token(report):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/verify/", {"identifier": report.identifier})
    assert response.status_code == 200
    assert "This identifier belongs to a report issued here" in response.content.decode()


def test_verification_is_rate_limited(client, settings):
    settings.VERIFY_RATE = "3/m"
    codes = [client.get("/verify/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_verify_refuses_other_methods(client):
    assert client.put("/verify/").status_code == 405


# What became of the decision since the report was signed

def test_verification_says_the_approval_still_stands(client, report):
    content = client.get(f"/verify/?id={report.identifier}").content.decode()
    until = report.decision.lapses_on.isoformat()
    assert f'id="decision-now">The approval still stands until {until}.' in content
    assert "no longer stands" not in content


def test_verification_says_a_suspended_approval_no_longer_stands(client, report, reviewer):
    from vetting import services

    services.assessment_suspend(user=reviewer, assessment=report.decision.assessment,
                                reason="FDA warning letter (internal note)")
    content = client.get(f"/verify/?id={report.identifier}").content.decode()
    today = services.clinic_today().isoformat()
    assert f"The approval was suspended on {today}" in content
    assert "This decision no longer stands." in content
    assert "FDA warning letter" not in content  # the reason stays inside the clinic


def test_verification_points_to_a_later_decision(client, report, practitioner, reviewer):
    from datetime import timedelta

    from django.utils import timezone

    from vetting.models import Assessment, Decision

    first = report.decision.assessment
    second = assessment_create(user=practitioner, product=first.product, revets=first)
    signed = timezone.now() + timedelta(days=3)
    Decision.objects.create(
        assessment=second, outcome="approved", recommendation="no_objections", red_count=0,
        amber_count=0, missing_count=0, signed_by=reviewer, signer_name="Dr R",
        signer_role="Reviewer", signed_at=signed, meaning="approved", content_sha256="0" * 64)
    Assessment.objects.filter(pk=first.pk).update(state="superseded")
    content = client.get(f"/verify/?id={report.identifier}").content.decode()
    day = timezone.localdate(signed).isoformat()
    assert f"A later decision on this product was signed on {day}" in content
    assert "This decision no longer stands." in content


def test_verification_says_when_the_approval_ended(report):
    from datetime import timedelta

    from vetting.reports.verification import decision_now

    last = report.decision.lapses_on
    assert decision_now(report, today=last).stands
    after = decision_now(report, today=last + timedelta(days=1))
    assert not after.stands
    assert after.text.startswith(f"The approval ended on {last.isoformat()}")


def test_a_rejection_still_stands(checklist_version, practitioner, reviewer):
    from datetime import date

    from vetting.reports.verification import decision_now

    rejected = issued(decided(practitioner, reviewer, "bad-product", outcome="rejected"))
    assert decision_now(rejected) == decision_now(rejected, today=date(2099, 1, 1))
    assert decision_now(rejected).text == "The decision still stands."


def test_a_report_just_queued_offers_no_button_it_would_refuse(client_for, practitioner,
                                                                reviewer, checklist_version):
    from django.utils import timezone

    assessment = decided(practitioner, reviewer)  # queued, no worker in the tests
    client = client_for(practitioner)
    page = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert "Send to the worker again" not in page
    assert "Still queued after 15 minutes (is the background worker running?)" in page
    Report.objects.filter(decision__assessment=assessment).update(
        queued_at=timezone.now() - timezone.timedelta(minutes=16))
    page = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert "Send to the worker again" in page
