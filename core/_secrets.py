"""Secrets are never shown, exported or logged: values under keys that name secrets are masked."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["MASK", "SecretFilter", "is_secret_key", "mask_secrets", "mask_text"]

#: What a secret value is shown, exported and logged as.
MASK: Final = "••••••"

# A key names a secret when one of its words does (api_key, X-Api-Key, AWS_SECRET_ACCESS_KEY,
# db_password, Authorization, refresh_token, clientSecret ...). "tokens" alone is a count
# (max_tokens, tokens_per_second) and is not a secret.
_WORDS: Final = frozenset(
    {"secret", "token", "password", "passwd", "pwd", "passphrase", "authorization", "auth",
     "credential", "credentials", "cookie", "apikey", "signature", "bearer", "privatekey"}
)  # fmt: skip
_PAIRS: Final = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("session", "id")})
_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
# In free text (log lines): key=value, key: value, "key": "value", Authorization: Bearer ...
_IN_TEXT = re.compile(
    r"""(?P<key>["']?(?P<name>[A-Za-z][\w.-]*)["']?\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|(?:bearer|basic|token)\s+\S+|[^\s,;}&]+)""",
    re.I,
)


def is_secret_key(key: object) -> bool:
    """True when `key` names a secret (api_key, token, password, secret, authorization, ...)."""
    if not isinstance(key, str):
        return False
    words = [w.lower() for w in _SPLIT.split(key) if w]
    return any(w in _WORDS for w in words) or any(pair in _PAIRS for pair in itertools.pairwise(words))


def mask_secrets(value: Any, *, reveal: tuple[Any, ...] | None = None, _path: tuple[Any, ...] = ()) -> Any:
    """A copy of JSON-like `value` with every value under a secret key replaced by MASK.

    `reveal` is the path of the one value an operator asked to see (on screen only, never in
    exports or logs).
    """
    if isinstance(value, Mapping):
        masked: dict[Any, Any] = {}
        for key, child in value.items():
            path = (*_path, key)
            if is_secret_key(key) and child not in (None, "") and path != reveal:
                masked[key] = MASK
            else:
                masked[key] = mask_secrets(child, reveal=reveal, _path=path)
        return masked
    if isinstance(value, (list, tuple)):
        items = [mask_secrets(child, reveal=reveal, _path=(*_path, i)) for i, child in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    return value


def mask_text(text: str) -> str:
    """`text` with the values of key=value, key: value and Authorization pairs naming secrets masked."""

    def mask(match: re.Match[str]) -> str:
        return match.group("key") + MASK if is_secret_key(match.group("name")) else match.group()

    return _IN_TEXT.sub(mask, text)


class SecretFilter(logging.Filter):
    """Masks secrets in every log record (message and traceback) before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        return True
