"""`manage.py load_checklists`: loads version files once; a loaded version never changes."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from vetting.checklist.schema import BUNDLED_DIR
from vetting.models import AuditEntry, ChecklistVersion

BUNDLED_V1 = BUNDLED_DIR / "v1.yaml"
HELP_V1 = "help: How the product is presented to the clinic."


def run(*files: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_checklists", *map(str, files), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_refused(*files: Path) -> tuple[CommandError, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_checklists", *map(str, files), stdout=out, stderr=err)
    return excinfo.value, out.getvalue(), err.getvalue()


def state() -> list[tuple]:
    """What a refused load must leave untouched."""
    return [
        *ChecklistVersion.objects.order_by("version").values_list("version", "sha256", "source"),
        AuditEntry.objects.count(),
    ]


@pytest.fixture
def edited_v1(tmp_path) -> Path:
    """v1.yaml with one help text changed: the same version, a different file."""
    path = tmp_path / "v1.yaml"
    text = BUNDLED_V1.read_text(encoding="utf-8")
    assert HELP_V1 in text
    path.write_text(text.replace(HELP_V1, "help: How the product is sold."), encoding="utf-8")
    return path


@pytest.fixture
def malformed_v2(tmp_path) -> Path:
    path = tmp_path / "v2.yaml"
    path.write_text('version: "2"\ntitle: Broken\nquestions: [this is: not: valid\n',
                    encoding="utf-8")
    return path


def test_it_loads_the_bundled_version(db):
    out, err = run()
    assert out.splitlines() == ["loaded: checklist v1 (v1.yaml)"]
    assert err == ""
    version = ChecklistVersion.objects.get()
    assert version.version == "1"
    assert version.source == BUNDLED_V1.read_text(encoding="utf-8")
    assert version.file_name == "v1.yaml"


def test_loading_is_audited(db):
    run()
    entry = AuditEntry.objects.get()
    assert entry.object_type == "ChecklistVersion"
    assert entry.actor_label == "load_checklists"
    assert entry.summary == "Checklist v1 loaded from v1.yaml"


def test_a_second_run_reports_unchanged_and_writes_nothing(db):
    run()
    before = state()
    out, _ = run()
    assert out.splitlines() == ["unchanged: checklist v1 (v1.yaml)"]
    assert state() == before


def test_a_changed_file_for_a_loaded_version_is_refused_with_exit_2(db, edited_v1):
    run()
    before = state()
    error, out, err = run_refused(edited_v1)
    assert error.returncode == 2
    assert out == ""
    assert err.startswith(f"refused: {edited_v1}: checklist version 1 is already loaded")
    assert "v2.yaml" in err  # tells the admin what to do instead
    assert state() == before


def test_a_changed_file_in_a_configured_folder_is_refused(db, settings, edited_v1):
    settings.CHECKLIST_DIRS = [str(edited_v1.parent)]
    run(BUNDLED_V1)
    before = state()
    error, out, err = run_refused()
    assert error.returncode == 2
    assert "unchanged: checklist v1 (v1.yaml)" in out  # the bundled file itself
    assert str(edited_v1) in err
    assert state() == before


def test_a_malformed_file_is_refused_naming_it(db, malformed_v2):
    run()
    before = state()
    error, out, err = run_refused(malformed_v2)
    assert error.returncode == 2
    assert err.startswith("refused: v2.yaml")
    assert out == ""
    assert state() == before
    assert not ChecklistVersion.objects.filter(version="2").exists()


def test_a_malformed_file_does_not_stop_the_others(db, malformed_v2):
    error, out, err = run_refused(BUNDLED_V1, malformed_v2)
    assert error.returncode == 2
    assert out.splitlines() == ["loaded: checklist v1 (v1.yaml)"]
    assert "v2.yaml" in err
    assert list(ChecklistVersion.objects.values_list("version", flat=True)) == ["1"]


def test_a_file_that_is_not_utf8_is_refused(db, tmp_path):
    path = tmp_path / "v2.yaml"
    path.write_bytes(b'version: "2"\ntitle: \xff\xfe\n')
    error, _, err = run_refused(path)
    assert error.returncode == 2
    assert "v2.yaml" in err
    assert not ChecklistVersion.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_new_version_file_is_loaded_next_to_the_old_one(db, tmp_path):
    run()
    path = tmp_path / "v2.yaml"
    shutil.copy(BUNDLED_V1, path)
    path.write_text(path.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1),
                    encoding="utf-8")
    out, _ = run(path)
    assert out.splitlines() == ["loaded: checklist v2 (v2.yaml)"]
    assert list(ChecklistVersion.objects.order_by("version").values_list(
        "version", flat=True)) == ["1", "2"]
    assert ChecklistVersion.objects.get(version="1").source == BUNDLED_V1.read_text(
        encoding="utf-8")
