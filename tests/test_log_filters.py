"""Portal tokens never reach the logs."""

import logging

from clinic.log_filters import RedactPortalTokens

TOKEN = "rArCX7ViX0GxjZHG2UZo480h_2t2_qy7ymQvVtrGpVE"


def record(message, *args):
    return logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args,
                             None)


def test_tokens_in_messages_and_arguments_are_redacted():
    entry = record("%s: %s", "Bad Request", f"/v/{TOKEN}/documents/")
    assert RedactPortalTokens().filter(entry) is True
    assert entry.getMessage() == "Bad Request: /v/<redacted>/documents/"
    assert TOKEN not in entry.getMessage()


def test_other_lines_are_left_alone():
    entry = record('"GET /vendors/?q=v HTTP/1.1" %s', 200)
    RedactPortalTokens().filter(entry)
    assert entry.getMessage() == '"GET /vendors/?q=v HTTP/1.1" 200'


def test_request_and_server_logs_go_only_through_the_redacting_handler():
    for name in ("django.request", "django.server", "vetting"):
        logger = logging.getLogger(name)
        handlers = []
        while logger:
            handlers += logger.handlers
            logger = logger.parent if logger.propagate else None
        # pytest adds its capture handlers; the project's own are configured by name.
        ours = [h for h in handlers if h.name]
        assert [h.name for h in ours] == ["stderr"], (name, ours)
        assert any(isinstance(f, RedactPortalTokens) for f in ours[0].filters)
