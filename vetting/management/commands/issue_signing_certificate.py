"""Create the clinic's local CA and a report signing certificate, or rotate the latter."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vetting.reports.signing import issue_certificate, p12_path


class Command(BaseCommand):
    help = ("Create a local CA and a signing certificate for reports in SIGNING_DIR "
            "(for installations without their own PKCS#12), or rotate the signing certificate.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rotate", action="store_true",
                            help="issue a new signing certificate; old reports stay valid")
        parser.add_argument("--if-missing", action="store_true",
                            help="do nothing when a signing certificate exists (make run)")
        parser.add_argument("--days", type=int, default=825,
                            help="validity of the signing certificate in days (default 825)")

    def handle(self, *args, rotate: bool, if_missing: bool, days: int, **options) -> None:
        if if_missing and p12_path().exists():
            self.stdout.write(f"signing certificate present: {p12_path()}")
            return
        try:
            issued = issue_certificate(rotate=rotate, days=days)
        except (FileExistsError, ValueError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        if issued.created_ca:
            self.stdout.write(f"created the local CA: {issued.p12.parent / 'ca.pem'}")
        self.stdout.write(f"issued {issued.subject}, valid until {issued.not_after:%Y-%m-%d}")
        self.stdout.write(f"SHA-256 fingerprint {issued.fingerprint_sha256}")
        self.stdout.write(f"PKCS#12: {issued.p12}")
