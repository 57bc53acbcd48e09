"""A request body declared larger than REQUEST_MAX_BYTES is refused before it is read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PDF_BYTES
from vetting.models import EvidenceDocument

pytestmark = pytest.mark.django_db


def test_a_body_over_the_limit_is_refused_unread(client_for, practitioner, assessment,
                                                 settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/4/", {
        "file-q4_1-coa": SimpleUploadedFile("CoA.pdf", PDF_BYTES + b"0" * 1100 * 1024)})
    assert response.status_code == 413
    assert "larger than 1.0\xa0MB in one go, so nothing of it was read or saved" in (
        response.content.decode())
    assert not EvidenceDocument.objects.exists()


def test_a_body_under_the_limit_goes_through(client_for, practitioner, assessment, settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    response = client_for(practitioner).post(f"/assessments/{assessment.pk}/steps/4/", {
        "file-q4_1-coa": SimpleUploadedFile("CoA.pdf", PDF_BYTES)})
    assert response.status_code == 302
    assert EvidenceDocument.objects.count() == 1


def test_the_default_takes_three_files_at_the_upload_limit(settings):
    assert settings.REQUEST_MAX_BYTES > 3 * settings.UPLOAD_MAX_BYTES
