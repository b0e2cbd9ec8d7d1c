"""deck: a plugin-based terminal dashboard for people who run AI infrastructure.

The public API is what this module exports; everything in `_`-prefixed modules is private.
"""

from deck._actions import GLOBAL, Action, Command, StatusSegment
from deck._context import ActionContext, Context, Level
from deck._errors import ActionError, DeckError, LayoutError, PluginError, ThemeError
from deck._hookspecs import hookimpl
from deck._kit_panels import JsonPanel, LogPanel, TablePanel
from deck._panels import Option, Panel, PanelContext, PanelType
from deck._sanitize import sanitize
from deck._secrets import MASK, is_secret_key, mask_secrets, mask_text
from deck._sources import Result, Source
from deck._version import __version__

__all__ = [
    "GLOBAL",
    "MASK",
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
    "is_secret_key",
    "mask_secrets",
    "mask_text",
    "sanitize",
]
