"""Report pipeline cost and background throughput (not run in CI).

    python bench/report.py [--repeat 7] [--reports 12] [--backend services|embedded]

In a throw-away installation (PostgreSQL and Redis on this machine by default; with
--backend embedded, SQLite and the file-system queue) it loads the demo data, then
measures in one run:
1. the whole report pipeline (report_generate: load, render, sign, store, audit) of the
   largest demo assessment against bare WeasyPrint rendering plus pyHanko signing of the
   same HTML: medians and their ratio (target <= 1.15);
2. N reports generated serially in this process against the same N through 2 Celery
   worker processes: wall times and the speed-up (target >= 1.7 on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--backend", choices=["embedded", "services"], default="services",
                        help="embedded: SQLite and the file-system queue; services: "
                             "PostgreSQL and Redis on this machine (default)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args)
        return
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "VAR_DIR": var, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            env.pop(name, None)
        if args.backend == "services":
            admin = "postgres://postgres@127.0.0.1:5432/postgres"
            for sql in ("DROP DATABASE IF EXISTS clinic_bench_report",
                        "CREATE DATABASE clinic_bench_report"):
                subprocess.run(["psql", admin, "-qc", sql], check=True)
            env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/clinic_bench_report"
            env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
            env["CELERY_TASK_DEFAULT_QUEUE"] = "bench-report"
        try:
            subprocess.run([sys.executable, __file__, "--child", "--repeat", str(args.repeat),
                            "--reports", str(args.reports)], env=env, cwd=ROOT, check=True)
        finally:
            if args.backend == "services":
                subprocess.run(["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-qc",
                                "DROP DATABASE IF EXISTS clinic_bench_report"], check=False)


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        for command in ("migrate", "load_checklists", "issue_signing_certificate"):
            call_command(command, verbosity=0, stdout=quiet)


def reset(report) -> None:
    from vetting.models import Report

    if report.file:
        report.file.delete(save=False)
    Report.objects.filter(pk=report.pk).update(status="queued", file="", sha256="",
                                               attempts=0, issued_at=None)


def pipeline_vs_bare(report, repeat: int) -> None:
    from vetting.reports import signing
    from vetting.reports.pdf import html_to_pdf, report_html
    from vetting.services.reports import report_generate

    loaded = signing.load_signer()
    html = report_html(report)
    lines = ["Digitally signed", "bench", "bench", report.identifier]

    def bare():
        signing.sign_pdf(html_to_pdf(html), loaded=loaded, signer_name="bench", reason="bench",
                         location="bench", stamp_lines=lines)

    def whole():
        reset(report)
        report_generate(report_id=report.pk)

    for warm in (bare, whole):
        warm()
    times = {"bare": [], "whole": []}
    for _ in range(repeat):  # interleaved, so drift affects both alike
        for label, step in (("bare", bare), ("whole", whole)):
            start = time.perf_counter()
            step()
            times[label].append(time.perf_counter() - start)
    bare_ms, whole_ms = (statistics.median(times[k]) * 1000 for k in ("bare", "whole"))
    print(f"report pipeline (largest demo assessment, {report.assessment.answers.count()} "
          f"answers): median {whole_ms:.0f} ms")
    print(f"bare WeasyPrint + pyHanko of the same HTML: median {bare_ms:.0f} ms")
    print(f"ratio: {whole_ms / bare_ms:.2f} (target <= 1.15)")


def more_reports(count: int) -> list:
    """Decided assessments enough for the throughput run (built like the demo's)."""
    from django.contrib.auth import get_user_model

    from vetting.demo import DemoBuilder
    from vetting.models import Product, Report, Vendor

    users = get_user_model().objects
    builder = DemoBuilder(users.get(username="practitioner"), users.get(username="director"))
    vendor = Vendor.objects.get(name="Hanbit Regenerative Co. (example)")
    while Report.objects.count() < count:
        n = Report.objects.count()
        product = Product.objects.create(vendor=vendor, name=f"Bench product {n}",
                                         category="exosome_ev", form="device_assisted")
        builder.decide(builder.from_example(product, "well-documented-product"), "approved")
    return list(Report.objects.order_by("pk")[:count])


def throughput(reports: list) -> None:
    from vetting.models import Report, WorkerCheck
    from vetting.services.reports import report_generate
    from vetting.tasks import complete_worker_check, generate_report

    for report in reports:
        reset(report)
    start = time.perf_counter()
    for report in reports:
        report_generate(report_id=report.pk)
    serial = time.perf_counter() - start

    workers = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "clinic", "worker",
                                 "--concurrency", "1", "--loglevel", "WARNING", "--hostname",
                                 f"bench{n}@%h"], cwd=ROOT, env=os.environ.copy())
               for n in range(2)]
    try:
        checks = [WorkerCheck.objects.create() for _ in range(4)]
        for check in checks:
            complete_worker_check.delay(check.pk)
        while WorkerCheck.objects.filter(completed_at__isnull=True).exists():
            time.sleep(0.2)  # both workers up, and the demo's queued reports done
        time.sleep(2)
        for report in reports:
            reset(report)
        ids = [r.pk for r in reports]
        start = time.perf_counter()
        for pk in ids:
            generate_report.delay(pk)
        while Report.objects.filter(pk__in=ids).exclude(status="ready").exists():
            time.sleep(0.1)
        parallel = time.perf_counter() - start
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    print(f"{len(reports)} reports serially: {serial:.1f} s; through 2 Celery workers: "
          f"{parallel:.1f} s; speed-up {serial / parallel:.2f} (target >= 1.7)")


def run(args) -> None:
    setup()
    from django.core.management import call_command

    from vetting.models import Report

    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    from celery import current_app

    current_app.conf.task_always_eager = False
    reports = list(Report.objects.select_related("assessment"))
    largest = max(reports, key=lambda r: r.assessment.answers.count())
    pipeline_vs_bare(largest, args.repeat)
    throughput(more_reports(args.reports))


if __name__ == "__main__":
    main()
