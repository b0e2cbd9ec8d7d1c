"""A test plugin whose parts fail on demand, to prove failures stay contained."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import Action, ActionContext, Option, Panel, PanelContext, PanelType, Result, Source, hookimpl
from deck.widgets import KeyValue


class CounterPanel(Panel):
    """Shows how many snapshots it got; raises on update when the snapshot says so."""

    sources = ("flaky.counter",)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        if ctx.options["explode"] == "build":
            raise RuntimeError("panel refused to build")
        self.view = KeyValue()
        self.widget = self.view

    def update(self, result: Result[Any]) -> None:
        if self.ctx.options["explode"] == "update":
            raise ValueError("bad snapshot")
        self.view.pairs = [("count", str(result.value))]


class FlakyPlugin:
    """Counts, and breaks where the layout tells it to."""

    def __init__(self) -> None:
        self.count = 0

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {"fail_sources": Option(bool, False), "interval": Option(float, 0.05)}

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[int]]:
        if config["fail_sources"]:
            raise OSError("no such device")

        def fetch() -> int:
            self.count += 1
            return self.count

        return [Source("flaky.counter", fetch, interval=config["interval"])]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [
            PanelType(
                "flaky.counter", CounterPanel, {"explode": Option(str, "", choices=("", "build", "update"))}
            )
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        def boom(ctx: ActionContext) -> None:
            raise KeyError("handler exploded")

        def write(ctx: ActionContext) -> str:
            return "wrote it"

        def destroy(ctx: ActionContext) -> str:
            return "destroyed it"

        return [
            Action("flaky.boom", "Explode", boom, keys="x", scope="flaky.counter"),
            Action("flaky.write", "Write something", write, keys="w", scope="flaky.counter", mutating=True,
                   confirm="Really write?"),
            Action("flaky.destroy", "Destroy something", destroy, keys="D", scope="flaky.counter",
                   mutating=True, destructive=True, confirm="Really destroy?"),
        ]  # fmt: skip


plugin = FlakyPlugin
