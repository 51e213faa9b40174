"""Exit statuses: 0 success, 1 some work failed or was refused, 2 bad usage or bad input."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from gate.aws import describe
from gate.replay.errors import RecordNotFoundError, ReplayError
from gate.window.document import WindowDocumentError

WORK_FAILED = 1
BAD_INPUT = 2


class WorkFailedError(click.ClickException):
    """Raised when a command could not do (all of) its work: AWS failed, or the gate's state forbids it."""

    exit_code = WORK_FAILED


class BadInputError(click.ClickException):
    """Raised when the operator's input is unusable: a missing name, an invalid document, an unknown id."""

    exit_code = BAD_INPUT


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn the library's and AWS's errors into click errors with the right exit status."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        yield
    except (WindowDocumentError, RecordNotFoundError) as exc:
        raise BadInputError(str(exc)) from exc
    except ReplayError as exc:
        raise WorkFailedError(str(exc)) from exc
    except NoRegionError as exc:
        raise BadInputError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION) or a profile's region") from exc
    except NoCredentialsError as exc:
        raise BadInputError("no AWS credentials: configure a profile or the AWS_* variables") from exc
    except (ClientError, BotoCoreError) as exc:
        raise WorkFailedError(f"AWS call failed: {describe(exc)}") from exc
