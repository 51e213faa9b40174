"""The failures of a window read, named as botocore names them.

The gate logs and counts a failed refresh by :func:`gate.aws.error_code`: the AWS
error code of a service error, else the exception's class name. These classes keep
the names botocore used before the read stopped importing it, so logs, metrics and
alarms read the same.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any


class ParameterReadError(Exception):
    """Base of every failure to read the window parameter."""


class ServiceError(ParameterReadError):
    """Raised when Parameter Store answers with an error; ``response`` has botocore's ClientError shape."""

    def __init__(self, code: str, message: str, status: int) -> None:
        self.response: dict[str, Any] = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        super().__init__(f"An error occurred ({code}) when calling the GetParameter operation: {message}")

    @property
    def code(self) -> str:
        return str(self.response["Error"]["Code"])


class EndpointConnectionError(ParameterReadError):
    """Raised when no connection to the endpoint could be made."""


class ConnectTimeoutError(EndpointConnectionError):
    """Raised when connecting to the endpoint took longer than the connect timeout."""


class ProxyConnectionError(EndpointConnectionError):
    """Raised when the HTTPS proxy refused the connection or the tunnel."""


class ReadTimeoutError(ParameterReadError):
    """Raised when the endpoint accepted the request but did not answer within the read timeout."""


class ConnectionClosedError(ParameterReadError):
    """Raised when the connection broke before a whole response arrived."""


class NoCredentialsError(ParameterReadError):
    """Raised when neither the environment nor a credentials endpoint provides credentials."""


class CredentialRetrievalError(ParameterReadError):
    """Raised when the container credentials endpoint fails or answers something unusable."""
