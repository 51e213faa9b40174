"""maintenance-gate's Pulumi component, reusable from any Pulumi program.

    pip install "maintenance-gate @ git+https://.../maintenance-gate.git"
    from maintenance_gate_pulumi import MaintenanceGate, MaintenanceGateArgs

The program in this repository's ``__main__.py`` composes it with a sample function
and a schedule; docs/deploying.md shows another program using it.
"""

from maintenance_gate_pulumi.component import MaintenanceGate, MaintenanceGateArgs
from maintenance_gate_pulumi.logs import FunctionLogs, function_logs
from maintenance_gate_pulumi.replayer import GateReplayer, GateReplayerArgs

__all__ = [
    "FunctionLogs",
    "GateReplayer",
    "GateReplayerArgs",
    "MaintenanceGate",
    "MaintenanceGateArgs",
    "function_logs",
]
