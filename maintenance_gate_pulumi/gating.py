"""How a function's arguments become a gated function's: the layer, the gate's variables, and one of two modes.

- **wrapper** mode: ``AWS_LAMBDA_EXEC_WRAPPER=/opt/maintenance-gate``; the function's
  ``Handler`` stays its own and the wrapper swaps it at start-up.
- **handler** mode: ``Handler=gate.entry.handler`` and ``GATE_ORIGINAL_HANDLER`` = the
  function's handler; no exec wrapper of ours.

The default is wrapper mode, unless the function already has an exec wrapper
(OpenTelemetry's ``/opt/otel-instrument``, Datadog's, Dynatrace's...), which Lambda
allows only one of: then it is handler mode, and the two compose. The other wrapper
runs first and wraps ``gate.entry.handler``; the gate calls the function's handler.
Wrapper mode stays the default because it leaves the function's own ``Handler`` in
place, where consoles and tools show it and people edit it.

The Lambda Web Adapter is refused: its ``/opt/bootstrap`` wrapper runs a web server
in place of a Python handler, so there is no handler for the gate to stand in front of.

Any managed runtime can be gated (``runtime_kind``): Python gets the in-process gate in
either mode; every other one (Node.js, Java, .NET, Ruby) gets the Runtime API proxy,
which only wrapper mode starts, from the layer built for the function's architecture.
OS-only runtimes (``provided.*``) run no exec wrapper and container images take no
layers: both are refused, naming the runtime and the docs section that says what to do.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pulumi
import pulumi_aws as aws

from layer.build import WRAPPER_PATH_ON_LAMBDA

EXEC_WRAPPER_VARIABLE = "AWS_LAMBDA_EXEC_WRAPPER"
ORIGINAL_HANDLER_VARIABLE = "GATE_ORIGINAL_HANDLER"
GATE_HANDLER = "gate.entry.handler"
# The Lambda Web Adapter: its exec wrapper, and the name its published layers share
# (LambdaAdapterLayerX86, LambdaAdapterLayerArm64).
WEB_ADAPTER_WRAPPER = "/opt/bootstrap"
WEB_ADAPTER_LAYER = ":layer:LambdaAdapterLayer"


# Where docs/runtimes.md says how to gate what the component cannot.
PROVIDED_DOCS = "docs/runtimes.md, section 'OS-only runtimes (provided.al2023)'"
IMAGE_DOCS = "docs/runtimes.md, section 'Container images'"
# Lambda's default when a function names no architecture.
DEFAULT_ARCHITECTURE = "x86_64"


class GateMode(str, Enum):
    WRAPPER = "wrapper"
    HANDLER = "handler"


class RuntimeKind(str, Enum):
    PYTHON = "python"  # the in-process gate
    PROXIED = "proxied"  # any other managed runtime: the Runtime API proxy


class UngateableFunctionError(ValueError):
    """Raised when a function's arguments cannot be gated; names the argument and its value."""


@dataclass(frozen=True)
class _Decision:
    mode: GateMode
    handler: str


def decide(
    requested: GateMode | None, variables: Mapping[str, Any], handler: Any, layers: Sequence[Any] | None
) -> _Decision:
    """The mode to gate with; refuses what cannot be gated, naming the setting and its value."""
    wrapper = variables.get(EXEC_WRAPPER_VARIABLE)
    if wrapper == WEB_ADAPTER_WRAPPER:
        raise UngateableFunctionError(
            f"the function runs the Lambda Web Adapter ({EXEC_WRAPPER_VARIABLE}={wrapper!r}): "
            "it has no Python handler for the gate to stand in front of"
        )
    for layer in layers or ():
        if isinstance(layer, str) and WEB_ADAPTER_LAYER in layer:
            raise UngateableFunctionError(
                f"the function has the Lambda Web Adapter's layer (layers: {layer!r}): "
                "it has no Python handler for the gate to stand in front of"
            )
    if not isinstance(handler, str) or not handler:
        raise UngateableFunctionError(f"the function needs a handler to gate (handler={handler!r})")
    if handler == GATE_HANDLER:
        raise UngateableFunctionError(f"the function is already gated (handler={handler!r})")
    if wrapper == WRAPPER_PATH_ON_LAMBDA:
        raise UngateableFunctionError(f"the function is already gated ({EXEC_WRAPPER_VARIABLE}={wrapper!r})")
    if requested is None:
        return _Decision(GateMode.HANDLER if wrapper else GateMode.WRAPPER, handler)
    if GateMode(requested) is GateMode.WRAPPER and wrapper:
        raise UngateableFunctionError(
            f"the function already sets {EXEC_WRAPPER_VARIABLE}={wrapper!r} and Lambda runs one wrapper; "
            "gate it in handler mode (mode=GateMode.HANDLER), which keeps that wrapper"
        )
    return _Decision(GateMode(requested), handler)


