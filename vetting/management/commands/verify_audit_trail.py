"""Check the audit trail's hash chain, the decisions against their signature entries and
the assessments' states against their audited changes; exit 0, or 1 naming the first broken
entry, each decision and each assessment that differs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vetting.audit import chain_hash, verify_chain
from vetting.services.lifecycle import assessments_unlike_their_trail
from vetting.services.review import decisions_unlike_their_signatures


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and name the first broken entry."

    def handle(self, *args, **options) -> None:
        check = verify_chain()
        if not check.ok:
            self.stdout.write(f"BROKEN at entry #{check.broken_seq}: {check.problem}")
            raise CommandError(
                f"audit trail broken at entry #{check.broken_seq} "
                f"({check.checked} entries before it verified)", returncode=1)
        mismatches = decisions_unlike_their_signatures()
        for problem in mismatches:
            self.stdout.write(f"DECISION CHANGED: {problem}")
        states = assessments_unlike_their_trail()
        for problem in states:
            self.stdout.write(f"STATE CHANGED: {problem}")
        if mismatches or states:
            what = [f"{len(mismatches)} decision record(s) differ from their signature "
                    "entries"] if mismatches else []
            what += [f"{len(states)} assessment(s) are not in the state their audit trail "
                     "records"] if states else []
            raise CommandError("; ".join(what), returncode=1)
        self.stdout.write(f"OK: {check.checked} entries verified; chain hash {chain_hash()}")
