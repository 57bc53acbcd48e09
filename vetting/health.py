"""Checks behind /healthz and the system page: does each backing service answer?"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not answering"; the reason goes to the log
        logger.exception("health check: database not answering")
        return False
    return True


def check_broker() -> bool:
    from clinic.celery import app

    try:
        with app.connection_for_write(connect_timeout=settings.HEALTH_CHECK_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_CHECK_TIMEOUT)
            # Opening a channel talks to the broker (a Redis PING, a folder listing).
            conn.default_channel  # noqa: B018
    except Exception:
        logger.exception("health check: task broker not answering")
        return False
    return True
