from deck._sanitize import sanitize, sanitize_segments
from deck.widgets._render import as_segments, encode_line, fit


def test_plain_text_is_untouched() -> None:
    assert sanitize("GPU 3 ready — 日本語 ✓") == "GPU 3 ready — 日本語 ✓"


def test_escape_sequences_are_shown_not_sent() -> None:
    hostile = "ok\x1b[2J\x1b]0;pwned\x07\r\nnext\x00\x9b31m"
    shown = sanitize(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\x00" not in shown and "\x9b" not in shown
    assert shown == "ok\\e[2J\\e]0;pwned\\x07\\r\\nnext\\x00\\x9b31m"


def test_bidi_controls_are_escaped() -> None:
    assert sanitize("abc\u202edef") == "abc\\u202edef"


def test_segments_mark_escapes_with_their_own_role() -> None:
    assert sanitize_segments("a\x1bb", "text", "escaped") == [
        ("text", "a"),
        ("escaped", "\\e"),
        ("text", "b"),
    ]


def test_rendered_lines_never_contain_control_bytes() -> None:
    data, _ = encode_line(fit(as_segments("x\x1b[31mred\x1b[0m"), 30))
    assert b"\x1b" not in data
    assert len(data.decode()) == 30
