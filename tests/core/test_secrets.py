"""Secrets are masked in every view, export and log; one key shows one value, on screen only."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from deck import MASK, is_secret_key, mask_secrets, mask_text
from deck._logging import setup_logging
from deck.widgets import JsonView, KeyValue, json_preview

RESOURCE = {
    "name": "main-llm",
    "endpoint": "http://127.0.0.1:8000/v1",
    "api_key": "sk-live-4f9a",
    "headers": {"Authorization": "Bearer eyJhbGci", "X-Request-Id": "abc"},
    "usage": {"max_tokens": 512, "tokens_per_second": 41.5},
    "accounts": [{"user": "ops", "password": "hunter2"}],
}
SECRETS = ("sk-live-4f9a", "eyJhbGci", "hunter2")


@pytest.mark.parametrize(
    "key",
    ["api_key", "X-Api-Key", "OPENAI_API_KEY", "apiKey", "token", "refresh_token", "password",
     "db_passwd", "client_secret", "clientSecret", "Authorization", "auth", "cookie", "session_id",
     "private_key", "credentials"],
)  # fmt: skip
def test_keys_naming_secrets(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key", ["max_tokens", "tokens_per_second", "prompt_tokens", "author", "authority", "name", "keyboard", 3]
)
def test_keys_that_only_look_like_secrets(key: object) -> None:
    assert not is_secret_key(key)


def test_mask_secrets_masks_every_level_and_keeps_the_rest() -> None:
    masked = mask_secrets(RESOURCE)
    text = json.dumps(masked)
    assert not any(secret in text for secret in SECRETS)
    assert masked["api_key"] == MASK and masked["headers"]["Authorization"] == MASK
    assert masked["usage"] == RESOURCE["usage"] and masked["headers"]["X-Request-Id"] == "abc"
    assert RESOURCE["api_key"] == "sk-live-4f9a", "the original is untouched"
    assert mask_secrets(RESOURCE, reveal=("api_key",))["api_key"] == "sk-live-4f9a"


def test_mask_text_for_log_lines() -> None:
    line = 'POST /v1 api_key=sk-live-4f9a "password": "hunter2" Authorization: Bearer eyJhbGci tokens=12'
    masked = mask_text(line)
    assert not any(secret in masked for secret in SECRETS)
    assert "tokens=12" in masked and "POST /v1" in masked


def render(view: JsonView | KeyValue, width: int = 80, height: int = 30) -> str:
    canvas = view.render((width, height), focus=True)
    return "\n".join(line.decode() for line in canvas.text)


def test_the_json_viewer_masks_and_v_shows_one_value_then_hides_it() -> None:
    view = JsonView(RESOURCE)
    screen = render(view)
    assert not any(secret in screen for secret in SECRETS)
    assert "512" in screen and "v shows it" in screen
    lines = screen.split("\n")
    view._cursor = next(i for i, line in enumerate(lines) if '"api_key"' in line)
    view.keypress((80, 30), "v")
    screen = render(view)
    assert "sk-live-4f9a" in screen and "hunter2" not in screen and "eyJhbGci" not in screen
    assert view.value["api_key"] == "sk-live-4f9a"
    view._cursor = next(i for i, line in enumerate(screen.split("\n")) if '"password"' in line)
    view.keypress((80, 30), "v")  # showing another hides the first
    screen = render(view)
    assert "hunter2" in screen and "sk-live-4f9a" not in screen
    view.keypress((80, 30), "v")
    assert not any(secret in render(view) for secret in SECRETS)


def test_table_previews_and_key_value_panels_mask() -> None:
    assert not any(secret in str(json_preview(RESOURCE, limit=500)) for secret in SECRETS)
    view = KeyValue([("Endpoint", "http://x"), ("API key", "sk-live-4f9a"), ("Token", "t0k")])
    screen = render(view, 40, 3)
    assert "sk-live-4f9a" not in screen and "t0k" not in screen and "http://x" in screen


@pytest.fixture
def keep_root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("keep_root_handlers")
def test_the_log_file_never_holds_a_secret(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "deck.log")
    assert path is not None
    log = logging.getLogger("deck.plugin.test")
    log.warning("connecting with api_key=%s", "sk-live-4f9a")
    try:
        raise RuntimeError('401 for {"password": "hunter2"}')
    except RuntimeError:
        log.exception("Authorization: Bearer eyJhbGci failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "connecting with api_key=" in text and "RuntimeError" in text
    assert not any(secret in text for secret in SECRETS)
