"""Evaluate a dossier file and print findings, scores and the recommendation as JSON.

Writes nothing: no database, no files. Knows the checklist versions of the version files
(bundled, then settings.CHECKLIST_DIRS), as `load_checklists` reads them. The result goes
to stdout; logs and errors go to stderr, so the output can be piped into another program.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vetting.checklist import DossierError, evaluate, load_dossier
from vetting.services.checklists import checklist_for_version

logger = logging.getLogger(__name__)


def _parse_date(text: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CommandError(f"--date: expected a date YYYY-MM-DD, not {text!r}", returncode=2)


class Command(BaseCommand):
    help = (
        "Evaluate a dossier (docs/dossier-format.md) and print its findings, evidence "
        "scores and recommendation as JSON. Writes nothing. Exit 2 on an invalid dossier."
    )
    requires_system_checks: list[str] = []  # pure evaluation: nothing to check

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the dossier JSON file")
        parser.add_argument(
            "--date", help="evaluation date YYYY-MM-DD for date rules (default: today)"
        )

    def handle(self, *args, file: str, date: str | None = None, **options) -> None:
        on_date = _parse_date(date) if date else timezone.localdate()
        try:
            dossier = load_dossier(file, checklists=checklist_for_version)
        except DossierError as exc:
            raise CommandError(str(exc), returncode=2) from None
        result = evaluate(dossier.checklist, dossier.answers, dossier.evidence, on_date=on_date)
        logger.info(
            "evaluated %s against checklist %s on %s: %s",
            file,
            dossier.version,
            on_date.isoformat(),
            result.recommendation.value,
        )
        self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
