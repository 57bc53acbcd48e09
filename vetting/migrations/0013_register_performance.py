"""Faster registers and dashboard (bench/pages.py): the dates a decision lapses on, kept on
the decision; each product's newest assessment, kept on the product; indexes that serve the
dashboard and the register's filters from the index alone."""

from datetime import date

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_dates(apps, schema_editor):
    """Fill the two dates of decisions signed before they were stored, from the answer to
    question 2.2 of the decided assessment (a decided assessment's answers never change)."""
    Decision = apps.get_model("vetting", "Decision")
    Answer = apps.get_model("vetting", "Answer")
    for decision in Decision.objects.iterator():
        value = (Answer.objects.filter(assessment_id=decision.assessment_id, question_id="2.2")
                 .values_list("value", flat=True).first())
        raw = value.get("expiry_date") if isinstance(value, dict) else None
        try:
            certificate = date.fromisoformat(raw) if isinstance(raw, str) and raw else None
        except ValueError:
            certificate = None
        lapses = min((d for d in (decision.valid_until, certificate) if d), default=None)
        Decision.objects.filter(pk=decision.pk).update(certificate_expiry=certificate,
                                                       lapses_on=lapses)


def set_newest(apps, schema_editor):
    Product = apps.get_model("vetting", "Product")
    Assessment = apps.get_model("vetting", "Assessment")
    newest = Assessment.objects.filter(product=OuterRef("pk")).order_by("-number")
    Product.objects.update(newest_assessment=Subquery(newest.values("pk")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('vetting', '0012_report_claims'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='assessment',
            name='vetting_ass_created_e1227e_idx',
        ),
        migrations.RemoveIndex(
            model_name='assessment',
            name='vetting_ass_product_11a5e3_idx',
        ),
        migrations.RemoveIndex(
            model_name='product',
            name='vetting_pro_categor_a0a96e_idx',
        ),
        migrations.AddField(
            model_name='decision',
            name='certificate_expiry',
            field=models.DateField(blank=True, help_text="The GMP certificate's last valid day, as answered.", null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='lapses_on',
            field=models.DateField(blank=True, help_text="The earlier of valid_until and certificate_expiry: the approval's last day.", null=True),
        ),
        migrations.AddField(
            model_name='product',
            name='newest_assessment',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='vetting.assessment'),
        ),
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(fields=['created_by', 'state', '-state_changed_at'], name='assessment_owner_state_idx'),
        ),
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(fields=['product', '-number', 'state', 'recommendation'], name='assessment_product_newest_idx'),
        ),
        migrations.AddIndex(
            model_name='decision',
            index=models.Index(fields=['-signed_at'], name='decision_signed_at_idx'),
        ),
        migrations.AddIndex(
            model_name='decision',
            index=models.Index(fields=['lapses_on', 'assessment'], name='decision_lapses_idx'),
        ),
        migrations.AddIndex(
            model_name='product',
            index=models.Index(fields=['category', 'newest_assessment'], name='product_category_newest_idx'),
        ),
        # Default orderings by the assessment's (or product's) id, not by its own ordering:
        # that joined the assessment table to every query of answers and documents.
        migrations.AlterModelOptions(
            name='answer',
            options={'ordering': ['assessment_id', 'question_id']},
        ),
        migrations.AlterModelOptions(
            name='evidencedocument',
            options={'ordering': ['assessment_id', '-uploaded_at']},
        ),
        migrations.AlterModelOptions(
            name='expectedevidence',
            options={'ordering': ['assessment_id', 'question_id', 'name']},
        ),
        migrations.AlterModelOptions(
            name='lot',
            options={'ordering': ['product_id', '-received_on', '-pk']},
        ),
        migrations.AlterModelOptions(
            name='reviewcomment',
            options={'ordering': ['assessment_id', 'question_id', 'created_at']},
        ),
        migrations.AlterModelOptions(
            name='vendorsubmission',
            options={'ordering': ['assessment_id', 'number']},
        ),
        migrations.RunPython(copy_dates, migrations.RunPython.noop),
        migrations.RunPython(set_newest, migrations.RunPython.noop),
    ]
