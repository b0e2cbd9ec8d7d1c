"""The root widget: header, tabs, the current screen's grid, key hints, status line, dialogs."""

from __future__ import annotations

import logging
import time
from typing import Any

import urwid

from deck._actions import Action
from deck._deck import Deck
from deck._overlays import dialog_size
from deck._sanitize import sanitize
from deck._theme import ROLES
from deck.widgets._render import Segment, as_segments, canvas, encode_line, fit, text_width

__all__ = ["Shell", "key_label"]

log = logging.getLogger(__name__)

_STATUS_ROLES = {"info": "text", "ok": "good", "warn": "warn", "error": "bad"}
_STATUS_ICONS = {"info": "·", "ok": "✓", "warn": "!", "error": "✗"}
_KEY_NAMES = {
    "shift tab": "S-Tab",
    "enter": "Enter",
    "esc": "Esc",
    " ": "Space",
    "tab": "Tab",
    "page up": "PgUp",
    "page down": "PgDn",
    "home": "Home",
    "end": "End",
    "delete": "Del",
    "backspace": "Bksp",
    "insert": "Ins",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}


def key_label(key: str) -> str:
    """How a key is written in hints: "ctrl n" → "^N", "f2" → "F2"; other text is kept as is."""
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("ctrl "):
        return "^" + key[5:].upper()
    if key.startswith("shift "):
        return "S-" + key_label(key[6:])
    if len(key) in (2, 3) and key[0] == "f" and key[1:].isdigit():
        return key.upper()
    return key


