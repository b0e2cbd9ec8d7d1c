"""The root widget: header, tabs, the current screen's grid, key hints, status line, dialogs."""

from __future__ import annotations

import logging
import time
from typing import Any

import urwid

from deck._actions import Action
from deck._alerts_panel import alerts_segment
from deck._clock import now
from deck._contain import FAULTS
from deck._deck import Deck
from deck._overlays import dialog_size
from deck._recorder import REPLAY_SCOPE
from deck._recorder_view import recorder_header, recorder_reach
from deck._sanitize import sanitize
from deck._theme import ROLES
from deck.widgets._glyphs import ascii_canvas
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


def _filter_of(panel: Any) -> str:
    """The filter in force on a panel ("" when none, or when the panel fails to say)."""
    try:
        return sanitize(str(panel.filter_text or "")) if panel.filterable else ""
    except FAULTS:
        return ""


def _abbreviate(name: str, limit: int) -> str:
    """A name cut to `limit` characters, the cut marked with an ellipsis where there is room."""
    if len(name) <= limit:
        return name
    return name[: limit - 1].rstrip() + "…" if limit >= 4 else name[:limit]


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
        #: The body as last drawn, and its size: a draw for the clock alone reuses it.
        self._last_body: tuple[tuple[int, int], urwid.Canvas] | None = None

    # ---- lines ---------------------------------------------------------------------------------

    def _header(self, width: int) -> list[Segment]:
        deck = self.deck
        left: list[Segment] = [
            ("header", f" {sanitize(deck.layout.title)} "),
            ("muted", f" {deck.layout.name} "),
        ]
        if deck.read_only:
            left.append(("warn", " READ-ONLY "))
        left += recorder_header(deck.recorder) + alerts_segment(deck.recorder.alerts.active)
        pieces: list[list[Segment]] = []
        for owner, segment in deck.segments:
            if owner in deck.parts.problems or segment.source not in deck.scheduler:
                continue  # a broken plugin's panels say what is wrong; the header stays quiet
            try:
                markup = segment.render(deck.recorder.result(segment.source))
            except FAULTS as exc:
                log.debug("status segment %s failed: %s", segment.name, exc, exc_info=True)
                markup = [("bad", f"{segment.name}: error")]
            pieces.append([*as_segments(markup or ""), (None, "  ")])
        shape = " %H:%M " if deck.layout.clock == "minutes" else " %H:%M:%S "
        clock: list[Segment] = [("accent", time.strftime(shape, time.localtime(now())))]
        # Health never gives way: the clock goes first, then the plugins' quiet segments (plain
        # notes before those with news), then the names of the failing sources (the count stays),
        # then the plugins' alarming segments.
        health, short_health = self._health()
        while True:
            right = [segment for piece in pieces for segment in piece] + health + clock
            used = sum(text_width(t) for _, t in left + right)
            if used <= width:
                return [*left, (None, " " * (width - used)), *right]
            quiet = [p for p in pieces if not {role for role, _ in p} & {"bad", "warn", "critical"}]
            notes = [p for p in quiet if {role for role, _ in p} <= {"muted", None}]  # "no state files"
            if clock:
                clock = []
            elif quiet:
                pieces.remove((notes or quiet)[-1])
            elif health != short_health:
                health = short_health
            elif pieces:
                pieces.pop()
            else:
                room = width - sum(text_width(t) for _, t in health)
                return [*fit(left, room), *health] if room >= 8 else fit(health or left, width)

    def _health(self) -> tuple[list[Segment], list[Segment]]:
        """The sources' health, whole and short (the count without the failing names)."""
        stats = self.deck.scheduler.stats()
        if not stats:
            return [], []
        failing = [s.name for s in stats if s.last_error]
        if not failing:
            ok: list[Segment] = [("good", f"● {len(stats)}/{len(stats)} ok ")]
            return ok, ok
        names = ", ".join(failing[:2]) + ("…" if len(failing) > 2 else "")
        count = f"● {len(stats) - len(failing)}/{len(stats)} ok"
        return [("bad", f"{count}: {names} failing ")], [("bad", f"{count} ")]

    def _tab_labels(self, width: int) -> list[tuple[int, str]]:
        """(screen index, label) of each tab shown; narrow terminals keep the active tab whole."""
        active = self.deck.screen_index
        screens = self.deck.screens
        names = [sanitize(s.spec.name) for s in screens]

        def labels_at(limit: int) -> list[tuple[int, str]]:
            # Names longer than `limit` are abbreviated ("Raw…"); the active tab stays whole.
            return [
                (i, f" {s.spec.key} {_abbreviate(names[i], limit) if i != active else names[i]} ")
                for i, s in enumerate(screens)
            ]

        def fits(labels: list[tuple[int, str]]) -> bool:
            return sum(text_width(label) + 1 for _, label in labels) <= width

        longest = max((len(name) for name in names), default=0)
        for limit in range(longest, 0, -1):
            labels = labels_at(limit)
            if fits(labels):
                return labels
        labels = [(i, text if i == active else f" {screens[i].spec.key} ") for i, text in labels_at(longest)]
        while len(labels) > 1 and not fits(labels):
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

        for replay in deck.keymap.in_scope(REPLAY_SCOPE) if deck.recorder.rewound else ():
            add(replay)  # rewound: the keys that move through time come first
        if frame is not None and frame.panel is not None:
            for scoped in deck.keymap.in_scope(frame.type_name):
                add(scoped)
            try:
                extra = frame.panel.hints()
            except FAULTS:
                extra = ()
            for hint in extra:
                if isinstance(hint, str):
                    named = deck.keymap.actions.get(hint)
                    if named is not None:
                        add(named)
                else:
                    found.append((key_label(hint[0]), hint[1], True))
        if frame is not None and frame.panel is not None and _filter_of(frame.panel):
            esc = self._first_key("deck.back")
            if esc is not None:
                found.append((esc, f"clear /{_filter_of(frame.panel)}", True))
        for action_id in (
            "deck.next_panel",
            "deck.filter",
            "deck.palette",
            "deck.help",
            "deck.quit",
        ):
            essential = deck.keymap.actions.get(action_id)
            if essential is not None:
                add(essential)
        return found

    def _hints_line(self, width: int) -> list[Segment]:
        # Help and Quit stay at the right edge; the panel's own hints fill the rest.
        # A hint is shown whole or not at all; "…" says that help (?) lists more.
        essentials = {self._first_key("deck.help"), self._first_key("deck.quit")} - {None}
        hints: list[list[Segment]] = []
        right: list[Segment] = []
        for key, label, enabled in self.hints():
            hint: list[Segment] = [
                ("key" if enabled else "muted", f"[{key}]"),
                ("footer" if enabled else "muted", f" {label}  "),
            ]
            if key in essentials:
                right += hint
            else:
                hints.append(hint)
        room = width - sum(text_width(text) for _, text in right)
        if room < 10:
            return fit([segment for hint in hints for segment in hint] + right, width)
        left = [segment for hint in hints for segment in hint]
        if sum(text_width(text) for _, text in left) > room:
            left, used = [], len("… ")
            for hint in hints:
                used += sum(text_width(text) for _, text in hint)
                if used > room:
                    break
                left += hint
            left.append(("muted", "… "))
        return [*fit(left, room), *right]

    def _first_key(self, action_id: str) -> str | None:
        keys = self.deck.keymap.keys_for(action_id)
        return key_label(keys[0]) if keys else None

    def _status_line(self, width: int) -> list[Segment]:
        status = self.deck.status
        stamp = time.strftime("%H:%M:%S", time.localtime(status.at))
        role = _STATUS_ROLES[status.level]
        reach = recorder_reach(self.deck.recorder)
        room = width - sum(text_width(text) for _, text in reach)
        message: list[Segment] = [
            ("muted", f"{stamp} "),
            (role, f"{_STATUS_ICONS[status.level]} "),
            *as_segments(status.text, role),
        ]
        fits = sum(text_width(text) for _, text in message) <= room
        return [*fit(message, room), *reach] if fits else fit(message, width)  # the message first

    # ---- drawing --------------------------------------------------------------------------------

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
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
            last = self._last_body
            if self.deck.clock_only and last is not None and last[0] == (width, body_height):
                body = last[1]  # only the clock moved: the header is all that is drawn anew
            else:
                body = self._body(width, body_height)
                self._last_body = ((width, body_height), body)
            parts.append((body, None, True))
        if bottom_lines:
            bottom = canvas(
                [encode_line(line, "footer") for line in bottom_lines],
                width,
                len(bottom_lines),
                "footer",
            )
            parts.append((bottom, None, False))
        combined = urwid.CanvasCombine(parts)
        return ascii_canvas(combined, width) if self.deck.ascii else combined

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

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        self.deck.clock_only = False
        self.deck.keys.handle(size, key)
        self._invalidate()
        return None

    def mouse_event(
        self,
        size: tuple[int, int],  # type: ignore[override]  # a box widget
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool:
        width, height = size
        deck = self.deck
        deck.clock_only = False
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
