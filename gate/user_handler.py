"""Resolve the function's own handler by awslambdaric's rules, failing the way it does.

An ungated function whose module cannot be imported fails init with
``Runtime.ImportModuleError``; a gated one must fail identically, so these errors are
raised as awslambdaric's own ``FaultException`` when that class is available.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Any, TypeAlias

    from gate.types import LambdaContext

# What awslambdaric calls with the event and the context.
Handler: TypeAlias = "Callable[[Any, LambdaContext], Any]"

IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"


class HandlerResolutionError(Exception):
    """Raised when the original handler cannot be loaded and awslambdaric's FaultException is absent."""

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        super().__init__(f"{exception_type}: {msg}")
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


def resolve_handler(handler: str) -> Handler:
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise _fault(MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {exc}") from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise _fault(BUILT_IN_MODULE_CONFLICT, f"Cannot use built-in module {modname} as a handler module")
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise _fault(IMPORT_MODULE_ERROR, f"Unable to import module '{modname}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise _fault(USER_CODE_SYNTAX_ERROR, f"Syntax error in module '{modname}': {exc}", trace) from None
    try:
        return getattr(module, fname)  # type: ignore[no-any-return]
    except AttributeError:
        raise _fault(HANDLER_NOT_FOUND, f"Handler '{fname}' missing on module '{modname}'") from None


def _fault(exception_type: str, msg: str, trace: list[str] | None = None) -> Exception:
    try:
        from awslambdaric.lambda_runtime_exception import FaultException
    except ImportError:
        return HandlerResolutionError(exception_type, msg, trace)
    return FaultException(exception_type, msg, trace)  # type: ignore[no-any-return]
