"""The PostgreSQL trigram index for the vendor search (0014, moved to the folded search
fields by 0020), and its refusal path."""

import importlib
import logging
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection

migration = importlib.import_module("vetting.migrations.0014_vendor_search_trigram")
moved = importlib.import_module("vetting.migrations.0020_registry_search_fields")


@pytest.mark.django_db
def test_the_vendor_search_index_is_on_the_folded_fields_on_postgresql_only():
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "vetting_vendor")
    assert (moved.INDEX in indexes) == (connection.vendor == "postgresql")
    assert migration.INDEX not in indexes
    if connection.vendor == "postgresql":
        assert indexes[moved.INDEX]["columns"] == ["search_name", "search_country"]


class FakeEditor:
    def __init__(self, refuse: bool):
        self.connection = SimpleNamespace(vendor="postgresql", alias="default")
        self.refuse, self.statements = refuse, []

    def execute(self, sql):
        if self.refuse and "EXTENSION" in sql:
            raise DatabaseError("permission denied to create extension")
        self.statements.append(sql)


@pytest.mark.django_db
def test_a_refused_extension_leaves_the_search_without_its_index(caplog):
    editor = FakeEditor(refuse=True)
    with caplog.at_level(logging.WARNING):
        migration.create_index(None, editor)
    assert editor.statements == []
    assert "CREATE EXTENSION pg_trgm" in caplog.text


@pytest.mark.django_db
def test_with_the_extension_the_index_covers_name_and_country():
    editor = FakeEditor(refuse=False)
    migration.create_index(None, editor)
    assert editor.statements[0] == "CREATE EXTENSION IF NOT EXISTS pg_trgm"
    assert "UPPER(name::text)) gin_trgm_ops" in editor.statements[1]
    assert "UPPER(country::text)) gin_trgm_ops" in editor.statements[1]


def test_sqlite_is_left_alone():
    editor = FakeEditor(refuse=False)
    editor.connection.vendor = "sqlite"
    migration.create_index(None, editor)
    migration.drop_index(None, editor)
    assert editor.statements == []


@pytest.mark.parametrize("enabled", [True, False])
def test_0020_moves_the_index_to_the_folded_fields_where_pg_trgm_is_enabled(
        monkeypatch, caplog, enabled):
    monkeypatch.setattr(moved, "_trgm_enabled", lambda connection: enabled)
    editor = FakeEditor(refuse=False)
    with caplog.at_level(logging.WARNING):
        moved.move_index(None, editor)
    assert editor.statements[0] == f"DROP INDEX IF EXISTS {migration.INDEX}"
    if enabled:
        assert len(editor.statements) == 2
        assert "(search_name gin_trgm_ops, search_country gin_trgm_ops)" in editor.statements[1]
        assert caplog.text == ""
    else:
        assert len(editor.statements) == 1
        assert "pg_trgm is not enabled" in caplog.text


def test_0020_reversed_puts_back_the_index_of_0014(monkeypatch):
    monkeypatch.setattr(moved, "_trgm_enabled", lambda connection: True)
    editor = FakeEditor(refuse=False)
    moved.restore_index(None, editor)
    assert editor.statements[0] == f"DROP INDEX IF EXISTS {moved.INDEX}"
    assert f"CREATE INDEX IF NOT EXISTS {migration.INDEX}" in editor.statements[1]
    assert "UPPER(name::text)) gin_trgm_ops" in editor.statements[1]


def test_0020_leaves_sqlite_alone():
    editor = FakeEditor(refuse=False)
    editor.connection.vendor = "sqlite"
    moved.move_index(None, editor)
    moved.restore_index(None, editor)
    assert editor.statements == []
