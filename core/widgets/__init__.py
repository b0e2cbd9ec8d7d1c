"""The widget kit: what panels compose instead of drawing, all sanitising outside text."""

from deck.widgets._cells import (
    badge,
    bytes_,
    duration,
    glyph,
    icons,
    json_preview,
    local_time,
    progress_bar,
    relative_time,
    sparkline,
)
from deck.widgets._json import JsonView
from deck.widgets._kv import KeyValue
from deck.widgets._log import LEVELS, LogLine, LogView
from deck.widgets._misc import Banner, Gauge
from deck.widgets._render import Cell, Segment
from deck.widgets._table import Column, Renderer, Table

__all__ = [
    "LEVELS",
    "Banner",
    "Cell",
    "Column",
    "Gauge",
    "JsonView",
    "KeyValue",
    "LogLine",
    "LogView",
    "Renderer",
    "Segment",
    "Table",
    "badge",
    "bytes_",
    "duration",
    "glyph",
    "icons",
    "json_preview",
    "local_time",
    "progress_bar",
    "relative_time",
    "sparkline",
]
