from deck.widgets import Banner, Gauge, JsonView, KeyValue, LogLine, LogView, icons, sparkline
from deck.widgets._cells import bytes_, duration, json_preview, local_time, progress_bar, rate, relative_time


def lines(widget, size) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.decode().rstrip() for line in widget.render(size, True).text]


def roles(canvas) -> set[str]:  # type: ignore[no-untyped-def]
    return {attr for row in canvas.content() for attr, _, _ in row}


def test_log_view_follows_pauses_filters_and_highlights() -> None:
    view = LogView(maxlen=100)
    view.extend(LogLine(f"line {i}", "debug" if i % 2 else "INFO", 0.0) for i in range(50))
    assert lines(view, (40, 3))[-1].endswith("line 49")
    view.toggle_pause()
    view.append(LogLine("newer", "error", 0.0))
    assert lines(view, (40, 3))[-1].endswith("line 49")
    view.toggle_pause()
    assert lines(view, (40, 3))[-1].endswith("newer")
    view.level = "warning"
    assert len(view) == 51 and view.line_count() == 1
    assert view.cycle_level() == "error"
    view.level = "debug"
    view.search = "line 4"
    assert "highlight" in roles(view.render((40, 3), True))
    view.keypress((40, 3), "home")
    assert not view.follow
    view.keypress((40, 3), "end")
    assert view.follow


def test_log_ring_is_bounded() -> None:
    view = LogView(maxlen=10)
    view.extend(LogLine(str(i)) for i in range(1000))
    assert len(view) == 10


def test_log_search_jumps_to_matches() -> None:
    view = LogView()
    view.extend(LogLine(text) for text in ["alpha", "beta", "gamma", "beta again"])
    view.search = "beta"
    assert view.next_match()
    assert view.cursor == 3 or view.cursor == 1
    assert "highlight" in roles(view.render((30, 4), True))


def test_json_view_colours_and_folds() -> None:
    view = JsonView({"name": "w\x1bx", "gpus": [0, 1], "nested": {"a": None, "b": True}})
    text = lines(view, (40, 12))
    assert text[1] == '  "name": "w\\u001bx",'
    assert {"json_key", "json_string", "json_number", "json_literal"} <= roles(view.render((40, 12), True))
    view.cursor = 2
    view.keypress((40, 12), "enter")
    assert lines(view, (40, 12))[2] == '  "gpus": [ 2 items ],'
    view.keypress((40, 12), "-")
    assert lines(view, (40, 12))[1:4] == [
        '  "name": "w\\u001bx",',
        '  "gpus": [ 2 items ],',
        '  "nested": { 2 keys }',
    ]
    view.keypress((40, 12), "+")
    assert lines(view, (40, 12))[2:4] == ['  "gpus": [', "    0,"]


def test_key_value_and_gauge_and_banner() -> None:
    kv = KeyValue([(None, "Section"), ("Name", "value"), ("Long label", [("warn", "hot")])])
    assert lines(kv, (30, 3)) == ["Section", "Name        value", "Long label  hot"]
    gauge = Gauge("CPU")
    gauge.update(0.95, "2 cores")
    text = lines(gauge, (30,))[0]
    assert text.startswith("CPU ") and text.endswith("95% 2 cores")
    assert "bad" in roles(gauge.render((30,)))
    assert len(lines(Banner("DYNAMO"), (60,))) == 4
    assert lines(Banner("DYNAMO"), (10,)) == ["  DYNAMO"]


def test_cells() -> None:
    assert duration(5415) == "1h 30m 15s"
    assert duration(0.25) == "250ms"
    assert duration(90061) == "1d 1h 1m"
    assert relative_time(100, now=130) == "30s ago"
    assert bytes_(1536) == "1.5 KiB"
    assert (
        json_preview({"question": "what is the capital of France?"}) == '{"question":"what is the capital o…'
    )
    assert len(json_preview({"question": "what is the capital of France?"})) == 35
    assert local_time(0, "%Y") in ("1970", "1969")
    assert sparkline([1, 2, 3, 4]) == [("spark", "▁▃▆█")]
    # On a fixed scale a steady high value draws high, and values outside it are clamped.
    assert sparkline([80, 80, 80], low=0, high=100) == [("spark", "▇▇▇")]
    assert sparkline([-5, 0, 50, 150], low=0, high=100) == [("spark", "▁▁▅█")]
    assert progress_bar(0.5, 4) == [("bar_fill", "██"), ("bar_empty", "░░"), (None, "  50%")]
    icons.ascii = True
    try:
        assert sparkline([1, 2, 3, 4]) == [("spark", "_:+#")]
    finally:
        icons.ascii = False


def test_rates_read_per_second_at_any_magnitude() -> None:
    assert [rate(v) for v in (0, 0.5, 42, 999.4, 1234, 2.5e6)] == [
        "0/s",
        "0.5/s",
        "42/s",
        "999/s",
        "1.2k/s",
        "2.5M/s",
    ]
    assert rate(42, " req") == "42 req/s"
    assert rate(1536, "B") == "1.5 KiB/s"
    assert rate(None) == rate(float("nan")) == [("muted", "—")]
