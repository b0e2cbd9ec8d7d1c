"""The declare plugin's hooks: sources and actions from the layout, six panel types over them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import Action, Context, Option, PanelType, Source, hookimpl
from deck.plugins.declare.actions import declared_actions
from deck.plugins.declare.model_layout import (
    read_actions,
    read_columns,
    read_match,
    read_path,
    read_sources,
    read_thresholds,
)
from deck.plugins.declare.panels import (
    DeclaredGauges,
    DeclaredJson,
    DeclaredLog,
    DeclaredPairs,
    DeclaredSparklines,
)
from deck.plugins.declare.panels_table import DeclaredTable
from deck.plugins.declare.source import DeclaredSource

__all__ = ["DeclarePlugin"]

_ROWS = {
    "match": Option(
        dict, None, "only rows whose fields match these globs, e.g. {mount: '/*'}", check=read_match
    ),
    "metric": Option(str, None, "only Prometheus series whose name matches this glob"),
}


class DeclarePlugin:
    """Panels without Python: commands, HTTP JSON and Prometheus endpoints declared in the layout."""

    def __init__(self) -> None:
        self._sources: list[DeclaredSource] = []

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "sources": Option(dict, {}, "name -> exec, http or prometheus source", check=read_sources),
            "actions": Option(
                dict, {}, "name -> key, exec argv with {field} placeholders", check=read_actions
            ),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        self._sources = [DeclaredSource(spec) for spec in config["sources"].values()]
        return [source.source() for source in self._sources]

    @hookimpl
    def deck_panels(self, config: Mapping[str, Any]) -> list[PanelType]:
        names = sorted(config.get("sources") or {})
        source = {
            "source": Option(str, None, "the declared source to show", choices=names or None, required=True)
        }
        thresholds = {
            "thresholds": Option(
                dict,
                {},
                "column -> {warn: rule, bad: rule}, e.g. {util: {warn: '> 70'}}",
                check=read_thresholds,
            )
        }
        return [
            PanelType(
                "declare.table",
                DeclaredTable,
                {
                    **source,
                    **_ROWS,
                    **thresholds,
                    "columns": Option(
                        list, None, "the columns to show, in order (default: all)", check=read_columns
                    ),
                    "sort": Option(str, None, "the column to sort by"),
                    "descending": Option(bool, None, "sort high to low (default: for numbers)"),
                    "key": Option(str, None, "the column that names a row, so the selection follows it"),
                },
                "any declared source as a table: sort, filter, Enter for detail, declared actions",
                "Table",
            ),
            PanelType(
                "declare.sparkline",
                DeclaredSparklines,
                {
                    **source,
                    **_ROWS,
                    **thresholds,
                    "value": Option(str, "value", "the column charted"),
                    "rate": Option(bool, False, "chart a Prometheus counter's rate per second"),
                    "label": Option(str, None, "the column naming each line (default: the series)"),
                    "points": Option(int, 60, "how many fetches each line shows"),
                },
                "a sparkline per row over the last fetches",
                "Chart",
            ),
            PanelType(
                "declare.gauge",
                DeclaredGauges,
                {
                    **source,
                    **_ROWS,
                    "value": Option(str, "value", "the column shown"),
                    "label": Option(str, None, "the column naming each gauge"),
                    "max": Option(float, 100.0, "the value of a full gauge"),
                    "warn": Option(float, None, "from this value the gauge is warn (default 75% of max)"),
                    "bad": Option(float, None, "from this value the gauge is bad (default 90% of max)"),
                },
                "a gauge per row",
                "Gauge",
            ),
            PanelType(
                "declare.kv",
                DeclaredPairs,
                {
                    **source,
                    **_ROWS,
                    "path": Option(
                        str, None, "the part of the JSON answer to show, e.g. 'checks'", check=read_path
                    ),
                    "key": Option(str, None, "with value: one pair per row, labelled by this column"),
                    "value": Option(str, "value", "with key: the column shown"),
                },
                "labels and values from a JSON answer or from rows",
                "Values",
            ),
            PanelType(
                "declare.log",
                DeclaredLog,
                {**source, "lines": Option(int, 5000, "how many lines to keep")},
                "a source's output lines, levels guessed from their words",
                "Output",
            ),
            PanelType(
                "declare.json",
                DeclaredJson,
                {
                    **source,
                    "path": Option(str, None, "the part of the answer to show", check=read_path),
                    "fold_depth": Option(int, None, "fold everything deeper than this"),
                },
                "a source's answer as foldable JSON",
                "JSON",
            ),
        ]

    @hookimpl
    def deck_actions(self, config: Mapping[str, Any]) -> list[Action]:
        return declared_actions(config.get("actions") or ())

    @hookimpl
    def deck_shutdown(self, ctx: Context) -> None:
        for source in self._sources:
            source.close()
