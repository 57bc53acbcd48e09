"""Each decided assessment keeps its decision's lapses_on, so that the dashboard counts
the approvals due for re-vetting from one index range, without joining the decisions."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_lapses_on(apps, schema_editor):
    Assessment = apps.get_model("vetting", "Assessment")
    Decision = apps.get_model("vetting", "Decision")
    lapses = Decision.objects.filter(assessment=OuterRef("pk")).values("lapses_on")[:1]
    Assessment.objects.filter(decision__isnull=False).update(lapses_on=Subquery(lapses))


class Migration(migrations.Migration):

    dependencies = [
        ('vetting', '0014_vendor_search_trigram'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='lapses_on',
            field=models.DateField(blank=True, editable=False, help_text="Its decision's lapses_on: the approval's last valid day.", null=True),
        ),
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(fields=['state', 'lapses_on'], name='assessment_lapses_idx'),
        ),
        migrations.RunPython(copy_lapses_on, migrations.RunPython.noop),
    ]
