"""Server time and query counts of the main pages on a large register (not run in CI).

    python bench/pages.py [--backend sqlite|postgres|both] [--vendors 10000]
                          [--assessments 50000] [--repeat 15]

Builds a throw-away database per backend (SQLite in a temporary folder; PostgreSQL as
`clinic_bench` on DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432),
fills it by bulk inserts, then requests each page in-process with Django's test client
and prints the median time (over rounds that request every page once), its ratio to a
trivial view that renders the base template (measured in the same rounds), and the
number of SQL queries. Target: ratio <= 3, and query counts that do not depend on the
data size.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--vendors", type=int, default=10_000)
    parser.add_argument("--assessments", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run_backend(backend, args)


def run_backend(backend: str, args) -> None:
    """Run the measurement in a fresh process configured for one database backend."""
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "VAR_DIR": var, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if backend == "postgres":
            base, name = PG_URL.rsplit("/", 1)
            admin = f"{base}/postgres"
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
            env["DATABASE_URL"] = PG_URL
        command = [sys.executable, __file__, "--child", backend, "--vendors", str(args.vendors),
                   "--assessments", str(args.assessments), "--repeat", str(args.repeat)]
        try:
            subprocess.run(command, env=env, cwd=ROOT, check=True)
        finally:
            if backend == "postgres":
                subprocess.run(["psql", f"{base}/postgres", "-qc",
                                f"DROP DATABASE IF EXISTS {name}"], check=False)


def run_child(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = "bench.pages_urls"
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_checklists", verbosity=0, stdout=quiet)
    started = time.perf_counter()
    ids = populate(args.vendors, args.assessments)
    print(f"\n== {args.child}: {args.vendors} vendors, {args.assessments} assessments "
          f"(filled in {time.perf_counter() - started:.1f} s) ==")
    measure(ids, args.repeat)


PRACTITIONERS = 40  # a clinic group; the measuring user is one of them
DECIDED = {"approved": "approved", "approved_with_conditions": "approved_with_conditions",
           "rejected": "rejected", "superseded": "approved", "suspended": "approved"}


def populate(n_vendors: int, n_assessments: int) -> dict:
    from datetime import timedelta

    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.db.models import OuterRef, Subquery
    from django.utils import timezone

    from vetting.models import (
        Answer,
        Assessment,
        AssessmentState,
        ChecklistVersion,
        Decision,
        Product,
        Recommendation,
        Vendor,
    )
    from vetting.models.registry import folded

    rng = random.Random(20261124)
    practitioner = Group.objects.get(name="practitioner")
    owners = [User.objects.create_user("bench" if i == 0 else f"practitioner{i:02d}",
                                       password="bench-password-1")
              for i in range(PRACTITIONERS)]
    for owner in owners:
        owner.groups.add(practitioner)
    user = owners[0]
    version = ChecklistVersion.objects.get()
    categories = ["exosome_ev", "conditioned_medium", "plant_vesicles", "pdrn", "platelet_derived"]
    n_products = max(1, n_assessments // 2)
    with transaction.atomic():
        # bulk_create does not call save(), which keeps the folded search fields.
        countries = ["United States", "South Korea", "Germany", "Taiwan"]
        Vendor.objects.bulk_create(
            [Vendor(name=name, country=country, search_name=folded(name),
                    search_country=folded(country))
             for name, country in ((f"Vendor {i:05d}", rng.choice(countries))
                                   for i in range(n_vendors))], batch_size=2000)
        vendor_ids = list(Vendor.objects.values_list("pk", flat=True))
        Product.objects.bulk_create(
            [Product(vendor_id=vendor_ids[i % len(vendor_ids)], name=f"Product {i:06d}",
                     search_name=f"product {i:06d}", category=rng.choice(categories),
                     form="topical")
             for i in range(n_products)], batch_size=2000)
        product_ids = list(Product.objects.values_list("pk", flat=True))
        states, recommendations = AssessmentState.values, Recommendation.values
        Assessment.objects.bulk_create(
            [Assessment(product_id=product_ids[i % len(product_ids)], number=i // n_products + 1,
                        checklist_version=version, created_by=rng.choice(owners),
                        state=rng.choice(states), recommendation=rng.choice(recommendations),
                        red_count=rng.randint(0, 5), amber_count=rng.randint(0, 9),
                        missing_count=rng.randint(0, 40))
             for i in range(n_assessments)], batch_size=2000)
        now = Assessment.objects.first().created_at
        answers = []
        for pk in Assessment.objects.values_list("pk", flat=True).iterator():
            answers += [
                Answer(assessment_id=pk, question_id="0.1", value={"category": "exosome_ev"},
                       source="import", answered_at=now),
                Answer(assessment_id=pk, question_id="0.2", value={"form": "topical"},
                       source="import", answered_at=now),
                Answer(assessment_id=pk, question_id="1.1", value={"source": "plant"},
                       source="import", answered_at=now),
                Answer(assessment_id=pk, question_id="5.1", value={"route": "intact_skin"},
                       source="import", answered_at=now),
            ]
            if len(answers) >= 8000:
                Answer.objects.bulk_create(answers)
                answers = []
        Answer.objects.bulk_create(answers)
        # What Assessment.save keeps (bulk_create does not call it).
        newest = Assessment.objects.filter(product=OuterRef("pk")).order_by("-number")
        Product.objects.update(newest_assessment=Subquery(newest.values("pk")[:1]))
        # Every decided assessment has its signed decision: lapsed, lapsing soon or later.
        today, signed = timezone.localdate(), timezone.now()
        decisions = []
        for pk, state in Assessment.objects.filter(state__in=DECIDED).values_list("pk", "state"):
            until = today + timedelta(days=rng.randint(-120, 720))
            certificate = today + timedelta(days=rng.randint(-60, 1500))
            decisions.append(Decision(
                assessment_id=pk, outcome=DECIDED[state], valid_until=until,
                certificate_expiry=certificate, lapses_on=min(until, certificate),
                recommendation="no_objections", red_count=0, amber_count=0, missing_count=0,
                signed_by=user, signer_name="Bench Reviewer", signer_role="Reviewer",
                signed_at=signed - timedelta(minutes=rng.randint(0, 500_000)),
                meaning="bench", content_sha256="0" * 64))
        Decision.objects.bulk_create(decisions, batch_size=2000)
        # What services.review._sign copies to the assessment.
        lapses = Decision.objects.filter(assessment=OuterRef("pk")).values("lapses_on")[:1]
        Assessment.objects.filter(state__in=DECIDED).update(lapses_on=Subquery(lapses))
    # The planner statistics and visibility map a running database has (PostgreSQL's
    # autovacuum makes them after such inserts; on SQLite the nightly
    # vetting.refresh_planner_statistics task).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sample = Assessment.objects.filter(state="draft").select_related("product").first()
    return {"user": user, "vendor": vendor_ids[len(vendor_ids) // 2],
            "product": sample.product_id, "assessment": sample.pk}


# The dashboard is served from a cache until the audit trail moves: measured both ways
# (in use, every audited event, downloads included, makes the next one a miss).
AFTER_A_CHANGE = "dashboard, after a change"


def audited_change() -> None:
    """An audit entry, as every change writes one: the next dashboard is rendered anew."""
    from django.db import transaction

    from vetting.audit import Actor, audit_record
    from vetting.models import AuditEvent

    with transaction.atomic():
        audit_record(actor=Actor.system("bench"), event=AuditEvent.RECORD_CHANGE,
                     summary="bench: a change between two dashboards")


def measure(ids: dict, repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(ids["user"], backend="django.contrib.auth.backends.ModelBackend")
    pages = [
        ("trivial view (base template)", "/bench/trivial/"),
        ("dashboard, unchanged (cached)", "/"),
        (AFTER_A_CHANGE, "/"),
        ("vendor list", "/vendors/"),
        ("vendor list, search", "/vendors/?q=Vendor+0042"),
        ("vendor list, page 200", "/vendors/?page=200"),
        ("product list", "/products/"),
        ("product list, filtered", "/products/?category=exosome_ev&recommendation=do_not_approve"),
        ("assessment list", "/assessments/"),
        ("assessment list, mine open", "/assessments/?owner=me&state=open"),
        ("vendor page", f"/vendors/{ids['vendor']}/"),
        ("product page", f"/products/{ids['product']}/"),
        ("assessment summary", f"/assessments/{ids['assessment']}/"),
        ("checklist step 1", f"/assessments/{ids['assessment']}/steps/1/"),
    ]
    for _label, url in pages:
        for _ in range(3):  # warm caches, template loading, the checklist parse
            assert client.get(url).status_code == 200, url
    # Round robin: each round requests every page once, so that a slower stretch of the
    # machine (a shared VM) weighs on every page alike, not on whichever page it hit.
    times: dict[str, list[float]] = {label: [] for label, _ in pages}
    for _ in range(repeat):
        for label, url in pages:
            if label == AFTER_A_CHANGE:
                audited_change()
            start = time.perf_counter()
            client.get(url)
            times[label].append(time.perf_counter() - start)
    results = []
    for label, url in pages:
        if label == AFTER_A_CHANGE:
            audited_change()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results.append((label, statistics.median(times[label]), len(queries)))
    baseline = results[0][1]
    print(f"{'page':34} {'median ms':>10} {'x trivial':>10} {'queries':>8}")
    for label, median, count in results:
        print(f"{label:34} {median * 1000:10.1f} {median / baseline:10.2f} {count:8d}")


if __name__ == "__main__":
    main()
