"""Services: the one place where records change (see design/style.md)."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from vetting.models import WorkerCheck


def worker_check_start(*, user) -> WorkerCheck:
    """Record a worker round trip and enqueue it once the row is committed."""
    from vetting.tasks import complete_worker_check

    with transaction.atomic():
        check = WorkerCheck.objects.create(requested_by=user)
        transaction.on_commit(lambda: complete_worker_check.delay(check.pk))
    return check


def worker_check_complete(*, check_id: int, worker: str) -> None:
    # A filtered update makes a re-delivered task a no-op.
    WorkerCheck.objects.filter(pk=check_id, completed_at__isnull=True).update(
        completed_at=timezone.now(), worker=worker[:255]
    )


def planner_statistics_refresh() -> bool:
    """Refresh the query planner's statistics on SQLite (the embedded default); returns
    whether it ran. Without them SQLite picks an index by guesswork and the dashboard's
    "due for re-vetting" scans every approved assessment instead of the few that lapsed
    (bench/pages.py). PostgreSQL's autovacuum keeps its own statistics."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
