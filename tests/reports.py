"""Helpers for report tests: a decided assessment with its report issued."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.test_services_review import in_review
from vetting import services
from vetting.models import Report
from vetting.services.reports import report_generate


def decided(practitioner, reviewer, name="well-documented-product", outcome="approved", **kw):
    assessment = in_review(name, practitioner, attach=name != "bad-product")
    valid = None if outcome == "rejected" else kw.pop(
        "valid_until", services.clinic_today().replace(year=services.clinic_today().year + 1))
    services.assessment_decide(user=reviewer, assessment=assessment, outcome=outcome,
                               password=PASSWORD, valid_until=valid, **kw)
    assessment.refresh_from_db()
    return assessment


def issued(assessment) -> Report:
    """The decision's report, generated now (tests do not run on-commit callbacks)."""
    report = Report.objects.get(decision__assessment=assessment)
    return report_generate(report_id=report.pk)


def report_bytes(report: Report) -> bytes:
    with report.file.open("rb") as handle:
        return handle.read()


def tool(name: str) -> str:
    import os

    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {name} is missing (.ci/run installs poppler-utils, qpdf)")
        pytest.skip(f"needs {name} (apt-get install poppler-utils qpdf)")
    return path


def pdf_text(data: bytes, tmp_path: Path) -> str:
    source = tmp_path / "report.pdf"
    source.write_bytes(data)
    result = subprocess.run([tool("pdftotext"), str(source), "-"],
                            capture_output=True, text=True, check=True)
    return " ".join(result.stdout.split())
