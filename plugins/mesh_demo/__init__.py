"""mesh-demo: an in-process simulated mesh, the deck's default with no services needed."""

from .actions_export import export_table, render_table
from .client_crypto import MAX_AGE, MAX_SKEW, Operator, OperatorRegistry, SignedCommand, Verifier
from .client_sim import MAX_NODES, MIN_NODES, Mesh
from .model import (
    LEVEL_RANK,
    MIGRATION_PHASES,
    AdapterView,
    AuditEntry,
    BlastRadius,
    BlobView,
    ChainView,
    DaemonView,
    GroupView,
    LogLine,
    MeshEvent,
    MeshSnapshot,
    MigrationView,
    NodeView,
    NrpcCall,
    Outcome,
)
from .model_commands import BREAK_GLASS, COMMANDS, AdminCommand, CommandError, CommandSpec

__all__ = [
    "BREAK_GLASS",
    "COMMANDS",
    "LEVEL_RANK",
    "MAX_AGE",
    "MAX_NODES",
    "MAX_SKEW",
    "MIGRATION_PHASES",
    "MIN_NODES",
    "AdapterView",
    "AdminCommand",
    "AuditEntry",
    "BlastRadius",
    "BlobView",
    "ChainView",
    "CommandError",
    "CommandSpec",
    "DaemonView",
    "GroupView",
    "LogLine",
    "Mesh",
    "MeshEvent",
    "MeshSnapshot",
    "MigrationView",
    "NodeView",
    "NrpcCall",
    "Operator",
    "OperatorRegistry",
    "Outcome",
    "SignedCommand",
    "Verifier",
    "export_table",
    "render_table",
]
