"""Loading checklist version files into the database. A loaded version never changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from vetting.audit import Actor, audit_record
from vetting.checklist import Checklist, ChecklistError, load_checklist
from vetting.checklist.schema import BUNDLED_DIR, UnknownVersion, version_key
from vetting.models import AuditEvent, ChecklistVersion

from .errors import InvalidInput


@dataclass(frozen=True)
class LoadResult:
    file: str
    version: str
    status: str  # "loaded" or "unchanged"


def checklist_files() -> list[Path]:
    """The bundled version files, then those in settings.CHECKLIST_DIRS."""
    folders = [BUNDLED_DIR, *(Path(d) for d in settings.CHECKLIST_DIRS)]
    return [path for folder in folders for path in sorted(folder.glob("v*.yaml"))]


def checklist_for_version(version: str) -> Checklist:
    """A checklist version from the files `load_checklists` reads (bundled, then those in
    settings.CHECKLIST_DIRS), for the commands that evaluate or document one: they read no
    database, so they work where nothing is set up."""
    files = {path.stem[1:]: path for path in reversed(checklist_files())}  # first one wins
    if version not in files:
        known = ", ".join(sorted(files, key=version_key)) or "none"
        raise UnknownVersion(f"v{version}.yaml",
                             f"unknown checklist version {version!r} (known: {known})")
    return load_checklist(files[version])


def checklist_load_file(path: Path, *, actor: Actor | None = None) -> LoadResult:
    """Load one version file; refuse a changed file for an already-loaded version."""
    try:
        content = path.read_bytes()
        text = content.decode("utf-8")
        checklist = load_checklist(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the file as UTF-8 text: {exc}") from None
    except ChecklistError as exc:
        raise InvalidInput(str(exc)) from None
    sha256 = hashlib.sha256(content).hexdigest()
    if checklist.sha256 != sha256:
        raise InvalidInput(f"{path}: the file changed while it was being loaded; try again.")
    with transaction.atomic():
        existing = ChecklistVersion.objects.select_for_update().filter(
            version=checklist.version).first()
        if existing is not None:
            if existing.sha256 != sha256:
                raise InvalidInput(
                    f"{path}: checklist version {checklist.version} is already loaded from a "
                    "different file; a loaded version never changes. Save your revision as a "
                    "new version (e.g. v{0}.yaml with version: \"{0}\").".format(
                        _next_version(checklist.version))
                )
            return LoadResult(path.name, checklist.version, "unchanged")
        version = ChecklistVersion.objects.create(
            version=checklist.version, title=checklist.title, effective=checklist.effective,
            sha256=sha256, source=text, file_name=path.name,
        )
        audit_record(actor=actor or Actor.system("load_checklists"),
                     event=AuditEvent.RECORD_CHANGE, obj=version,
                     summary=f"Checklist v{checklist.version} loaded from {path.name}",
                     after={"version": checklist.version, "sha256": sha256,
                            "questions": len(checklist.questions)})
    return LoadResult(path.name, checklist.version, "loaded")


def _next_version(version: str) -> str:
    return str(int(version) + 1) if version.isdigit() else version + "-1"


def checklists_load_all(*, actor: Actor | None = None) -> list[LoadResult]:
    return [checklist_load_file(path, actor=actor) for path in checklist_files()]
