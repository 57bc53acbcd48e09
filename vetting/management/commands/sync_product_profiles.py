"""Set each assessed product's category and form to answers 0.1 and 0.2 of the assessment
that defines them (the decision standing, else the newest one not withdrawn), audited.

Run once after upgrading to the release that ties them together (2026-12-01): products
edited apart from their assessments before it keep a category or form that no assessment
(or approval) covers, and can no longer be edited on their own. Running it again changes
nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from vetting.audit import Actor
from vetting.models import AssessmentState, Product
from vetting.services.answers import STANDING_STATES, product_profile_follow


class Command(BaseCommand):
    help = "Set assessed products' category and form from their assessments' 0.1 and 0.2."

    def handle(self, *args, **options) -> None:
        actor, changed = Actor.system("sync_product_profiles"), 0
        for product in Product.objects.filter(assessments__isnull=False).distinct():
            assessments = product.assessments.exclude(state=AssessmentState.WITHDRAWN)
            defining = (assessments.filter(state__in=STANDING_STATES).order_by("-number").first()
                        or assessments.order_by("-number").first())
            if defining is None:
                continue
            before = (product.category, product.form)
            with transaction.atomic():
                product_profile_follow(defining, actor, signed=True)
            product.refresh_from_db(fields=["category", "form"])
            if (product.category, product.form) != before:
                changed += 1
                self.stdout.write(f"{product.name}: {before[0]}/{before[1]} -> "
                                  f"{product.category}/{product.form} "
                                  f"(assessment {defining.number})")
        self.stdout.write(f"{changed} product{'' if changed == 1 else 's'} changed.")
