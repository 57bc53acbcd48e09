"""The PostgreSQL trigram index for the vendor search, and its refusal path."""

import importlib
import logging
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection

migration = importlib.import_module("vetting.migrations.0014_vendor_search_trigram")


@pytest.mark.django_db
def test_the_vendor_search_index_exists_on_postgresql_only():
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "vetting_vendor")
    assert (migration.INDEX in indexes) == (connection.vendor == "postgresql")


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
