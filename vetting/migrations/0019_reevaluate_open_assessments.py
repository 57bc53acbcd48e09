"""Open assessments evaluated again: since this release a vendor question is not answered by
the fields the clinic records in it alone (4.1's vial lot, 1.2's "called exosome"), so the
stored recommendation and MISSING count of an open assessment may be out of date until its
next change. Decided assessments keep what was decided. Reads the historical models and
runs the rules engine (pure Python) on them; an assessment whose answers no longer parse is
left as it was (its next change evaluates it)."""

import yaml
from django.db import migrations
from django.utils import timezone

OPEN_STATES = ("draft", "awaiting_vendor", "vendor_submitted", "information_requested",
               "in_review")


def reevaluate(apps, schema_editor):
    from vetting.checklist import DossierError, Evidence, evaluate, parse_checklist, parse_dossier

    Assessment = apps.get_model("vetting", "Assessment")
    Answer = apps.get_model("vetting", "Answer")
    EvidenceDocument = apps.get_model("vetting", "EvidenceDocument")
    checklists = {}
    today, now = timezone.localdate(), timezone.now()
    open_assessments = Assessment.objects.filter(state__in=OPEN_STATES).select_related(
        "checklist_version")
    for assessment in open_assessments.iterator(chunk_size=500):
        stored = assessment.checklist_version
        if stored.pk not in checklists:
            checklists[stored.pk] = parse_checklist(
                yaml.safe_load(stored.source), file=f"v{stored.version}.yaml",
                sha256=stored.sha256)
        checklist = checklists[stored.pk]
        answers = dict(Answer.objects.filter(assessment_id=assessment.pk)
                       .values_list("question_id", "value"))
        try:
            typed = parse_dossier({"checklist_version": checklist.version, "answers": answers},
                                  source=f"assessment {assessment.pk}",
                                  checklists=lambda _, checklist=checklist: checklist)
        except DossierError:
            continue
        evidence = {}
        documents = EvidenceDocument.objects.filter(assessment_id=assessment.pk, is_current=True)
        for question_ids, name, kind, sha256 in documents.values_list(
                "question_ids", "original_name", "kind", "sha256"):
            for qid in question_ids:
                evidence.setdefault(qid, []).append(Evidence(name, kind, sha256))
        evaluation = evaluate(checklist, typed.answers, evidence, on_date=today)
        counts = {"RED": 0, "AMBER": 0, "MISSING": 0}
        for finding in evaluation.findings:
            counts[str(finding.severity)] += 1
        Assessment.objects.filter(pk=assessment.pk).update(
            recommendation=evaluation.recommendation.value, red_count=counts["RED"],
            amber_count=counts["AMBER"], missing_count=counts["MISSING"], evaluated_at=now)


class Migration(migrations.Migration):

    dependencies = [
        ("vetting", "0018_recommendation_covering_index"),
    ]

    operations = [
        migrations.RunPython(reevaluate, migrations.RunPython.noop),
    ]
