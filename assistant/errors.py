"""Domain errors: each carries its HTTP status and a message the web layer translates."""


class DomainError(Exception):
    """A rule of the domain was not met; `message` is an English msgid for gettext."""

    status_code = 400
    message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, field: str | None = None, **params: object):
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.field = field
        self.params = params


class NotFound(DomainError):
    """The thing asked for does not exist (or is not yours to see)."""

    status_code = 404
    message = "Not found."


class InvalidInput(DomainError):
    """Input that breaks a rule; the message says which, in the user's language."""

    status_code = 422


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; the web layer translates it when shown."""
    return message
