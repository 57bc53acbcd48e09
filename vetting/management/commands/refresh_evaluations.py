"""Store the rules engine's recommendation and finding counts again on every open assessment
(what the registers filter and sort by), e.g. after upgrading to a release whose engine reads
answers differently. Decided assessments keep what their decision was signed with. Running
it again changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from vetting.models import OPEN_STATES, Assessment
from vetting.services.common import lock_assessment
from vetting.services.evaluation import assessment_refresh

FIELDS = ("recommendation", "red_count", "amber_count", "missing_count")


class Command(BaseCommand):
    help = "Re-evaluate the open assessments and store their recommendation and counts."

    def handle(self, *args, **options) -> None:
        changed = 0
        open_ids = Assessment.objects.filter(state__in=OPEN_STATES).order_by("pk")
        for pk in open_ids.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                assessment = lock_assessment(pk)
                if assessment.state not in OPEN_STATES:  # decided meanwhile
                    continue
                before = [getattr(assessment, name) for name in FIELDS]
                assessment_refresh(assessment=assessment)
            after = [getattr(assessment, name) for name in FIELDS]
            if after != before:
                changed += 1
                self.stdout.write(
                    f"assessment {pk} ({assessment.product.name}, no. {assessment.number}): "
                    f"{before[0]} -> {after[0]}; RED {after[1]}, AMBER {after[2]}, "
                    f"MISSING {after[3]}")
        self.stdout.write(f"{changed} open assessment{'' if changed == 1 else 's'} changed.")
