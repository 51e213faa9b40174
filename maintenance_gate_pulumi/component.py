"""The reusable component: the gate's layer, window parameter, table and overflow bucket.

Gating a function takes two calls on the component: ``function_args`` adds the layer,
the GATE_* settings and the gate's wrapper or handler (gating.py) to the function's
arguments, and ``grant`` gives the function's role exactly the calls the gate makes,
on these resources only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from gate.config import FailMode, GateConfig, OnDefer, OnHttp, OnOrdered
from gate.deferral import table as schema
from layer.build import COMPATIBLE_ARCHITECTURES, COMPATIBLE_RUNTIMES
from maintenance_gate_pulumi import gating, policies
from maintenance_gate_pulumi.gating import GateMode, RuntimeKind
from maintenance_gate_pulumi.layer_archive import build_layer_archive, build_proxy_layer_archive
from maintenance_gate_pulumi.naming import check_prefix
from maintenance_gate_pulumi.storage import deferred_table, overflow_bucket
from maintenance_gate_pulumi.window import initial_window_text

TYPE_TOKEN = "maintenance-gate:index:MaintenanceGate"
# The managed runtimes the proxy layers are for (Lambda lists at most 15 per layer version).
PROXIED_RUNTIMES = ("nodejs20.x", "nodejs22.x", "nodejs24.x", "java17", "java21", "dotnet8", "ruby3.3", "ruby3.4")
# Intelligent-Tiering keeps the parameter Standard (free, GetParameter included) while
# the document fits in 4 KB, and makes it Advanced only when an operator writes a
# larger one (the parser allows 8 KB); the provider ignores the tier it then reports.
PARAMETER_TIER = "Intelligent-Tiering"
# The provider's update of a parameter sends PutParameter with the value it holds in
# state (the initial window, unless a refresh ran) whenever any property other than
# the tags changed (pulumi/pulumi-aws#2524). So after creation every such property is
# ignored and the update is never called: a later `pulumi up` cannot put a window
# back over one an operator set. Tags are updated through the tagging API alone;
# name and region are left out because a change to either replaces the parameter.
PARAMETER_CREATE_ONLY = (
    "allowedPattern",
    "arn",
    "dataType",
    "description",
    "insecureValue",
    "keyId",
    "overwrite",
    "tier",
    "type",
    "value",
    "valueWo",
    "valueWoVersion",
)


# The gate's answers to callers that cannot wait for a replay (GATE_ON_HTTP) and to
# ordered sources (GATE_ON_ORDERED).
ON_HTTP_CHOICES = tuple(choice.value for choice in OnHttp)
ON_ORDERED_CHOICES = tuple(choice.value for choice in OnOrdered)


@dataclass(frozen=True)
class MaintenanceGateArgs:
    # The document the parameter starts with: JSON text or a mapping; None is "no window".
    initial_window: str | Mapping[str, Any] | None = None
    # Unset, each is what the gate itself assumes when its variable is unset.
    cache_ttl_seconds: int = int(GateConfig._field_defaults["cache_ttl_seconds"])
    fail_mode: FailMode = GateConfig._field_defaults["fail_mode"]
    on_defer: OnDefer = GateConfig._field_defaults["on_defer"]
    on_http: str = GateConfig._field_defaults["on_http"].value
    on_ordered: str = GateConfig._field_defaults["on_ordered"].value
    # How long finished records and replayed overflow objects are kept.
    retention_days: int = schema.DEFAULT_RETENTION_DAYS
    # Deletion protection on the table, and no force-destroy of a bucket holding events.
    protect_data: bool = True
    # Where the layer zip is written; None is ``build/`` in the working directory.
    build_dir: Path | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.cache_ttl_seconds <= 3600:
            raise ValueError(f"cache_ttl_seconds must be from 0 to 3600 (got {self.cache_ttl_seconds!r})")
        if self.retention_days < 1:
            raise ValueError(f"retention_days must be at least 1 (got {self.retention_days!r})")
        FailMode(self.fail_mode)
        OnDefer(self.on_defer)
        for field, value, accepted in (
            ("on_http", self.on_http, ON_HTTP_CHOICES),
            ("on_ordered", self.on_ordered, ON_ORDERED_CHOICES),
        ):
            if value not in accepted:
                raise ValueError(f"{field} must be one of {', '.join(accepted)} (got {value!r})")


class MaintenanceGate(pulumi.ComponentResource):
    layer: aws.lambda_.LayerVersion
    parameter: aws.ssm.Parameter
    table: aws.dynamodb.Table
    bucket: aws.s3.Bucket

    def __init__(
        self, name: str, args: MaintenanceGateArgs | None = None, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = args or MaintenanceGateArgs()
        # Validated before anything is declared, so a bad window fails `pulumi preview`.
        window = initial_window_text(args.initial_window, "MaintenanceGateArgs.initial_window")
        self._prefix = check_prefix(name, "MaintenanceGate")
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.args = args
        self._name = name
        self._proxy_layers: dict[str, aws.lambda_.LayerVersion] = {}
        child = pulumi.ResourceOptions(parent=self)

        archive = build_layer_archive(args.build_dir)
        self.bytecode_runtimes = archive.bytecode_runtimes
        self.layer = aws.lambda_.LayerVersion(
            f"{name}-layer",
            layer_name=name,
            description="maintenance-gate: defers invocations during a maintenance window",
            code=archive.archive(),
            # Unchanged bytes, unchanged hash: redeploying publishes no new version.
            source_code_hash=archive.source_code_hash,
            # A new gate publishes a new version; the old one stays, because functions in
            # other stacks may pin the exported layerArn and must still update. Destroy
            # keeps versions too: remove them with `aws lambda delete-layer-version`.
            skip_destroy=True,
            compatible_runtimes=list(COMPATIBLE_RUNTIMES),
            compatible_architectures=list(COMPATIBLE_ARCHITECTURES),
            opts=child,
        )
        self.parameter = aws.ssm.Parameter(
            f"{name}-window",
            type="String",
            tier=PARAMETER_TIER,
            value=window,
            description="maintenance-gate window document; change it with `python -m gate window`",
            # After creation the document belongs to operators (python -m gate window).
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=list(PARAMETER_CREATE_ONLY)),
        )
        self.table = deferred_table(name, protect=args.protect_data, opts=child)
        self.bucket = overflow_bucket(name, retention_days=args.retention_days, protect=args.protect_data, opts=child)

        self.layer_arn: pulumi.Output[str] = self.layer.arn
        self.parameter_name: pulumi.Output[str] = self.parameter.name
        self.table_name: pulumi.Output[str] = self.table.name
        self.bucket_name: pulumi.Output[str] = self.bucket.bucket
        self.register_outputs(
            {
                "layerArn": self.layer_arn,
                "parameterName": self.parameter_name,
                "tableName": self.table_name,
                "bucketName": self.bucket_name,
            }
        )

    @property
    def retention_days(self) -> int:
        return self.args.retention_days

    def gate_variables(self) -> dict[str, pulumi.Input[str]]:
        """The GATE_* settings every gated function gets, whatever its mode (see gate/config.py for each)."""
        return {
            "GATE_PARAMETER_NAME": self.parameter_name,
            "GATE_TABLE_NAME": self.table_name,
            "GATE_OVERFLOW_BUCKET": self.bucket_name,
            "GATE_CACHE_TTL_SECONDS": str(self.args.cache_ttl_seconds),
            "GATE_FAIL_MODE": FailMode(self.args.fail_mode).value,
            "GATE_ON_DEFER": OnDefer(self.args.on_defer).value,
            "GATE_ON_HTTP": self.args.on_http,
            "GATE_ON_ORDERED": self.args.on_ordered,
        }

    def function_args(
        self, args: aws.lambda_.FunctionArgs, *, mode: GateMode | None = None
    ) -> aws.lambda_.FunctionArgs:
        """A copy of ``args``, gated: the layer, the gate's variables, and ``mode`` (see gating.py).

        None picks wrapper mode, or handler mode when the function already has an exec wrapper.
        A function of any other managed runtime than Python (Node.js, Java, .NET, Ruby) gets
        the layer with the Runtime API proxy built for its architecture, in wrapper mode.
        """
        kind = gating.runtime_kind(args.runtime, args.package_type)
        layer_arn = self.layer_arn
        if kind is RuntimeKind.PROXIED:
            gating.check_proxied_args(args, mode)  # before the proxy is built for nothing
            layer_arn = self.proxy_layer(gating.architecture_of(args.architectures), str(args.runtime)).arn
        return gating.gate_function(
            args,
            gate_variables=self.gate_variables(),
            layer_arn=layer_arn,
            mode=mode,
            kind=kind,
            bytecode_runtimes=self.bytecode_runtimes,
        )

    def proxy_layer(self, architecture: str, runtime: str) -> aws.lambda_.LayerVersion:
        """The layer with the proxy for ``architecture``: one version per architecture, made when first needed."""
        if architecture not in self._proxy_layers:
            archive = build_proxy_layer_archive(architecture, runtime, self.args.build_dir)
            self._proxy_layers[architecture] = aws.lambda_.LayerVersion(
                f"{self._name}-layer-{architecture}",
                layer_name=f"{self._name}-{architecture}",
                description=f"maintenance-gate with its Runtime API proxy, for {architecture} functions of any runtime",
                code=archive.archive(),
                source_code_hash=archive.source_code_hash,
                skip_destroy=True,
                compatible_runtimes=list(PROXIED_RUNTIMES),
                compatible_architectures=[architecture],
                opts=pulumi.ResourceOptions(parent=self),
            )
        return self._proxy_layers[architecture]

    def grant(self, name: str, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """Let ``role`` make the gate's calls: read the window, store deferred events."""
        return aws.iam.RolePolicy(
            f"{self._prefix}-{name}-gate-access",
            role=role.id,
            policy=policies.document(
                policies.allow("ReadMaintenanceWindow", ["ssm:GetParameter"], [self.parameter.arn]),
                # gate/deferral/store.py: a conditional PutItem per deferral, UpdateItem to requeue.
                policies.allow("StoreDeferredEvents", ["dynamodb:PutItem", "dynamodb:UpdateItem"], [self.table.arn]),
                policies.allow(
                    "StoreOversizedEvents",
                    ["s3:PutObject"],
                    [policies.objects_under(self.bucket.arn, schema.OVERFLOW_PREFIX)],
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
