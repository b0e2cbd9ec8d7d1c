"""The deck side without a cluster: views built from parsed replies, log lines, table fitting."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from deck.plugins.falcon_nodes.client import ConnectionState, FalconConfig, Phase
from deck.plugins.falcon_nodes.model import BufferStats, SortMode, parse_status
from deck.plugins.falcon_nodes.panels import node_columns
from deck.plugins.falcon_nodes.source import FalconSession, log_lines
from deck.plugins.falcon_nodes.summary import buffer_markup

CONNECTED = ConnectionState(Phase.CONNECTED, "127.0.0.1:6379", "falcon:coordinator")
LOST = ConnectionState(Phase.LOST, "127.0.0.1:6379", "'falcon:coordinator' died", retry_at=0.0)


def reply(**losses: float | None) -> dict[str, object]:
    return {
        "run_dir": "outputs/exp01",
        "started_at": "2026-01-10T14:18:03",
        "nodes": {
            name: {"status": "training" if loss is not None else "idle", "loss": loss, "samples": 10}
            for name, loss in losses.items()
        },
        "buffer": {"training": 3, "validation": 1, "disfavoured": 0},
    }


def test_unchanged_nodes_keep_their_row_objects() -> None:
    session = FalconSession()
    first = session.accept(parse_status(reply(a=0.5, b=0.4, c=None)), CONNECTED)
    second = session.accept(parse_status(reply(a=0.5, b=0.3, c=None)), CONNECTED)
    rows = {node.name: node for node in first.nodes}
    again = {node.name: node for node in second.nodes}
    assert again["a"] is rows["a"] and again["c"] is rows["c"]
    assert again["b"] is not rows["b"] and again["b"].loss == 0.3
    assert second.status is not None and second.status.nodes[1] is again["b"]


def test_views_come_sorted_in_the_session_mode() -> None:
    session = FalconSession()
    session.configure(FalconConfig(), SortMode.LOSS)
    view = session.accept(parse_status(reply(node10=0.2, node2=None, node1=0.9)), CONNECTED)
    assert [n.name for n in view.nodes] == ["node10", "node1", "node2"]
    assert view.sort is SortMode.LOSS and view.live
    assert session.cycle_sort() is SortMode.NAME
    view = session.accept(parse_status(reply(node10=0.2, node2=None, node1=0.9)), CONNECTED)
    assert [n.name for n in view.nodes] == ["node1", "node2", "node10"]


def test_no_answer_keeps_the_last_status_marked_old() -> None:
    session = FalconSession()
    live = session.accept(parse_status(reply(a=0.5)), CONNECTED)
    gone = session.accept(None, LOST)
    assert gone.connection is LOST and not gone.live
    assert gone.status == live.status and gone.nodes == live.nodes
    assert gone.received_at == live.received_at
    age = gone.age()
    assert age is not None and 0 <= age < 5
    assert gone != live  # delivered again: the connection changed


def test_a_poll_time_alone_does_not_make_a_new_snapshot() -> None:
    session = FalconSession()
    first = session.accept(parse_status(reply(a=0.5)), CONNECTED)
    second = session.accept(parse_status(reply(a=0.5)), CONNECTED)
    assert first == second  # the scheduler does not redeliver an unchanged run


def test_log_without_a_selection_or_a_connection_says_why() -> None:
    session = FalconSession(FalconConfig(address="127.0.0.1:1"))
    assert session.fetch_log().problem == "no node selected"
    session.selected = "theta"
    log = session.fetch_log()
    assert log.node == "theta" and log.lines == ()
    assert log.problem == "log unavailable: connecting to 127.0.0.1:1"


def test_pausing_without_a_connection_is_refused_with_the_reason() -> None:
    from deck.plugins.falcon_nodes.client import FalconError

    session = FalconSession(FalconConfig(address="127.0.0.1:1"))
    with pytest.raises(FalconError, match=re.escape("cannot pause theta: connecting to 127.0.0.1:1")):
        session.pause("theta")


def test_log_lines_take_their_time_and_level_from_the_text() -> None:
    now = datetime(2026, 1, 10, 0, 5, 0)
    lines = log_lines(
        [
            "[00:04:59] Epoch 3/200, loss=0.5000, lr=0.0001",
            "[23:59:58] RuntimeError: validation loss became NaN in epoch 4",
            "[00:05:00] Warning: learning rate reduced",
            "plain line from output.log",
            "[99:00:00] not a time",
        ],
        now,
    )
    assert [line.level for line in lines] == ["info", "error", "warn", "info", "info"]
    assert lines[0].text == "Epoch 3/200, loss=0.5000, lr=0.0001"
    assert lines[0].time == datetime(2026, 1, 10, 0, 4, 59).timestamp()
    assert lines[1].time == datetime(2026, 1, 9, 23, 59, 58).timestamp()  # written before midnight
    assert lines[3].time is None and lines[3].text == "plain line from output.log"
    assert lines[4].time is None and lines[4].text == "[99:00:00] not a time"


@pytest.mark.parametrize("width", [60, 78, 118, 198, 300])
def test_node_columns_fill_the_width_exactly(width: int) -> None:
    columns = node_columns(width)
    used = sum(column.width or column.min_width for column in columns) + len(columns) - 1
    assert used == width or (width < 70 and used > width)
    assert [column.title for column in columns] == ["Node", "Status", "Samples", "Loss", "Trend", "Progress"]


def test_buffer_bar_is_proportional() -> None:
    segments = buffer_markup(BufferStats(training=600, validation=300, disfavoured=100), 90)
    bar = {role: len(text) for role, text in segments[:3]}
    total = sum(bar.values())
    assert 8 <= total <= 48
    assert bar["good"] == round(total * 0.6) and bar["magenta"] == round(total * 0.1)
    text = "".join(text for _, text in segments)
    assert "600 training" in text and "300 validation" in text and "100 disfavoured" in text
    assert buffer_markup(BufferStats(error="timeout"), 90) == [("bad", "⚠ timeout")]
    assert buffer_markup(None, 90) == [("muted", "no dataset manager registered")]
    empty = buffer_markup(BufferStats(training=0, validation=0, disfavoured=0), 90)
    assert empty[0][0] == "bar_empty"
