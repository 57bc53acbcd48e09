"""Celery tasks: thin, they take ids and call services."""

from celery import shared_task

from vetting import services
from vetting.services import reports as services_reports


@shared_task(name="vetting.complete_worker_check")
def complete_worker_check(check_id: int) -> None:
    worker = complete_worker_check.request.hostname or ""
    services.worker_check_complete(check_id=check_id, worker=worker)


@shared_task(bind=True, name="vetting.generate_report", max_retries=None)
def generate_report(self, report_id: int) -> None:
    """Render and sign one report; retried with back-off, the failure recorded each time."""
    from django.conf import settings

    try:
        services_reports.report_generate(report_id=report_id)
    except Exception as exc:
        if self.request.retries >= settings.REPORT_TASK_MAX_RETRIES:
            raise  # the report stays "failed" with its error; retried by hand
        raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries) from exc

from vetting.tasks_reminders import send_expiry_reminders, send_weekly_digest  # noqa: E402,F401
