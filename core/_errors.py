"""One error hierarchy, so callers can catch everything deck raises with one clause."""

from __future__ import annotations

__all__ = ["ActionError", "DeckError", "LayoutError", "OptionError", "PluginError", "ThemeError"]


class DeckError(Exception):
    """Base class: a message for the operator, plus where it happened."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}\n  {self.hint}" if self.hint else text


class LayoutError(DeckError):
    """A layout file is invalid."""


class OptionError(LayoutError):
    """An option's value is invalid at `path` inside it; the layout loader adds file:line."""

    def __init__(self, message: str, *, path: tuple[str | int, ...] = (), hint: str | None = None):
        self.path = path
        super().__init__(message, hint=hint)


class ThemeError(DeckError):
    """A theme file is invalid."""


class PluginError(DeckError):
    """A plugin could not be found, imported or run."""


class ActionError(DeckError):
    """An action failed in a way the operator should read, not a bug."""
