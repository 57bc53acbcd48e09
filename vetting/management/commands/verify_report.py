"""Check a report PDF: exit 0 and `VALID ...` (then `Today: ...`, what became of the
decision since), or exit 1 and `INVALID: reason`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from vetting.reports.verification import decision_now, verify_pdf


class Command(BaseCommand):
    help = "Verify that a PDF is an untouched report issued and signed by this installation."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            self.stdout.write(f"INVALID: cannot read {file}: {exc.strerror}")
            sys.exit(1)
        verdict = verify_pdf(data)
        self.stdout.write(verdict.first_line)
        if not verdict.valid:
            sys.exit(1)
        self.stdout.write(f"Today: {decision_now(verdict.report).text}")
