"""Celery tasks: thin, they take ids and call services."""

from celery import shared_task

from vetting import services


@shared_task(name="vetting.complete_worker_check")
def complete_worker_check(check_id: int) -> None:
    worker = complete_worker_check.request.hostname or ""
    services.worker_check_complete(check_id=check_id, worker=worker)
