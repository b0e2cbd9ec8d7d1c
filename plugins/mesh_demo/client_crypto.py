"""Operator identities (Ed25519), the operator registry, and signature verification."""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .model_commands import AdminCommand

__all__ = [
    "MAX_AGE",
    "MAX_SKEW",
    "Operator",
    "OperatorRegistry",
    "SignedCommand",
    "Verifier",
    "canonical_bytes",
]

MAX_AGE = 300.0  # a command issued longer ago than this is stale
MAX_SKEW = 30.0  # a command issued further ahead than this comes from the future
DOMAIN = b"deck.mesh-demo.admin.v1\n"
MAX_NONCE_CHARS = 128
_NONCE_PRUNE_AT = 4096


def canonical_bytes(command: AdminCommand, operator: str, issued_at: float, nonce: str) -> bytes:
    """The exact bytes an operator signs: domain tag, then sorted compact JSON."""
    body = {
        "command": command.name,
        "target": command.target,
        "args": sorted([key, value] for key, value in command.args),
        "operator": operator,
        "issued_at_ms": round(issued_at * 1000),
        "nonce": nonce,
    }
    return DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class SignedCommand:
    """A command with who issued it, when, a one-time nonce and the Ed25519 signature."""

    command: AdminCommand
    operator: str
    issued_at: float
    nonce: str
    signature: bytes

    def payload(self) -> bytes:
        return canonical_bytes(self.command, self.operator, self.issued_at, self.nonce)


class Operator:
    """An operator's identity: an id and the private key that signs their commands."""

    def __init__(self, operator_id: str, private_key: Ed25519PrivateKey) -> None:
        if not operator_id:
            raise ValueError("operator id must not be empty")
        self.operator_id = operator_id
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def generate(cls, operator_id: str) -> Operator:
        return cls(operator_id, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, operator_id: str, seed: bytes) -> Operator:
        """A reproducible identity from a 32-byte seed (tests, fixed demo identities)."""
        return cls(operator_id, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.public_key).hexdigest()[:16]

    def sign(self, command: AdminCommand, now: float, *, nonce: str | None = None) -> SignedCommand:
        nonce = nonce if nonce is not None else secrets.token_hex(16)
        payload = canonical_bytes(command, self.operator_id, now, nonce)
        return SignedCommand(command, self.operator_id, now, nonce, self._key.sign(payload))

    def __repr__(self) -> str:
        return f"Operator({self.operator_id!r}, fingerprint={self.fingerprint})"


class OperatorRegistry:
    """Operator ids and their public keys; a command verifies only against its operator's key."""

    def __init__(self) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._raw: dict[str, bytes] = {}

    def register(self, operator_id: str, public_key: bytes) -> None:
        """Add an operator; re-registering the same key is fine, a different key is refused."""
        if not operator_id:
            raise ValueError("operator id must not be empty")
        known = self._raw.get(operator_id)
        if known is not None and known != public_key:
            raise ValueError(f"operator {operator_id!r} is already registered with another key")
        try:
            key = Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError as error:
            raise ValueError(f"operator {operator_id!r}: not an Ed25519 public key") from error
        self._keys[operator_id] = key
        self._raw[operator_id] = public_key

    def ids(self) -> tuple[str, ...]:
        """The registered operator ids, sorted."""
        return tuple(sorted(self._keys))

    def key(self, operator_id: str) -> Ed25519PublicKey | None:
        return self._keys.get(operator_id)

    def __contains__(self, operator_id: object) -> bool:
        return operator_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)


class Verifier:
    """Checks operator, freshness, signature and nonce; remembers nonces while they could verify."""

    def __init__(
        self, registry: OperatorRegistry, *, max_age: float = MAX_AGE, max_skew: float = MAX_SKEW
    ) -> None:
        self.registry = registry
        self.max_age = max_age
        self.max_skew = max_skew
        self._seen: dict[tuple[str, str], float] = {}

    def verify(self, signed: SignedCommand, now: float) -> str | None:
        """None when `signed` is acceptable at `now`, else the reason it is rejected."""
        key = self.registry.key(signed.operator)
        if key is None:
            return f"unknown operator {signed.operator!r}"
        if not math.isfinite(signed.issued_at) or not math.isfinite(now):
            return "malformed timestamp"
        if not signed.nonce or len(signed.nonce) > MAX_NONCE_CHARS:
            return "malformed nonce"
        age = now - signed.issued_at
        if age > self.max_age:
            return f"stale: issued {age:.0f} s ago (limit {self.max_age:.0f} s)"
        if -age > self.max_skew:
            return f"from the future: issued {-age:.0f} s ahead (limit {self.max_skew:.0f} s)"
        if not isinstance(signed.signature, bytes):
            return "malformed signature"
        try:
            key.verify(signed.signature, signed.payload())
        except InvalidSignature:
            return f"bad signature for operator {signed.operator!r}"
        seen_key = (signed.operator, signed.nonce)
        if seen_key in self._seen:
            return f"replayed nonce {signed.nonce[:12]}"
        self._remember(seen_key, signed.issued_at, now)
        return None

    def _remember(self, seen_key: tuple[str, str], issued_at: float, now: float) -> None:
        if len(self._seen) >= _NONCE_PRUNE_AT:
            horizon = now - self.max_age
            self._seen = {k: t for k, t in self._seen.items() if t >= horizon}
        self._seen[seen_key] = issued_at
