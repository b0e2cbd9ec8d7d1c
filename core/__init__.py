"""deck: a plugin-based terminal dashboard for people who run AI infrastructure.

The public API is what this module exports; everything in `_`-prefixed modules is private.
"""

from deck._actions import GLOBAL, Action, Command, StatusSegment
from deck._context import ActionContext, Context, Level
from deck._errors import ActionError, DeckError, LayoutError, OptionError, PluginError, ThemeError
from deck._hookspecs import hookimpl
from deck._kit_panels import JsonPanel, LogPanel, TablePanel
from deck._panels import Option, Panel, PanelContext, PanelType
from deck._sanitize import sanitize
from deck._sources import Result, Source
from deck._version import __version__

__all__ = [
    "GLOBAL",
    "Action",
    "ActionContext",
    "ActionError",
    "Command",
    "Context",
    "DeckError",
    "JsonPanel",
    "LayoutError",
    "Level",
    "LogPanel",
    "Option",
    "OptionError",
    "Panel",
    "PanelContext",
    "PanelType",
    "PluginError",
    "Result",
    "Source",
    "StatusSegment",
    "TablePanel",
    "ThemeError",
    "__version__",
    "hookimpl",
    "sanitize",
]
