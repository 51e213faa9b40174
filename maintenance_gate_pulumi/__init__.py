"""maintenance-gate's Pulumi component, reusable from any Pulumi program.

    from maintenance_gate_pulumi import MaintenanceGate, MaintenanceGateArgs

The program in ``__main__.py`` composes it with a sample function and a schedule.
"""

from maintenance_gate_pulumi.component import MaintenanceGate, MaintenanceGateArgs
from maintenance_gate_pulumi.replayer import GateReplayer, GateReplayerArgs

__all__ = ["GateReplayer", "GateReplayerArgs", "MaintenanceGate", "MaintenanceGateArgs"]
