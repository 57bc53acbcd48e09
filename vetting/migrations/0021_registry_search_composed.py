"""The registers' search copies of names and countries, composed alike (NFC): a name typed
or pasted with a separate accent ("e" and U+0301) was stored, and searched, apart from the
same name with "é". Rows whose copy differs from vetting.models.registry.folded() now are
written again; the others are left alone."""

from django.db import migrations


def refold(apps, schema_editor):
    from vetting.models.registry import folded

    Vendor = apps.get_model("vetting", "Vendor")
    Product = apps.get_model("vetting", "Product")
    vendors = [Vendor(pk=pk, search_name=folded(name), search_country=folded(country))
               for pk, name, country, search_name, search_country in Vendor.objects.values_list(
                   "pk", "name", "country", "search_name", "search_country")
               if (folded(name), folded(country)) != (search_name, search_country)]
    Vendor.objects.bulk_update(vendors, ["search_name", "search_country"], batch_size=1000)
    products = [Product(pk=pk, search_name=folded(name))
                for pk, name, search_name in Product.objects.values_list(
                    "pk", "name", "search_name")
                if folded(name) != search_name]
    Product.objects.bulk_update(products, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("vetting", "0020_registry_search_fields"),
    ]

    operations = [
        migrations.RunPython(refold, migrations.RunPython.noop),
    ]
