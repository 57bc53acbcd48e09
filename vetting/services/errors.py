"""Errors the services raise; each message is meant for the person who acted."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused action. `field` names the input the message belongs next to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ServiceError):
    """The actor's role does not allow this action."""


class InvalidState(ServiceError):
    """The assessment's current state does not allow this action."""


class InvalidInput(ServiceError):
    """The input is not valid (an answer, a file, a dossier)."""
