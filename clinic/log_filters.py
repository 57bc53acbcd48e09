"""Logging filters."""

from __future__ import annotations

import logging
import re

# A vendor portal link is a credential: its token must not reach log files.
PORTAL_TOKEN = re.compile(r"/v/[A-Za-z0-9_-]{16,}")


class RedactPortalTokens(logging.Filter):
    """Replace /v/<token> in every log line by /v/<redacted>."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/v/" in message:
            record.msg, record.args = PORTAL_TOKEN.sub("/v/<redacted>", message), ()
        return True
