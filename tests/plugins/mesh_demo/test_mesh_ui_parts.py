"""The parts under the mesh screens: the clock, the session, the map, the colour rules, the filters."""

from __future__ import annotations

import pytest
from mesh_clock import START, settle

from deck.plugins.mesh_demo import AdminCommand, LogLine, Mesh
from deck.plugins.mesh_demo.actions import parse_seconds
from deck.plugins.mesh_demo.client import MAX_GAP, SimClock, open_client
from deck.plugins.mesh_demo.panels_cells import age, latency, latency_role, percent, plain, rtt
from deck.plugins.mesh_demo.panels_digest import headline, nrpc_stats
from deck.plugins.mesh_demo.panels_logs import LogFilter
from deck.plugins.mesh_demo.panels_netmap import RINGS_MS, plot, radius

CONFIG = {"seed": 1, "nodes": 9, "refresh": 0.5, "operator": "ada", "export_dir": "."}


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_clock_follows_the_wall_but_caps_a_long_gap() -> None:
    wall = FakeWall(START)
    clock = SimClock(wall)
    assert clock.now() == START
    wall.now += 1.0
    assert clock.now() == START + 1.0
    wall.now += 3600.0  # a suspended laptop wakes up
    assert clock.now() == START + 1.0 + MAX_GAP
    wall.now += 0.5
    assert clock.now() == START + 1.5 + MAX_GAP


def test_the_clock_never_goes_back_and_can_skip_ahead() -> None:
    wall = FakeWall(START)
    clock = SimClock(wall)
    wall.now -= 30.0
    assert clock.now() == START
    wall.now += 2.0
    assert clock.now() == START + 2.0
    clock.skip(10.0)
    assert clock.now() == START + 12.0
    with pytest.raises(ValueError, match="skip ahead"):
        clock.skip(-1.0)


def test_a_client_signs_with_its_own_registered_key() -> None:
    wall = FakeWall(START)
    live = open_client(CONFIG, SimClock(wall))
    assert live.operator.operator_id == "ada" and "ada" in live.mesh.registry
    wall.now += 2.0
    snapshot = live.fetch()
    assert snapshot.now == START + 2.0 and len(snapshot.nodes) == 9
    outcome = live.submit(AdminCommand.cordon("node-2"))
    assert outcome.accepted and outcome.audit.operator == "ada"
    assert live.simulate(AdminCommand.uncordon("node-2")).summary.startswith("Uncordon node-2")


def test_a_client_refuses_a_bad_config() -> None:
    with pytest.raises(ValueError, match="refresh must be between"):
        open_client({**CONFIG, "refresh": 0.0})
    with pytest.raises(ValueError, match=r"nodes must be 3\.\.64"):
        open_client({**CONFIG, "nodes": 2})


def test_the_operator_defaults_to_the_login_name() -> None:
    live = open_client({**CONFIG, "operator": ""})
    assert live.operator.operator_id


def test_latency_colours_follow_the_reference_bands() -> None:
    assert [latency_role(ms) for ms in (0.4, 9.99, 10, 99, 100, 999, 1000, 2000)] == [
        "good",
        "good",
        "warn",
        "warn",
        "bad",
        "bad",
        "danger",
        "danger",
    ]
    assert latency(4.2) == [("good", "4.20 ms")]
    assert latency(1620.0) == [("danger", "1.62 s")]
    assert latency(None) == [("info", "…")]
    assert rtt(0.0) == [("muted", "local")] and rtt(None) == [("bad", "—")]


def test_percent_bars_turn_amber_then_red() -> None:
    assert plain(percent(4)(50.0)) == "██░░  50%"
    assert percent(4)(80.0)[0][0] == "warn"
    assert percent()(95.0) == [("bad", " 95%")]


def test_ages_are_compact() -> None:
    assert [age(s) for s in (5, 65, 3 * 3600 + 60, 2 * 86400 + 4 * 3600)] == ["5s", "1m05s", "3h01m", "2d04h"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("5m", 300), ("2h", 7200), (" 1H ", 3600)]
)
def test_durations_are_read_in_seconds_minutes_or_hours(text: str, seconds: int) -> None:
    assert parse_seconds(text, high=86_400) == seconds


@pytest.mark.parametrize(
    ("text", "problem"), [("soon", "give whole seconds"), ("0", "between"), ("25h", "between")]
)
def test_bad_durations_say_why(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_seconds(text, high=86_400)


def test_the_map_places_nearer_peers_closer_and_draws_every_node() -> None:
    assert radius(0.5) < radius(5.0) < radius(40.0) < radius(None) == 1.0
    assert [radius(ms) for ms in RINGS_MS] == sorted(radius(ms) for ms in RINGS_MS)
    snapshot = settle(Mesh(seed=1, start=START), 2.0)
    lines = plot(snapshot.nodes, snapshot.links, 72, 24, "node-4")
    assert len(lines) == 24 and all(sum(len(t) for _, t in line) == 72 for line in lines)
    text = "\n".join("".join(t for _, t in line) for line in lines)
    for node in snapshot.nodes:
        assert node.id in text
    assert "◉" in text and "10ms" in text
    selected = [t for line in lines for role, t in line if role == "selected"]
    assert selected == ["node-4"]


def test_the_map_survives_tiny_sizes() -> None:
    snapshot = settle(Mesh(seed=1, start=START), 1.0)
    for width, height in ((1, 1), (3, 1), (8, 2), (20, 4)):
        lines = plot(snapshot.nodes, snapshot.links, width, height, None)
        assert len(lines) == height
        assert all(sum(len(t) for _, t in line) == width for line in lines)


def test_log_filters_match_ids_exactly_and_words_anywhere() -> None:
    line = LogLine(7, START, "WARN", "node-3", "d-1", "node_agent", "log", "gpu-3 :: ttft p99 above target")
    assert LogFilter("id:node-3").matches(line)
    assert not LogFilter("id:node-30").matches(line)
    assert LogFilter("id:d-9,d-1").matches(line)
    assert LogFilter("gpu-3 TTFT").matches(line) and LogFilter("warn").matches(line)
    assert not LogFilter("id:node-3 prefill").matches(line)
    assert LogFilter("").matches(line) and not LogFilter("")


def test_nrpc_stats_and_the_headline() -> None:
    snapshot = settle(Mesh(seed=1, start=START), 12.0)
    stats = nrpc_stats(snapshot.nrpc, snapshot.now)
    assert 20 <= stats.rate <= 32  # 7 requesters, 4 calls a second each
    assert stats.p50_ms is not None and stats.p50_ms < stats.p99_ms  # type: ignore[operator]
    degraded = [n.id for n in snapshot.nodes if n.health == "degraded"]
    assert len(degraded) == 1  # seed 1, 12 s in
    assert "".join(t for _, t in headline(snapshot)) == "mesh 1 node degraded"
