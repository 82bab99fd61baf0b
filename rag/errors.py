"""Errors a user can act on. The CLI and the UI print their message as one line, never a traceback."""


class NewsdeskError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class InputError(NewsdeskError):
    """A missing folder, nothing to index, a bad option value."""

    exit_code = 3


class IndexMissingError(NewsdeskError):
    """No index where one was expected."""

    exit_code = 4


class IndexIncompatibleError(NewsdeskError):
    """The index was built with another model or format version."""

    exit_code = 4


class IndexDamagedError(NewsdeskError):
    """The index folder is damaged or is not a Newsdesk index (truncated, missing or foreign files)."""

    exit_code = 4


class BackendUnavailableError(NewsdeskError):
    """An answer backend that cannot run here (missing package, model or server)."""

    exit_code = 5


class NothingToIndexError(InputError):
    """No usable article was found; ``problems`` says why for each file."""

    def __init__(self, message: str, problems: list):
        super().__init__(message)
        self.problems = problems
