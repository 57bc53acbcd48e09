#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import select
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except BrokenPipeError:
        if not stdout_reader_gone():
            raise  # another pipe or a socket broke: an error to report
        # The reader of the output stopped early (`manage.py verify_report r.pdf | head -1`):
        # end quietly as a Unix tool does, with SIGPIPE's status, not a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + 13)


def stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reading end has closed (poll says POLLERR)."""
    poll = select.poll()
    poll.register(sys.stdout.fileno(), select.POLLOUT)
    return any(events & select.POLLERR for _, events in poll.poll(0))


if __name__ == "__main__":
    main()
