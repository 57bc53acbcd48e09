"""The admins' system page and its "send a test task" action."""

import pytest

from vetting.models import WorkerCheck

pytestmark = pytest.mark.django_db


def test_admin_sees_the_service_states(client_for, admin_user):
    response = client_for(admin_user).get("/system/")
    assert response.status_code == 200
    assert b"Database: <strong>answering</strong>" in response.content
    assert b"Task broker: <strong>answering</strong>" in response.content


@pytest.mark.parametrize("role", ["practitioner", "reviewer", None])
def test_other_roles_are_refused(client_for, make_user, role):
    user = make_user(role) if role else make_user()
    assert client_for(user).get("/system/").status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    assert client.get("/system/")["Location"] == "/accounts/login/?next=/system/"


def test_admin_sends_a_test_task_that_completes(client_for, admin_user,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post("/system/worker-checks/")
    assert response.status_code == 302
    check = WorkerCheck.objects.get()
    assert check.requested_by == admin_user
    assert check.completed_at is not None  # tasks run eagerly in unit tests


@pytest.mark.parametrize("role", ["practitioner", "reviewer"])
def test_other_roles_cannot_send_a_test_task(client_for, make_user, role):
    assert client_for(make_user(role)).post("/system/worker-checks/").status_code == 403
    assert not WorkerCheck.objects.exists()


def test_anonymous_user_cannot_send_a_test_task(client):
    assert client.post("/system/worker-checks/").status_code == 302
    assert not WorkerCheck.objects.exists()


def test_get_on_the_action_is_refused(client_for, admin_user):
    assert client_for(admin_user).get("/system/worker-checks/").status_code == 405
    assert not WorkerCheck.objects.exists()


def test_completing_twice_keeps_the_first_completion():
    from vetting import services

    check = WorkerCheck.objects.create()
    services.worker_check_complete(check_id=check.pk, worker="first")
    services.worker_check_complete(check_id=check.pk, worker="second")
    check.refresh_from_db()
    assert check.worker == "first"
