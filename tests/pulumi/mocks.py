"""Pulumi's own mocks for the program: fake ids, names and ARNs, and a record of every resource.

Modelled on pulumi/examples testing-unit-py: ``new_resource`` answers each resource
registration with an id and a state, so the program runs with no CLI, no engine and
no cloud. The record lets a test look at every resource's inputs after the run.
"""

from __future__ import annotations

import hashlib
import json
import runpy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

from gate.local.checkout import REPOSITORY_ROOT

PROGRAM = REPOSITORY_ROOT / "__main__.py"
PROJECT = "maintenance-gate"
ACCOUNT = "123456789012"
REGION = "eu-west-1"

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
FUNCTION = "aws:lambda/function:Function"
LAYER = "aws:lambda/layerVersion:LayerVersion"
PARAMETER = "aws:ssm/parameter:Parameter"
TABLE = "aws:dynamodb/table:Table"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
BUCKET_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
SCHEDULE = "aws:scheduler/schedule:Schedule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
GATE_COMPONENT = "maintenance-gate:index:MaintenanceGate"
PARTITION = "aws"
INVOKES: dict[str, dict[str, str]] = {
    "aws:index/getRegion:getRegion": {"region": REGION, "name": REGION, "id": REGION},
    "aws:index/getPartition:getPartition": {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION},
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer",
        "id": ACCOUNT,
        "userId": "AIDADEPLOYER",
    },
}
REPLAYER_COMPONENT = "maintenance-gate:index:GateReplayer"


def autoname(logical_name: str) -> str:
    """What Pulumi's auto-naming does (logical name, a dash, 7 random characters), made repeatable."""
    return f"{logical_name}-{hashlib.sha256(logical_name.encode()).hexdigest()[:7]}"


def _computed(typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs the provider would compute for one resource, ARNs first."""
    physical = inputs.get("name") or autoname(name)
    if typ == LAYER:
        layer_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{inputs['layerName']}"
        return {"layerArn": layer_arn, "arn": f"{layer_arn}:1", "version": "1"}
    if typ == LOG_GROUP:
        # name_prefix plus a unique suffix, as the provider does it.
        group = inputs.get("name") or f"{inputs.get('namePrefix', name)}{autoname(name)[-7:]}"
        return {"name": group, "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"}
    if typ == BUCKET:
        bucket = inputs.get("bucket") or autoname(name)
        return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}
    arns: dict[str, Callable[[str], str]] = {
        ROLE: lambda n: f"arn:aws:iam::{ACCOUNT}:role/{n}",
        FUNCTION: lambda n: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{n}",
        PARAMETER: lambda n: f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{n}",
        TABLE: lambda n: f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{n}",
        SCHEDULE: lambda n: f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{n}",
    }
    if typ in arns:
        return {"name": physical, "arn": arns[typ](physical)}
    return {}


@dataclass(frozen=True)
class Registration:
    """What the engine is told about a resource beyond its inputs."""

    urn: str
    parent: str
    ignore_changes: tuple[str, ...]
    dependencies: tuple[str, ...]
    retain_on_delete: bool
    protect: bool


class GateMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        # Keyed by type and name: a component and one of its children may share a name.
        self.registrations: dict[tuple[str, str], Registration] = {}
        self.calls: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        state = {**args.inputs, **_computed(args.typ, args.name, args.inputs)}
        # Roles and buckets are addressed by name; others get an opaque id.
        physical = state.get("bucket") or state.get("name") or args.name
        return str(physical), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # Where the stack is and whose account it is; every policy is otherwise built as data.
        if args.token not in INVOKES:
            raise AssertionError(f"unexpected provider call {args.token}")
        self.calls.append(args.token)
        return dict(INVOKES[args.token]), []


class RecordingMonitor(MockMonitor):
    """Pulumi's mock monitor, also keeping what each resource asks of the engine (parent, options, dependencies)."""

    def __init__(self, mocks: GateMocks) -> None:
        super().__init__(mocks)
        self.gate_mocks = mocks

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.gate_mocks.registrations[request.type, request.name] = Registration(
            urn=response.urn,
            parent=request.parent,
            ignore_changes=tuple(request.ignoreChanges),
            dependencies=tuple(request.dependencies),
            retain_on_delete=request.retainOnDelete,
            protect=request.protect,
        )
        return response


@dataclass
class Run:
    """One run of a program under the mocks: its resources and its resolved outputs."""

    stack: str
    mocks: GateMocks
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)

    @property
    def resources(self) -> list[pulumi.runtime.MockResourceArgs]:
        return self.mocks.resources

    def all(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [resource for resource in self.resources if resource.typ == typ]

    def one(self, typ: str, suffix: str = "") -> pulumi.runtime.MockResourceArgs:
        found = [resource for resource in self.all(typ) if resource.name.endswith(suffix)]
        assert len(found) == 1, f"expected one {typ} named *{suffix}, found {[r.name for r in found]}"
        return found[0]

    def registration(self, resource: pulumi.runtime.MockResourceArgs) -> Registration:
        return self.mocks.registrations[resource.typ, resource.name]

    def arn(self, typ: str, suffix: str = "") -> str:
        """The ARN the mocks gave the one resource of ``typ`` whose name ends in ``suffix``."""
        resource = self.one(typ, suffix)
        return str(_computed(resource.typ, resource.name, resource.inputs)["arn"])

    def outputs_of(self, resource: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
        """What the mocks computed for ``resource`` (its name and ARN)."""
        return _computed(resource.typ, resource.name, resource.inputs)

    def arns(self) -> set[str]:
        """Every ARN the mocks handed out, i.e. every resource this program owns."""
        return {
            value
            for resource in self.resources
            for value in _computed(resource.typ, resource.name, resource.inputs).values()
            if isinstance(value, str) and value.startswith("arn:")
        }


def stack_config(values: Mapping[str, Any], project: str = PROJECT) -> dict[str, str]:
    """Config as the CLI hands it to a program: project-namespaced keys, strings, objects as JSON."""
    config: dict[str, str] = {}
    for key, value in values.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, str):
            config[full] = value
        elif isinstance(value, bool):
            config[full] = "true" if value else "false"
        else:
            config[full] = json.dumps(value, separators=(",", ":"))  # the CLI's JSON is compact
    return config


@contextmanager
def mocked(
    stack: str, config: Mapping[str, Any], mocks: GateMocks | None = None, project: str = PROJECT
) -> Iterator[GateMocks]:
    """Fresh mocks and config, so no test sees another's resources or settings."""
    mocks = mocks or GateMocks()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=RecordingMonitor(mocks))
    pulumi.runtime.set_all_config(stack_config(config, project), [])
    try:
        yield mocks
    finally:
        pulumi.runtime.set_all_config({}, [])


