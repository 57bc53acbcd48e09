"""Errors the services raise; each message is meant for the person who acted."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused action. `field` names the input the message belongs next to; `problems`
    lists every (field, message) found, the first being `field` and `message`, so that a
    form can show them all at once."""

    def __init__(self, message: str, *, field: str | None = None,
                 problems: list[tuple[str | None, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = problems or [(field, message)]


class NotAllowed(ServiceError):
    """The actor's role does not allow this action."""


class InvalidState(ServiceError):
    """The assessment's current state does not allow this action."""


class InvalidInput(ServiceError):
    """The input is not valid (an answer, a file, a dossier)."""

    @classmethod
    def of(cls, problems: list[tuple[str | None, str]]) -> InvalidInput:
        """One error for several problems (the first leads)."""
        field, message = problems[0]
        return cls(message, field=field, problems=problems)
