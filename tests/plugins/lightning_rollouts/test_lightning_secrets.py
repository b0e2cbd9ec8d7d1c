"""API keys and tokens never appear in clear: in Resources, the JSON viewer, inputs and exports."""

from __future__ import annotations

import copy

from deck_helpers import loaded, rollouts
from fixture_store import FixtureStore
from lightning_support import fixture_json

from deck.plugins.lightning_rollouts.model import SECRET_MASK, is_secret_key, mask_secrets
from deck.plugins.lightning_rollouts.panels import describe_resource

KEY = "sk-live-0123456789abcdef"


def test_keys_naming_secrets_are_masked_and_token_counts_are_not() -> None:
    value = {
        "api_key": KEY,
        "headers": {"Authorization": f"Bearer {KEY}", "x-api-key": KEY},
        "nested": [{"hf_token": KEY, "password": KEY}],
        "usage": {"prompt_tokens": 3, "total_tokens": 5},
        "request": {"max_tokens": 64, "prompt_token_ids": [1, 2]},
        "empty_api_key": None,
    }
    masked = mask_secrets(value)
    assert KEY not in repr(masked)
    assert masked["usage"] == {"prompt_tokens": 3, "total_tokens": 5}
    assert masked["request"] == {"max_tokens": 64, "prompt_token_ids": [1, 2]}
    assert masked["empty_api_key"] is None  # nothing to hide: shown as null
    assert not is_secret_key("key") and is_secret_key("OPENAI_API_KEY") and is_secret_key("apiKey")


def test_resources_json_and_inputs_hide_api_keys_and_one_key_reveals_one(
    fixture_store: FixtureStore, open_lightning
) -> None:
    resources = copy.deepcopy(fixture_json("resources.json"))
    resources["items"][0]["resources"]["main_llm"]["api_key"] = KEY
    fixture_store.rollouts[0]["input"] = {"question": "hi", "api_key": KEY}
    first_id = fixture_store.rollouts[0]["rollout_id"]

    def answer(method: str, target: str):
        if method == "GET" and target.startswith("/v1/agl/resources?"):
            return 200, resources, "application/json"
        return None

    fixture_store.override = answer
    deck = loaded(open_lightning(url=fixture_store.url, size=(160, 40)))
    rollouts(deck).table.select(first_id)
    deck.press("v")
    screen = deck.wait_for(f"Rollout {first_id}")
    assert KEY not in screen and SECRET_MASK.split()[0] in screen
    deck.press("esc")
    assert KEY not in deck.text()

    deck.press("2")
    deck.wait_for("rs-7fbf24925988")
    panel = deck.deck.panels("lightning.resources")[0]
    panel.table.select("rs-7fbf24925988")
    deck.press("enter")
    screen = deck.wait_for("main_llm")
    assert KEY not in screen
    child = next(row for row in panel.table.visible_rows if row.name == "main_llm")
    assert "api_key=••••••" in describe_resource(child.entry)
    deck.press("v")
    screen = deck.wait_for("Resources rs-7fbf24925988")
    assert KEY not in screen
    deck.press("esc")
    deck.press("V")  # one explicit key shows the one hidden value, on screen only
    screen = deck.wait_for("Esc hides it")
    assert KEY in screen and "resources.main_llm.api_key" in screen
    deck.press("esc")
    assert KEY not in deck.text()
