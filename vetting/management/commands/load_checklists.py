"""Load the bundled checklist version files and those in CHECKLIST_DIRS."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vetting import services


class Command(BaseCommand):
    help = ("Load checklist version files (bundled, CHECKLIST_DIRS, or the files given). "
            "A changed file for an already-loaded version is refused.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="version files to load")

    def handle(self, *args, files: list[Path], **options) -> None:
        paths = files or services.checklists.checklist_files()
        failed = False
        for path in paths:
            try:
                result = services.checklist_load_file(path)
            except services.InvalidInput as exc:
                self.stderr.write(f"refused: {exc.message}")
                failed = True
                continue
            self.stdout.write(f"{result.status}: checklist v{result.version} ({result.file})")
        if failed:
            raise CommandError("some checklist files were refused (see above)", returncode=2)
