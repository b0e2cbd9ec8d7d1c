"""Each parser of declared sources on real command output, and each way the output can be bad."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from declare_support import gone

from deck.plugins.declare.client import FetchError
from deck.plugins.declare.model import MASK, Rule, Threshold
from deck.plugins.declare.model_layout import read_sources, read_thresholds
from deck.plugins.declare.source import DeclaredSource
from deck.plugins.declare.source_parse import pick

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def fetch(**source: object) -> DeclaredSource:
    """A declared source built from one `sources:` entry, checked as the layout loader checks it."""
    return DeclaredSource(read_sources({"s": source})["s"])


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_lines_keep_every_line() -> None:
    snapshot = fetch(exec=python("print('one'); print('two')")).fetch()
    assert snapshot.columns == ("line",)
    assert [row["line"] for row in snapshot.rows] == ["one", "two"]
    assert snapshot.lines == ("one", "two")


def test_csv_of_recorded_nvidia_smi_query_with_declared_columns() -> None:
    source = fetch(
        exec=["cat", str(FIXTURES / "gpu" / "query-gpu.csv")],
        parse="csv",
        header=True,
    ).fetch()
    assert source.columns[0] == "index"
    first = source.rows[0]
    assert first["index"] == 0
    assert "H200" in first["name"]
    assert isinstance(first["memory.total [MiB]"], str)  # "143771 MiB": units stay text


def test_csv_of_the_issue_example_on_a_real_h200_recording() -> None:
    recorded = str(FIXTURES / "gpu" / "query-gpu-nounits.csv")
    snapshot = fetch(exec=["cat", recorded], parse="csv", columns=["gpu", "util", "mem"]).fetch()
    assert snapshot.rows == ({"gpu": 0, "util": 0, "mem": 0},)
    with_header = str(FIXTURES / "gpu" / "query-gpu-header-nounits.csv")
    (gpu,) = fetch(exec=["cat", with_header], parse="csv", header=True).fetch().rows
    assert gpu["name"] == "NVIDIA H200"
    assert gpu["memory.total [MiB]"] == 143771
    assert gpu["power.draw [W]"] == 113.86


def test_csv_without_header_takes_the_declared_names_and_numbers() -> None:
    snapshot = fetch(
        exec=python("print('0, 37, 1024'); print('1, 99, 80000')"),
        parse="csv",
        columns=["gpu", "util", "mem"],
    ).fetch()
    assert snapshot.rows[1] == {"gpu": 1, "util": 99, "mem": 80000}


def test_json_rows_and_fields_by_path_with_secrets_masked() -> None:
    answer = '{"data": {"items": [{"meta": {"name": "a"}, "token": "s3cret", "n": 1}, {"meta": {"name": "b"}, "n": 2}]}}'
    snapshot = fetch(exec=python(f"print({answer!r})"), parse="json", rows="data.items").fetch()
    assert snapshot.rows[0]["token"] == MASK
    assert "s3cret" not in repr(snapshot)
    picked = fetch(
        exec=python(f"print({answer!r})"),
        parse="json",
        rows="data.items",
        fields={"name": "meta.name", "n": "n"},
    ).fetch()
    assert picked.columns == ("name", "n")
    assert [row["name"] for row in picked.rows] == ["a", "b"]


def test_pick_walks_names_indexes_and_stars() -> None:
    document = {"a": [{"b": 1}, {"b": 2}], "m": {"x": {"v": 1}, "y": {"v": 2}}}
    assert pick(document, "a[1].b") == 2
    assert pick(document, "a[-1].b") == 2
    assert pick(document, "a[*].b") == [1, 2]
    assert pick(document, "m.*.v") == [1, 2]
    assert pick(document, "a[5].b") is None
    assert pick(document, "nope.deeper") is None


def test_jsonl_one_row_per_line_and_a_bad_line_is_named() -> None:
    good = fetch(exec=python("print('{\"a\": 1}'); print(''); print('{\"a\": 2}')"), parse="jsonl").fetch()
    assert [row["a"] for row in good.rows] == [1, 2]
    bad = fetch(exec=python("print('{\"a\": 1}'); print('{oops')"), parse="jsonl")
    with pytest.raises(FetchError, match="line 2 is not JSON"):
        bad.fetch()


def test_regex_named_groups_become_columns_and_numbers() -> None:
    snapshot = fetch(
        exec=["cat", "/proc/loadavg"],
        parse="regex",
        pattern=r"^(?P<load1>[\d.]+) (?P<load5>[\d.]+) \S+ (?P<running>\d+)/(?P<threads>\d+)",
    ).fetch()
    assert snapshot.columns == ("load1", "load5", "running", "threads")
    (row,) = snapshot.rows
    assert isinstance(row["load1"], float) and isinstance(row["threads"], int)


def test_bad_json_says_where() -> None:
    with pytest.raises(FetchError, match="not JSON: Expecting value at line 1 column 1"):
        fetch(exec=python("print('<html>')"), parse="json").fetch()


def test_failing_command_shows_status_and_stderr() -> None:
    source = fetch(exec=python("import sys; print('disk on fire', file=sys.stderr); sys.exit(3)"))
    with pytest.raises(FetchError, match="exited with status 3: disk on fire"):
        source.fetch()


def test_missing_command_is_named() -> None:
    with pytest.raises(FetchError, match="command not found: no-such-command-here"):
        fetch(exec=["no-such-command-here"]).fetch()


def test_hung_command_is_killed_with_its_children_at_the_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    source = fetch(exec=["sh", "-c", f"sleep 600 & echo $! > {pidfile}; wait"], timeout=2)
    with pytest.raises(FetchError, match=r"timed out after 2 s and was killed"):
        source.fetch()
    grandchild = int(pidfile.read_text())
    # The whole process group was killed, the grandchild too.
    assert gone(grandchild), f"the grandchild {grandchild} outlived the timeout"


def test_flood_of_output_is_cut_at_the_cap_and_says_so() -> None:
    source = fetch(exec=python("import sys\nwhile True: sys.stdout.write('x' * 99 + '\\n')"), max_bytes=10000)
    snapshot = source.fetch()
    assert len(snapshot.rows) == 100  # whole lines only, the cut one dropped
    assert snapshot.note == "output cut at 10000 bytes (max_bytes)"


def test_thresholds_read_numbers_comparisons_and_text() -> None:
    rules = read_thresholds({"util": {"warn": 70, "bad": "> 90"}, "state": {"bad": ["failed", "== error"]}})
    util, state = rules["util"], rules["state"]
    assert util == Threshold(warn=(Rule(">=", 70.0),), bad=(Rule(">", 90.0),))
    assert [util.role(v) for v in (10, 70, "95", None, "n/a")] == [None, "warn", "bad", None, None]
    assert [state.role(v) for v in ("FAILED", "error", "running")] == ["bad", "bad", None]