class Shell(urwid.Widget):
    """Draws a Deck; every key and click goes to the Deck."""

    _sizing = frozenset([urwid.BOX])
    _selectable = True
    no_cache = ("render",)

    def __init__(self, deck: Deck) -> None:
        super().__init__()
        self.deck = deck
        self._dim = {role: "muted" for role in ROLES} | {None: "muted"}

    # ---- lines ---------------------------------------------------------------------------------

    def _header(self, width: int) -> list[Segment]:
        deck = self.deck
        left: list[Segment] = [
            ("header", f" {sanitize(deck.layout.title)} "),
            ("muted", f" {deck.layout.name} "),
        ]
        if deck.read_only:
            left.append(("warn", " READ-ONLY "))
        right: list[Segment] = []
        for owner, segment in deck.segments:
            if owner in deck.parts.problems or segment.source not in deck.scheduler:
                continue  # a broken plugin's panels say what is wrong; the header stays quiet
            try:
                markup = segment.render(deck.scheduler.result(segment.source))
            except Exception as exc:
                log.debug("status segment %s failed: %s", segment.name, exc)
                markup = [("bad", f"{segment.name}: error")]
            right += [*as_segments(markup or ""), (None, "  ")]
        clock: Segment = ("accent", time.strftime(" %H:%M:%S "))
        title, rest = left[:1], left[2:]
        # Narrow terminals give way in this order: the layout name, the sources' names, the
        # source count; plugin segments (a server's Online / Offline) and the clock stay.
        for head, tail in (
            (left, [*right, *self._health(), clock]),
            ([*title, *rest], [*right, *self._health(), clock]),
            ([*title, *rest], [*right, *self._health(short=True), clock]),
            ([*title, *rest], [*right, clock]),
        ):
            used = sum(text_width(t) for _, t in head + tail)
            if used <= width:
                return [*head, (None, " " * (width - used)), *tail]
        return fit([*title, *rest, *right, clock], width)

    def _health(self, short: bool = False) -> list[Segment]:
        stats = self.deck.scheduler.stats()
        if not stats:
            return []
        failing = [s.name for s in stats if s.last_error]
        if not failing:
            return [("good", f"● {len(stats)}/{len(stats)} ok ")]
        if short:
            return [("bad", f"● {len(stats) - len(failing)}/{len(stats)} ok ")]
        names = ", ".join(failing[:2]) + ("…" if len(failing) > 2 else "")
        return [("bad", f"● {len(stats) - len(failing)}/{len(stats)} ok: {names} failing ")]

    def _tab_labels(self, width: int) -> list[tuple[int, str]]:
        """(screen index, label) of each tab shown; narrow terminals keep the active tab whole."""
        active = self.deck.screen_index
        screens = self.deck.screens
        labels = [(i, f" {s.spec.key} {sanitize(s.spec.name)} ") for i, s in enumerate(screens)]
        if sum(text_width(label) + 1 for _, label in labels) > width:
            labels = [(i, label if i == active else f" {screens[i].spec.key} ") for i, label in labels]
        while len(labels) > 1 and sum(text_width(label) + 1 for _, label in labels) > width:
            labels.pop(0 if labels[0][0] != active else -1)
        return labels

    def _tabs(self, width: int) -> list[Segment]:
        segments: list[Segment] = []
        for index, label in self._tab_labels(width):
            segments += [("tab_active" if index == self.deck.screen_index else "tab", label), (None, " ")]
        return fit(segments, width)

    def hints(self) -> list[tuple[str, str, bool]]:
        """(key, label, enabled) for the focused panel's actions, then the global essentials."""
        deck = self.deck
        frame = deck.focused
        found: list[tuple[str, str, bool]] = []
        seen: set[str] = set()

        def add(action: Action) -> None:
            keys = deck.keymap.keys_for(action.id)
            if keys and action.id not in seen:
                seen.add(action.id)
                found.append((key_label(keys[0]), action.title, deck.actions.enabled(action)))

        if frame is not None and frame.panel is not None:
            for action in deck.keymap.in_scope(frame.type_name):
                add(action)
            try:
                extra = frame.panel.hints()
            except Exception:
                extra = ()
            for hint in extra:
                if isinstance(hint, str):
                    action = deck.keymap.actions.get(hint)
                    if action is not None:
                        add(action)
                else:
                    found.append((key_label(hint[0]), hint[1], True))
        for action_id in (
            "deck.next_panel",
            "deck.filter",
            "deck.palette",
            "deck.help",
            "deck.quit",
        ):
            action = deck.keymap.actions.get(action_id)
            if action is not None:
                add(action)
        return found

    def _hints_line(self, width: int) -> list[Segment]:
        # Help and Quit stay at the right edge; the panel's own hints fill the rest.
        essentials = {self._first_key("deck.help"), self._first_key("deck.quit")} - {None}
        left: list[Segment] = []
        right: list[Segment] = []
        for key, label, enabled in self.hints():
            side = right if key in essentials else left
            side += [
                ("key" if enabled else "muted", f"[{key}]"),
                ("footer" if enabled else "muted", f" {label}  "),
            ]
        room = width - sum(text_width(text) for _, text in right)
        if room < 10:
            return fit(left + right, width)
        return [*fit(left, room), *right]

    def _first_key(self, action_id: str) -> str | None:
        keys = self.deck.keymap.keys_for(action_id)
        return key_label(keys[0]) if keys else None

    def _status_line(self, width: int) -> list[Segment]:
        status = self.deck.status
        stamp = time.strftime("%H:%M:%S", time.localtime(status.at))
        role = _STATUS_ROLES[status.level]
        return fit(
            [
                ("muted", f"{stamp} "),
                (role, f"{_STATUS_ICONS[status.level]} "),
                *as_segments(status.text, role),
            ],
            width,
        )

    # ---- drawing --------------------------------------------------------------------------------

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        width, height = size
        top_lines = [self._header(width)] + ([self._tabs(width)] if height >= 6 else [])
        bottom_lines = ([self._hints_line(width)] if height >= 8 else []) + (
            [self._status_line(width)] if height >= 4 else []
        )
        body_height = max(0, height - len(top_lines) - len(bottom_lines))
        parts: list[tuple[urwid.Canvas, Any, bool]] = []
        top = canvas([encode_line(line, "text") for line in top_lines], width, len(top_lines), "text")
        parts.append((top, None, False))
        if body_height:
            parts.append((self._body(width, body_height), None, True))
        if bottom_lines:
            bottom = canvas(
                [encode_line(line, "footer") for line in bottom_lines],
                width,
                len(bottom_lines),
                "footer",
            )
            parts.append((bottom, None, False))
        return urwid.CanvasCombine(parts)

    def _body(self, width: int, height: int) -> urwid.Canvas:
        grid = self.deck.screen.widget
        dialog = self.deck.overlays.top
        try:
            if dialog is None:
                return grid.render((width, height), True)
            dim = urwid.AttrMap(grid, self._dim)
            dialog_width, dialog_height = dialog_size(dialog, width, height)
            align, valign = dialog.align
            overlay = urwid.Overlay(dialog, dim, align, dialog_width, valign, dialog_height)
            return overlay.render((width, height), True)
        except Exception:
            # A terminal too small for the grid still gets a readable screen.
            log.debug("grid could not render at %sx%s", width, height, exc_info=True)
            message = encode_line(fit([("muted", "terminal too small")], width, "center"))
            return canvas([message], width, height, "text")

    # ---- input --------------------------------------------------------------------------------

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        self.deck.keys.handle(size, key)
        self._invalidate()
        return None

    def mouse_event(
        self, size: tuple[int, int], event: str, button: int, col: int, row: int, focus: bool
    ) -> bool:
        width, height = size
        deck = self.deck
        if deck.overlays.top is not None:
            return False
        if row == 1 and height >= 6 and event == "mouse press":
            x = 0
            for index, label in self._tab_labels(width):
                span = text_width(label) + 1
                if x <= col < x + span:
                    deck.show_screen(index)
                    return True
                x += span
            return False
        top = 2 if height >= 6 else 1
        body_height = height - top - (2 if height >= 8 else 1 if height >= 4 else 0)
        if top <= row < top + body_height:
            handled = deck.screen.widget.mouse_event(
                (width, body_height), event, button, col, row - top, True
            )
            deck.request_redraw()
            return bool(handled)
        return False
