"""The deck side without a cluster: views built from parsed replies, log lines, table fitting."""

from __future__ import annotations

from datetime import datetime

import pytest

from deck.plugins.falcon_nodes.client import ConnectionState, FalconClient, FalconConfig, Phase
from deck.plugins.falcon_nodes.model import BufferStats, SortMode, parse_status, sort_nodes
from deck.plugins.falcon_nodes.panels import node_columns
from deck.plugins.falcon_nodes.panels_summary import buffer_markup
from deck.plugins.falcon_nodes.source import LogFeed, RunTracker, StatusFeed, log_lines

CONNECTED = ConnectionState(Phase.CONNECTED, "127.0.0.1:6379", "falcon:coordinator")
LOST = ConnectionState(Phase.LOST, "127.0.0.1:6379", "'falcon:coordinator' died", retry_at=0.0)
#: Ray's own text for a task that raised, colour codes included (as RayTaskError prints it).
RAY_ERROR = (
    "\x1b[36mray::SimNode.get_status()\x1b[39m (pid=4242, ip=127.0.0.1, actor_id=ab12)\n"
    '  File "/app/node.py", line 12, in get_status\n'
    "    raise RuntimeError('CUDA out of memory')\n"
    "RuntimeError: CUDA out of memory"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


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


def node_reply(**nodes: dict[str, object]) -> dict[str, object]:
    return {"run_dir": "outputs/exp01", "started_at": "2026-01-10T14:18:03", "nodes": nodes}


def feed(clock: Clock | None = None, refresh: float = 1.0) -> StatusFeed:
    client = FalconClient(FalconConfig(address="127.0.0.1:1"))
    return StatusFeed(client, RunTracker(2 * refresh, clock or Clock()))


def test_unchanged_nodes_keep_their_row_objects() -> None:
    statuses = feed()
    first = statuses.accept(parse_status(reply(a=0.5, b=0.4, c=None)), CONNECTED)
    second = statuses.accept(parse_status(reply(a=0.5, b=0.3, c=None)), CONNECTED)
    rows = {node.name: node for node in first.nodes}
    again = {node.name: node for node in second.nodes}
    assert again["a"] is rows["a"] and again["c"] is rows["c"]
    assert again["b"] is not rows["b"] and again["b"].loss == 0.3
    assert again["b"].loss_history == (0.4, 0.3)  # the whole history, kept by the monitor
    assert second.status is not None and second.status.nodes[1] is again["b"]


def test_the_table_sorts_in_its_own_mode() -> None:
    view = feed().accept(parse_status(reply(node10=0.2, node2=None, node1=0.9)), CONNECTED)
    assert [n.name for n in sort_nodes(view.nodes, SortMode.LOSS)] == ["node10", "node1", "node2"]
    assert [n.name for n in sort_nodes(view.nodes, SortMode.NAME)] == ["node1", "node2", "node10"]


def test_no_answer_keeps_the_last_status_marked_old() -> None:
    statuses = feed()
    live = statuses.accept(parse_status(reply(a=0.5)), CONNECTED)
    gone = statuses.accept(None, LOST)
    assert gone.connection is LOST and not gone.live
    assert gone.status == live.status and gone.nodes == live.nodes
    assert gone.received_at == live.received_at
    age = gone.age()
    assert age is not None and 0 <= age < 5
    assert gone != live  # delivered again: the connection changed


def test_a_poll_time_alone_does_not_make_a_new_snapshot() -> None:
    statuses = feed()
    first = statuses.accept(parse_status(reply(a=0.5)), CONNECTED)
    second = statuses.accept(parse_status(reply(a=0.5)), CONNECTED)
    assert first == second  # the scheduler does not redeliver an unchanged run


def test_a_dead_node_keeps_its_last_state_and_says_when_it_died() -> None:
    clock = Clock()
    statuses = feed(clock)
    training = {"status": "training", "current_epoch": 7, "total_epochs": 10, "loss": 0.25, "samples": 70}
    statuses.accept(parse_status(node_reply(a=training, b=training)), CONNECTED)
    clock.now += 5
    view = statuses.accept(
        parse_status(node_reply(a={"status": "error", "error": "actor died"}, b=training)), CONNECTED
    )
    dead = view.node("a")
    assert dead is not None and dead.status == "dead" and dead.error == "actor died"
    assert (dead.loss, dead.current_epoch, dead.samples) == (0.25, 7, 70)  # its last numbers stay
    assert dead.since == clock.now and dead.changes[-1] == (clock.now, "dead")
    assert view.ended is None  # b still trains


def test_a_node_that_failed_before_its_actor_went_stays_failed() -> None:
    statuses = feed()
    failed = {"status": "error", "error": "validation loss became NaN", "current_epoch": 4, "loss": 9.0}
    statuses.accept(parse_status(node_reply(a=failed)), CONNECTED)
    view = statuses.accept(parse_status(node_reply(a={"status": "error", "error": "actor died"})), CONNECTED)
    node = view.node("a")
    assert node is not None and (node.status, node.error, node.loss) == (
        "error",
        "validation loss became NaN",
        9.0,
    )


def test_a_finished_run_keeps_its_final_losses_and_has_a_summary() -> None:
    clock = Clock()
    statuses = feed(clock)
    done = {"status": "done", "current_epoch": 10, "total_epochs": 10}
    statuses.accept(parse_status(node_reply(a={**done, "loss": 0.2}, b={**done, "loss": 0.1})), CONNECTED)
    finished = clock.now
    clock.now += 30  # the run's actors go away with the driver
    gone = {"status": "error", "error": "actor died"}
    view = statuses.accept(parse_status(node_reply(a=gone, b=gone)), CONNECTED)
    assert [(n.status, n.loss, n.error) for n in view.nodes] == [("done", 0.2, None), ("done", 0.1, None)]
    assert view.ended is not None and view.ended.finished_at == finished
    assert view.ended.best == ("b", 0.1)
    assert view.ended.counts == (("done", 2),)
    started = datetime(2026, 1, 10, 14, 18, 3).timestamp()
    assert view.ended.duration == finished - started


def test_rows_without_news_turn_stale_within_two_intervals() -> None:
    clock = Clock()
    statuses = feed(clock, refresh=1.0)
    statuses.accept(parse_status(reply(a=0.5)), CONNECTED)
    clock.now += 1.5
    assert statuses.accept(None, LOST).nodes[0].stale_for is None
    clock.now += 0.5
    stale = statuses.accept(None, LOST).nodes[0]
    assert stale.stale_for == 2 and stale.status == "training"
    clock.now += 3
    assert statuses.accept(None, LOST).nodes[0].stale_for == 5
    assert statuses.accept(parse_status(reply(a=0.5)), CONNECTED).nodes[0].stale_for is None


def test_ray_error_text_loses_its_colours_and_keeps_its_traceback() -> None:
    status = parse_status(
        node_reply(a={"status": "error", "error": "RuntimeError: CUDA out of memory", "traceback": RAY_ERROR})
    )
    node = status.nodes[0]
    assert node.error == "RuntimeError: CUDA out of memory"
    assert node.traceback is not None and "\x1b" not in node.traceback
    assert node.traceback.startswith("ray::SimNode.get_status() (pid=4242")
    bare = parse_status(node_reply(a={"status": "error", "error": RAY_ERROR})).nodes[0]
    assert bare.error == "RuntimeError: CUDA out of memory" and bare.traceback == node.traceback


def test_log_without_a_selection_or_a_connection_says_why() -> None:
    logs = LogFeed(FalconClient(FalconConfig(address="127.0.0.1:1")))
    assert logs({"node": None}).problem == "no node selected"
    log = logs({"node": "theta"})
    assert log.node == "theta" and log.lines == ()
    assert log.problem == "log unavailable: connecting to 127.0.0.1:1"


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
