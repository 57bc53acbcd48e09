"""Write the signed report of a decided assessment, issuing it first if needed."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vetting.models import Assessment, Report, ReportStatus
from vetting.services.reports import report_generate


class Command(BaseCommand):
    help = "Write the signed PDF report of a decided assessment (issuing it if not yet issued)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("assessment_id", type=int)
        parser.add_argument("--output", "-o", type=Path, required=True, help="PDF file to write")

    def handle(self, *args, assessment_id: int, output: Path, **options) -> None:
        # Checked before a report is issued for nothing.
        if output.is_dir() or not output.parent.is_dir():
            raise CommandError(f"cannot write {output}: give a file in an existing folder",
                               returncode=2)
        assessment = Assessment.objects.filter(pk=assessment_id).first()
        if assessment is None:
            raise CommandError(f"no assessment {assessment_id}", returncode=2)
        report = Report.objects.filter(decision__assessment=assessment).first()
        if report is None:
            raise CommandError(f"assessment {assessment_id} has no signed decision, so no "
                               "report", returncode=2)
        if report.status != ReportStatus.READY:
            report = report_generate(report_id=report.pk)
        if report.status != ReportStatus.READY:
            raise CommandError(f"report {report.identifier} is {report.status}: "
                               f"{report.last_error}", returncode=1)
        with report.file.open("rb") as source:
            data = source.read()
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}", returncode=1) from exc
        self.stdout.write(f"{report.identifier} {report.sha256} {output}")
