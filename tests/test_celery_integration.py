"""A real task through Redis to a real Celery worker, checked in the test database."""

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.services import celery_worker, needs_services, wait_for
from vetting.models import WorkerCheck

pytestmark = needs_services


def test_ci_runs_on_postgresql_and_redis():
    assert connection.vendor == "postgresql"
    assert redis.Redis.from_url(settings.REDIS_URL).ping() is True


@pytest.mark.django_db(transaction=True)
def test_task_sent_from_the_web_process_is_run_by_the_worker(client_for, make_user, tmp_path):
    admin = make_user("admin", username="ops", is_staff=True)
    with celery_worker(tmp_path) as (worker_name, log_path):
        response = client_for(admin).post("/system/worker-checks/")
        assert response.status_code == 302

        def completed():
            check = WorkerCheck.objects.get()
            return check if check.completed_at else None

        check = wait_for(completed, timeout=90)
        assert check is not None, "worker did not complete the task:\n" + log_path.read_text()
    assert check.worker.startswith(worker_name)
    assert check.requested_by == admin


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_redis_and_postgresql_answering(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_deciding_generates_the_signed_report_in_the_worker(checklist_version, make_user,
                                                            tmp_path):
    from tests.reports import decided, report_bytes
    from vetting.models import Report
    from vetting.reports.verification import verify_pdf

    practitioner = make_user("practitioner", username="pia")
    reviewer = make_user("reviewer", username="rui")
    with celery_worker(tmp_path) as (worker_name, log_path):
        assessment = decided(practitioner, reviewer)  # on commit: the task goes to Redis

        def ready():
            report = Report.objects.get(decision__assessment=assessment)
            return report if report.status == "ready" else None

        report = wait_for(ready, timeout=120)
        assert report is not None, "no report from the worker:\n" + log_path.read_text()
    assert report.attempts == 1
    assert verify_pdf(report_bytes(report)).valid
