from django.db import migrations


def create_head(apps, schema_editor):
    apps.get_model("vetting", "AuditChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("vetting", "0003_domain_model")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