def runtime_kind(runtime: Any, package_type: Any = None) -> RuntimeKind:
    """How a function of ``runtime`` is gated; refuses what the layer cannot gate, naming the runtime."""
    if isinstance(package_type, str) and package_type == "Image":
        raise UngateableFunctionError(
            f"a container image function cannot use layers (package_type='Image'); see {IMAGE_DOCS}"
        )
    if not isinstance(runtime, str) or not runtime:
        raise UngateableFunctionError(
            f"the function's runtime must be a plain string to pick its layer (runtime={runtime!r})"
        )
    if runtime.startswith("provided"):
        raise UngateableFunctionError(
            f"runtime {runtime!r} is OS-only: Lambda runs no exec wrapper for it, so the layer cannot gate it "
            f"by configuration; change its bootstrap as {PROVIDED_DOCS} shows"
        )
    return RuntimeKind.PYTHON if runtime.startswith("python") else RuntimeKind.PROXIED


def architecture_of(architectures: Any) -> str:
    """The function's one architecture (Lambda's default when unset), to pick the layer built for it."""
    if architectures is None:
        return DEFAULT_ARCHITECTURE
    if not isinstance(architectures, list | tuple) or len(architectures) != 1 or not isinstance(architectures[0], str):
        raise UngateableFunctionError(
            "the function's architectures must be a plain list of one, x86_64 or arm64 "
            f"(architectures={architectures!r})"
        )
    return architectures[0]


def check_proxied(runtime: str, variables: Mapping[str, Any], mode: GateMode | None) -> None:
    """A non-Python function is gated by the wrapper alone: no handler mode, no other wrapper."""
    if mode is not None and GateMode(mode) is GateMode.HANDLER:
        raise UngateableFunctionError(
            f"handler mode is for Python functions; a {runtime} function is gated in wrapper mode (mode={mode!r})"
        )
    wrapper = variables.get(EXEC_WRAPPER_VARIABLE)
    if wrapper and wrapper not in (WEB_ADAPTER_WRAPPER, WRAPPER_PATH_ON_LAMBDA):
        raise UngateableFunctionError(
            f"the function already sets {EXEC_WRAPPER_VARIABLE}={wrapper!r} and Lambda runs one wrapper; "
            f"a {runtime} function has no handler mode to keep it (see docs/runtimes.md)"
        )


def check_proxied_args(args: aws.lambda_.FunctionArgs, mode: GateMode | None) -> None:
    """``check_proxied`` on a function's arguments, where its variables are known now."""
    own = _environment_variables(args.environment)
    if _known(own):
        check_proxied(str(args.runtime), own or {}, mode)


def mode_variables(decision: _Decision) -> dict[str, str]:
    if decision.mode is GateMode.WRAPPER:
        return {EXEC_WRAPPER_VARIABLE: WRAPPER_PATH_ON_LAMBDA}
    return {ORIGINAL_HANDLER_VARIABLE: decision.handler}


