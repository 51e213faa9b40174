"""maintenance-gate's Pulumi component, reusable from any Pulumi program.

    from infra import MaintenanceGate, MaintenanceGateArgs

The program in ``__main__.py`` composes it with a sample function and a schedule.
"""

from infra.component import MaintenanceGate, MaintenanceGateArgs
from infra.replayer import GateReplayer, GateReplayerArgs

__all__ = ["GateReplayer", "GateReplayerArgs", "MaintenanceGate", "MaintenanceGateArgs"]
