"""A test plugin that misbehaves as its config says: floods, hangs, blocks the loop, exits, lies."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from deck import (
    Action,
    ActionContext,
    Context,
    Option,
    Panel,
    PanelContext,
    PanelType,
    Result,
    Source,
    hookimpl,
)
from deck.widgets import KeyValue

#: Set by tests to let hung threads go (they are daemons either way).
RELEASE = threading.Event()


class StatePanel(Panel):
    """Shows the value of hostile.ok; raises SystemExit on update when told to."""

    sources = ("hostile.ok",)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.view = KeyValue()
        self.widget = self.view

    def update(self, result: Result[Any]) -> None:
        if self.ctx.config["exit_in"] == "update":
            raise SystemExit("panel update exits")
        self.view.pairs = [("hostile", str(result.value))]


class HostilePlugin:
    """Does what its config asks, however bad."""

    def __init__(self) -> None:
        self.config: Mapping[str, Any] = {}
        self.flooded = 0

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "flood": Option(bool, False, "a thread calls notify without pause"),
            "hung_sources": Option(int, 0, "threaded sources whose fetch never returns"),
            "stall": Option(float, 0.0, "an async source holds the loop this long", range=(0.0, 600.0)),
            "startup": Option(str, "", choices=("", "hang", "hang_async", "exit", "wrong")),
            "shutdown": Option(str, "", choices=("", "hang", "hang_async")),
            "exit_in": Option(str, "", choices=("", "fetch", "update", "async_fetch")),
            "wrong": Option(str, "", choices=("", "sources", "panels", "actions", "themes")),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> Any:
        self.config = config
        if config["wrong"] == "sources":
            return 42
        exit_in = config["exit_in"]

        def ok() -> str:
            if exit_in == "fetch":
                raise SystemExit(3)
            return "fine"

        async def ok_async() -> str:
            raise KeyboardInterrupt

        sources: list[Source[Any]] = [
            Source("hostile.ok", ok_async if exit_in == "async_fetch" else ok, interval=0.2)
        ]
        for index in range(config["hung_sources"]):
            sources.append(Source(f"hostile.hung{index}", _hang, interval=0.2, timeout=0.2))
        if config["stall"]:

            async def stall() -> str:
                logging.getLogger("deck.plugin.hostile").info("holding the loop for %s s", config["stall"])
                time.sleep(config["stall"])  # the mistake under test: blocking inside async def
                return "stalled"

            sources.append(Source("hostile.stall", stall, interval=None))
        return sources

    @hookimpl
    def deck_panels(self, config: Mapping[str, Any]) -> Any:
        if config.get("wrong") == "panels":
            return ["not a panel type"]
        return [PanelType("hostile.state", StatePanel)]

    @hookimpl
    def deck_actions(self, config: Mapping[str, Any]) -> Any:
        if config.get("wrong") == "actions":
            return {"hostile.x": "not an action"}

        def leave(ctx: ActionContext) -> None:
            raise SystemExit("an action tried to end the deck")

        def interrupt(ctx: ActionContext) -> None:
            raise KeyboardInterrupt

        async def block(ctx: ActionContext) -> str:
            time.sleep(0.3)  # blocking inside async def
            return "blocked"

        def leave_in_thread(ctx: ActionContext) -> None:
            raise SystemExit("a blocking action tried to end the deck")

        return [
            Action("hostile.exit", "Exit", leave, keys="E", scope="hostile.state"),
            Action("hostile.interrupt", "Interrupt", interrupt, keys="I", scope="hostile.state"),
            Action("hostile.block", "Block the loop", block, keys="B", scope="hostile.state"),
            Action("hostile.thread_exit", "Exit in a thread", leave_in_thread, keys="T", scope="hostile.state",
                   blocking=True),
        ]  # fmt: skip

    @hookimpl
    def deck_themes(self) -> Any:
        if self.config.get("wrong") == "themes":
            return ["not", "a", "mapping"]
        return None

    @hookimpl
    def deck_startup(self, ctx: Context) -> Any:
        mode = self.config.get("startup", "")
        if self.config.get("flood"):
            threading.Thread(target=self._flood, args=(ctx,), daemon=True).start()
        if mode == "hang":
            RELEASE.wait()
        elif mode == "hang_async":
            return asyncio.Event().wait()
        elif mode == "exit":
            raise SystemExit("startup exits")
        elif mode == "wrong":
            return 7
        return None

    @hookimpl
    def deck_shutdown(self, ctx: Context) -> Any:
        mode = self.config.get("shutdown", "")
        if mode == "hang":
            RELEASE.wait()
        elif mode == "hang_async":
            return asyncio.Event().wait()
        return None

    def _flood(self, ctx: Context) -> None:
        while not RELEASE.is_set():
            self.flooded += 1
            ctx.notify(f"flood {self.flooded}")


def _hang() -> str:
    RELEASE.wait()
    return "released"


plugin = HostilePlugin
