"""Small widgets: a big-letter banner and a labelled gauge."""

from __future__ import annotations

import urwid

from deck._sanitize import sanitize
from deck.widgets._cells import icons
from deck.widgets._render import Segment, canvas, encode_line, fit, text_width

__all__ = ["Banner", "Gauge"]


class Banner(urwid.WidgetWrap[urwid.Widget]):
    """A title in big block letters (falls back to plain bold text when there is no room)."""

    def __init__(self, text: str, role: str = "banner") -> None:
        self._role = role
        self._big = urwid.BigText(sanitize(text), urwid.HalfBlock5x4Font())
        self._plain = urwid.Text((role, sanitize(text)), align="center")
        self._text = sanitize(text)
        super().__init__(urwid.AttrMap(urwid.Padding(self._big, "center", "clip"), role))

    @property
    def text(self) -> str:
        """The banner's text."""
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = sanitize(value)
        self._big.set_text(self._text)  # urwid 5 has no property for BigText's text
        self._plain.set_text((self._role, self._text))

    def rows(self, size: tuple[int], focus: bool = False) -> int:
        return 4 if self._fits(size[0]) else 1

    def _fits(self, width: int) -> bool:
        # Block letters are Unicode: an ASCII terminal gets the plain title.
        return not icons.ascii and self._big.pack()[0] <= width

    def render(self, size: tuple[int, ...], focus: bool = False) -> urwid.Canvas:
        width = size[0]
        if self._fits(width):
            return super().render(size, focus)
        return (
            self._plain.render((width,), focus)
            if len(size) == 1
            else urwid.Filler(self._plain).render((width, size[1]), focus)
        )


class Gauge(urwid.Widget):
    """A one-line labelled bar: "CPU  ████████░░░░  63%", coloured by thresholds."""

    _sizing = frozenset([urwid.FLOW])

    def __init__(
        self, label: str, *, warn: float = 0.75, bad: float = 0.9, label_width: int | None = None
    ) -> None:
        super().__init__()
        self.label = label
        self.warn = warn
        self.bad = bad
        self.label_width = label_width
        self._fraction: float | None = None
        self._detail = ""

    def update(self, fraction: float | None, detail: str = "") -> None:
        """Show a new value (0..1) and an optional detail after the percentage."""
        if (fraction, detail) != (self._fraction, self._detail):
            self._fraction, self._detail = fraction, detail
            self._invalidate()

    def rows(self, size: tuple[int], focus: bool = False) -> int:
        return 1

    def render(self, size: tuple[int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        width = size[0]
        label_width = self.label_width or text_width(self.label) + 1
        segments: list[Segment] = fit([("muted", self.label)], label_width)
        fraction = self._fraction
        tail = f" {fraction * 100:3.0f}%" if fraction is not None else "   —"
        if self._detail:
            tail += f" {self._detail}"
        bar_width = max(0, width - label_width - text_width(tail))
        if fraction is None:
            segments.append(("bar_empty", icons.bar[1] * bar_width))
        else:
            fraction = min(1.0, max(0.0, fraction))
            role = "bad" if fraction >= self.bad else "warn" if fraction >= self.warn else "bar_fill"
            filled = round(fraction * bar_width)
            segments += [
                (role, icons.bar[0] * filled),
                ("bar_empty", icons.bar[1] * (bar_width - filled)),
            ]
        segments.append(("text", tail))
        return canvas([encode_line(fit(segments, width), "text")], width, 1, "text")
