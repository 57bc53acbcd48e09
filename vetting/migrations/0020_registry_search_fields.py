"""Names and countries as the registers search them (vetting.models.registry.folded), kept on
save: SQLite's LIKE and lower() fold ASCII only, so "ärzte" missed "Ärzte". On PostgreSQL
the vendor search's trigram index (0014) moves to the folded fields, where pg_trgm is
enabled (0014 says how, where it could not be)."""

import logging

from django.db import migrations, models

logger = logging.getLogger(__name__)

OLD_INDEX, INDEX = "vendor_search_trgm_idx", "vendor_search_folded_trgm_idx"


def fill(apps, schema_editor):
    from vetting.models.registry import folded

    Vendor = apps.get_model("vetting", "Vendor")
    Product = apps.get_model("vetting", "Product")
    vendors = [Vendor(pk=pk, search_name=folded(name), search_country=folded(country))
               for pk, name, country in Vendor.objects.values_list("pk", "name", "country")]
    Vendor.objects.bulk_update(vendors, ["search_name", "search_country"], batch_size=1000)
    products = [Product(pk=pk, search_name=folded(name))
                for pk, name in Product.objects.values_list("pk", "name")]
    Product.objects.bulk_update(products, ["search_name"], batch_size=1000)


def _trgm_enabled(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def move_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    if not _trgm_enabled(schema_editor.connection):
        logger.warning("pg_trgm is not enabled: the vendor search works without its index. "
                       "See migration 0014.")
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON vetting_vendor USING gin "
        "(search_name gin_trgm_ops, search_country gin_trgm_ops)")


def restore_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    if _trgm_enabled(schema_editor.connection):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON vetting_vendor USING gin "
            "((UPPER(name::text)) gin_trgm_ops, (UPPER(country::text)) gin_trgm_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ("vetting", "0019_reevaluate_open_assessments"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="vendor",
            name="search_country",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="vendor",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(move_index, restore_index),
    ]
