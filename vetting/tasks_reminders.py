"""Periodic tasks (Celery beat): expiry reminders daily, the reviewers' digest weekly, the
SQLite planner's statistics nightly.

Thin: they call the services, which claim each reminder with a unique row, so a task
that runs twice (a retry, two beat processes by mistake) sends nothing twice.
"""

from celery import shared_task

from vetting.services import standing


@shared_task(name="vetting.send_expiry_reminders")
def send_expiry_reminders() -> int:
    return standing.reminders_send()


@shared_task(name="vetting.send_weekly_digest")
def send_weekly_digest() -> int:
    return standing.digest_send()


@shared_task(name="vetting.refresh_planner_statistics")
def refresh_planner_statistics() -> bool:
    from vetting.services.system import planner_statistics_refresh

    return planner_statistics_refresh()
