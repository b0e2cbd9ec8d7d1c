"""Admin commands as plain values: what an operator signs, the mesh verifies and applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from deck import ActionError

__all__ = ["BREAK_GLASS", "CLUSTER", "COMMANDS", "AdminCommand", "CommandError", "CommandSpec"]

CLUSTER = "cluster"
TargetKind = Literal["node", "cluster", "migration", "daemon"]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """How a command is presented and checked.

    `break_glass` commands (ICE) are simulated first and confirmed in red; `destructive` ones kill,
    evict or delete something that does not come back by itself, and are confirmed in red too.
    """

    title: str
    target: TargetKind
    break_glass: bool
    destructive: bool = False


COMMANDS: dict[str, CommandSpec] = {
    "cordon": CommandSpec("Cordon node", "node", False),
    "uncordon": CommandSpec("Uncordon node", "node", False),
    "drain": CommandSpec("Drain node", "node", False),
    "maintenance-on": CommandSpec("Enter maintenance", "node", False),
    "maintenance-off": CommandSpec("Exit maintenance", "node", False),
    "restart-daemons": CommandSpec("Restart all daemons on node", "node", False),
    "clear-avoid": CommandSpec("Clear avoid list", "node", False),
    "drop-replicas": CommandSpec("Drop replicas", "node", False, destructive=True),
    "invalidate-placement": CommandSpec("Invalidate placement", "daemon", False),
    "freeze": CommandSpec("Freeze cluster", "cluster", True),
    "thaw": CommandSpec("Thaw cluster", "cluster", True),
    "flush-avoid": CommandSpec("Flush avoid lists", "cluster", True),
    "kill-migration": CommandSpec("Kill migration", "migration", True, destructive=True),
    "force-cutover": CommandSpec("Force cutover", "migration", True, destructive=True),
    "force-restart": CommandSpec("Force-restart daemon", "daemon", True, destructive=True),
    "force-evict": CommandSpec("Force-evict replica", "daemon", True, destructive=True),
}
BREAK_GLASS = frozenset(name for name, spec in COMMANDS.items() if spec.break_glass)


class CommandError(ActionError):
    """A verified command that cannot apply to the mesh as it is (unknown target, bad argument)."""


@dataclass(frozen=True, slots=True)
class AdminCommand:
    """An admin command: a name, a target id and string arguments sorted by key."""

    name: str
    target: str
    args: tuple[tuple[str, str], ...] = ()

    @property
    def break_glass(self) -> bool:
        return self.name in BREAK_GLASS

    @property
    def destructive(self) -> bool:
        spec = COMMANDS.get(self.name)
        return spec is not None and spec.destructive

    @property
    def title(self) -> str:
        spec = COMMANDS.get(self.name)
        return spec.title if spec else self.name

    def arg(self, key: str) -> str | None:
        return next((value for name, value in self.args if name == key), None)

    @classmethod
    def cordon(cls, node: str) -> AdminCommand:
        return cls("cordon", node)

    @classmethod
    def uncordon(cls, node: str) -> AdminCommand:
        return cls("uncordon", node)

    @classmethod
    def drain(cls, node: str, window_s: int) -> AdminCommand:
        return cls("drain", node, (("window_s", str(window_s)),))

    @classmethod
    def maintenance(cls, node: str, on: bool) -> AdminCommand:
        return cls("maintenance-on" if on else "maintenance-off", node)

    @classmethod
    def restart_daemons(cls, node: str) -> AdminCommand:
        return cls("restart-daemons", node)

    @classmethod
    def clear_avoid(cls, node: str) -> AdminCommand:
        return cls("clear-avoid", node)

    @classmethod
    def drop_replicas(cls, node: str) -> AdminCommand:
        return cls("drop-replicas", node)

    @classmethod
    def invalidate_placement(cls, daemon_id: str) -> AdminCommand:
        return cls("invalidate-placement", daemon_id)

    @classmethod
    def freeze(cls, ttl_s: int) -> AdminCommand:
        return cls("freeze", CLUSTER, (("ttl_s", str(ttl_s)),))

    @classmethod
    def thaw(cls) -> AdminCommand:
        return cls("thaw", CLUSTER)

    @classmethod
    def kill_migration(cls, migration_id: str) -> AdminCommand:
        return cls("kill-migration", migration_id)

    @classmethod
    def force_restart(cls, daemon_id: str) -> AdminCommand:
        return cls("force-restart", daemon_id)

    @classmethod
    def flush_avoid(cls) -> AdminCommand:
        return cls("flush-avoid", CLUSTER)

    @classmethod
    def force_evict(cls, daemon_id: str) -> AdminCommand:
        return cls("force-evict", daemon_id)

    @classmethod
    def force_cutover(cls, migration_id: str) -> AdminCommand:
        return cls("force-cutover", migration_id)

    def seconds(self, key: str, *, low: int, high: int) -> int:
        """A whole-seconds argument within [low, high], or a CommandError naming it."""
        raw = self.arg(key)
        where = f"{self.name} {self.target}"
        if raw is None:
            raise CommandError(f"missing argument {key}", where=where)
        try:
            value = int(raw)
        except ValueError:
            raise CommandError(f"{key} must be whole seconds, got {raw!r}", where=where) from None
        if not low <= value <= high:
            raise CommandError(f"{key} must be between {low} and {high} s, got {value}", where=where)
        return value
