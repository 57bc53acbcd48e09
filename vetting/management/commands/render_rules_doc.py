"""Write docs/rules.md from the checklist data, or check that it is up to date."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vetting.checklist import ChecklistError, latest_version
from vetting.checklist.rulesdoc import DEFAULT_PATH, render_rules_doc
from vetting.services.checklists import checklist_for_version


class Command(BaseCommand):
    help = (
        "Generate docs/rules.md (every question, its applicability and every rule) from a "
        "checklist version file (bundled, or in CHECKLIST_DIRS). --check exits 1 when the "
        "file is out of date."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="only check; write nothing")
        parser.add_argument("--output", type=Path, default=DEFAULT_PATH, help="file to write")
        parser.add_argument(
            "--checklist-version", help="version to render (default: the latest bundled)"
        )

    def handle(self, *args, check: bool, output: Path, **options) -> None:
        try:
            checklist = checklist_for_version(options.get("checklist_version") or latest_version())
        except ChecklistError as exc:
            raise CommandError(str(exc), returncode=2) from None
        text = render_rules_doc(checklist)
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if check:
            if current != text:
                raise CommandError(
                    f"{output.name} is out of date: run python manage.py render_rules_doc",
                    returncode=1,
                )
            self.stdout.write(f"{output.name} is up to date (checklist v{checklist.version})")
            return
        if current != text:
            output.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {output} (checklist v{checklist.version})")
