"""Check the audit trail's hash chain, and the decisions against their signature entries;
exit 0, or 1 naming the first broken entry or each decision that differs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vetting.audit import chain_hash, verify_chain
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
        if mismatches:
            for problem in mismatches:
                self.stdout.write(f"DECISION CHANGED: {problem}")
            raise CommandError(f"{len(mismatches)} decision record(s) differ from their "
                               "signature entries", returncode=1)
        self.stdout.write(f"OK: {check.checked} entries verified; chain hash {chain_hash()}")
