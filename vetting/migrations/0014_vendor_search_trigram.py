"""On PostgreSQL, a trigram index for the vendor register's search.

The search is `name or country contains the text` (icontains: UPPER(..) LIKE '%text%'),
which no B-tree serves: PostgreSQL read the whole vendor table twice per search, for the
count and for the page (bench/pages.py). pg_trgm's GIN index serves it. Creating the
extension needs the right to (a superuser, or the database owner from PostgreSQL 13 on):
where it is refused the migration says so and goes on without the index; the search works
the same, only slower. SQLite: nothing to do.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

INDEX = "vendor_search_trgm_idx"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):  # a savepoint: a refusal is kept apart
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logger.warning("pg_trgm could not be enabled (%s): the vendor search works without "
                       "its index. Ask the database administrator to run "
                       "CREATE EXTENSION pg_trgm, then migrate again.", exc)
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON vetting_vendor USING gin "
        "((UPPER(name::text)) gin_trgm_ops, (UPPER(country::text)) gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("vetting", "0013_register_performance"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