def gate_function(
    args: aws.lambda_.FunctionArgs,
    *,
    gate_variables: Mapping[str, pulumi.Input[str]],
    layer_arn: pulumi.Input[str],
    mode: GateMode | None = None,
    kind: RuntimeKind = RuntimeKind.PYTHON,
    bytecode_runtimes: Sequence[str] | None = None,
) -> aws.lambda_.FunctionArgs:
    """A copy of ``args``, gated: the layer last, the gate's variables, and the mode's handler.

    ``kind`` is ``runtime_kind(args.runtime)``; ``layer_arn`` the layer for that kind
    (and, for a proxied runtime, the function's architecture). With ``bytecode_runtimes``
    (what the layer holds bytecode for), a Python function on another runtime gets a
    warning: it compiles the gate's modules at every cold start.
    """
    if isinstance(args.runtime, str) or (isinstance(args.package_type, str) and args.package_type == "Image"):
        runtime_kind(args.runtime, args.package_type)
    if kind is RuntimeKind.PYTHON and bytecode_runtimes is not None and args.runtime is not None:
        runtime: Any = args.runtime
        pulumi.Output.from_input(runtime).apply(lambda value: warn_without_bytecode(value, bytecode_runtimes))
    own = _environment_variables(args.environment)
    layers: Any = args.layers
    if kind is RuntimeKind.PROXIED:
        # Only wrapper mode starts the proxy: the wrapper is the function's whole gate.
        check_proxied_args(args, mode)
        mode = GateMode.WRAPPER
    if _known(own) and _known(args.handler) and _known(layers):
        # Decided now when everything is known, so the error points at the caller.
        decide(mode, own or {}, args.handler, layers)
        _refuse_gate_variables(own or {}, gate_variables)
    decision = pulumi.Output.all(
        pulumi.Output.from_input(own or {}), args.handler, pulumi.Output.from_input(layers or [])
    ).apply(lambda values: decide(mode, values[0], values[1], values[2]))

    def environment(values: list[Any]) -> dict[str, str]:
        variables, gate, made = values
        return {**_refuse_gate_variables(variables, gate), **gate, **mode_variables(made)}

    gated = copy.copy(args)
    # Last, because a later layer wins where files overlap: nothing may shadow the gate.
    gated.layers = pulumi.Output.all(layers, layer_arn).apply(lambda pair: [*(pair[0] or []), pair[1]])
    gated.handler = decision.apply(lambda made: GATE_HANDLER if made.mode is GateMode.HANDLER else made.handler)
    gated.environment = aws.lambda_.FunctionEnvironmentArgs(
        variables=pulumi.Output.all(
            pulumi.Output.from_input(own or {}), pulumi.Output.from_input(dict(gate_variables)), decision
        ).apply(environment)
    )
    return gated


def warn_without_bytecode(runtime: Any, bytecode_runtimes: Sequence[str]) -> bool:
    """Warn (and say True) when the layer holds no bytecode for ``runtime``."""
    name = str(getattr(runtime, "value", runtime))
    if not name.startswith("python") or name in bytecode_runtimes:
        return False
    have = ", ".join(bytecode_runtimes) or "no runtime"
    pulumi.log.warn(
        f"the maintenance-gate layer holds bytecode for {have}, not {name}: a function on {name} compiles the"
        f" gate's modules at every cold start (about 10 ms). Build the layer where python{name.removeprefix('python')}"
        " is on PATH (or found by `uv python find`) to ship it."
    )
    return True


def _known(value: Any) -> bool:
    """Whether ``value`` holds no Output, so it can be checked at once."""
    if isinstance(value, pulumi.Output):
        return False
    if isinstance(value, Mapping):
        return all(_known(item) for item in value.values())
    if isinstance(value, list | tuple):
        return all(_known(item) for item in value)
    return True


def _environment_variables(environment: Any) -> Any:
    if environment is None:
        return None
    if isinstance(environment, aws.lambda_.FunctionEnvironmentArgs):
        return environment.variables
    if isinstance(environment, Mapping):
        return environment.get("variables")
    raise TypeError("pass the function's environment as FunctionEnvironmentArgs or a dict, not an Output")


def _refuse_gate_variables(own: Mapping[str, Any], gate: Mapping[str, Any]) -> Mapping[str, Any]:
    clash = sorted(set(own) & (set(gate) | {ORIGINAL_HANDLER_VARIABLE}))
    if clash:
        raise UngateableFunctionError(f"the function already sets {', '.join(clash)}; the gate sets these itself")
    return own