def run(
    program: Callable[[], Mapping[str, Any]],
    *,
    stack: str = "dev",
    config: Mapping[str, Any] = (),
    mocks: GateMocks | None = None,
    project: str = PROJECT,
) -> Run:
    """Run ``program`` (which returns the outputs it would export) under the mocks to completion."""
    with mocked(stack, dict(config), mocks, project) as active:
        result = Run(stack=stack, mocks=active)

        @pulumi.runtime.test
        def execute() -> pulumi.Output[Any]:
            outputs = dict(program())
            secrets = [pulumi.Output.from_input(pulumi.Output.from_input(v).is_secret()) for v in outputs.values()]
            return pulumi.Output.all(pulumi.Output.all(**outputs), pulumi.Output.all(*secrets)).apply(
                lambda resolved: _record(result, resolved[0], dict(zip(outputs, resolved[1], strict=True)))
            )

        execute()
    return result


def _record(result: Run, outputs: dict[str, Any], secret: dict[str, bool]) -> None:
    result.outputs.update(outputs)
    result.secret_outputs.update(name for name, is_secret in secret.items() if is_secret)


def run_stack(
    *, stack: str = "dev", config: Mapping[str, Any] = (), mocks: GateMocks | None = None, project: str = PROJECT
) -> Run:
    """Run the repository's own ``__main__.py`` afresh, collecting what it exports."""

    def program() -> Mapping[str, Any]:
        exported: dict[str, Any] = {}
        with mock.patch.object(pulumi, "export", exported.__setitem__):
            runpy.run_path(str(PROGRAM), run_name="__main__")
        return exported

    return run(program, stack=stack, config=config, mocks=mocks, project=project)


def policy_documents(run_: Run) -> list[tuple[str, dict[str, Any]]]:
    """(resource name, parsed document) for every IAM policy the program declares."""
    documents = []
    for resource in run_.resources:
        for key in ("policy", "assumeRolePolicy"):
            text = resource.inputs.get(key)
            if isinstance(text, str) and resource.typ in (ROLE, ROLE_POLICY, BUCKET_POLICY):
                documents.append((resource.name, json.loads(text)))
    return documents


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def plain(value: Any) -> Any:
    """An input as the program gave it: the mock monitor hands secret inputs over still wrapped."""
    if isinstance(value, dict) and value.get(_special_sig_key) == _special_secret_sig:
        return plain(value["value"])
    return value


def as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | dict) else list(value)
