"""`deck --check` finds every mistake in a `declare` block and names its file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from deck._cli import main

GOOD_SOURCES = """\
title: t
plugins:
  declare:
    sources:
      procs: {exec: [ps, -e], interval: 5}
"""
SCREEN = """\
screens:
  - name: Main
    rows:
      - panel: declare.table
        options: {source: procs}
"""


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["--check", str(path)])
    captured = capsys.readouterr()
    return code, (captured.err + captured.out).replace(str(path), "bad.yaml")


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            GOOD_SOURCES + "      shell: {exec: 'ps -e | grep x'}\n" + SCREEN,
            "bad.yaml:6:21",
            "exec takes an argv list, never a shell string",
        ),
        (
            GOOD_SOURCES + "      x: {exec: [ls], parse: xml}\n" + SCREEN,
            "bad.yaml:6:30",
            "exec sources parse as one of lines, csv, json, jsonl, regex, got 'xml'",
        ),
        (
            GOOD_SOURCES + "      x: {exec: [ls], parse: regex, pattern: '\\S+'}\n" + SCREEN,
            "bad.yaml:6:46",
            "the pattern needs named groups",
        ),
        (
            GOOD_SOURCES + "      x: {exec: [ls], parse: regex, pattern: '(?P<a>'}\n" + SCREEN,
            "bad.yaml:6:46",
            "not a regular expression: missing ), unterminated subpattern",
        ),
        (
            GOOD_SOURCES
            + "      h: {http: 'http://x/health', headers: {Authorization: Bearer abc}}\n"
            + SCREEN,
            "bad.yaml:6:61",
            "header 'Authorization' carries a secret: write env:NAME",
        ),
        (
            GOOD_SOURCES + "      h: {http: 'http://x/q?api_key=abc'}\n" + SCREEN,
            "bad.yaml:6:17",
            "the URL carries a secret",
        ),
        (
            GOOD_SOURCES + "      h: {http: 'ftp://x/health'}\n" + SCREEN,
            "bad.yaml:6:17",
            "expected an http:// or https:// URL",
        ),
        (
            GOOD_SOURCES + "      x: {exec: [ls], every: 5}\n" + SCREEN,
            "bad.yaml:6:30",
            "source 'x' has no setting 'every'",
        ),
        (
            GOOD_SOURCES + "      x: {http: 'http://x', exec: [ls]}\n" + SCREEN,
            "bad.yaml:6:10",
            "needs exactly one of exec, http or prometheus",
        ),
        (
            GOOD_SOURCES + "      x: {exec: [ls], parse: json, rows: 'a..b'}\n" + SCREEN,
            "bad.yaml:6:42",
            "'a..b' is not a path",
        ),
        (
            GOOD_SOURCES + "    actions:\n      stop: {key: r, exec: [kill, '{pid}']}\n" + SCREEN,
            "bad.yaml:7:19",
            "key 'r' already has a meaning in every table",
        ),
        (
            GOOD_SOURCES + "    actions:\n      stop: {key: K, exec: [kill, '{pid!r}']}\n" + SCREEN,
            "bad.yaml:7:35",
            "a placeholder is a column name in braces",
        ),
        (
            GOOD_SOURCES + "    actions:\n      stop: {key: K, exec: 'kill {pid}'}\n" + SCREEN,
            "bad.yaml:7:28",
            "exec takes an argv list, never a shell string",
        ),
        (
            GOOD_SOURCES
            + "    actions:\n      stop: {key: K, exec: [kill, '{pid}'], source: proc}\n"
            + SCREEN,
            "bad.yaml:7:53",
            "action 'stop': no declared source 'proc' (declared: procs)",
        ),
        (
            GOOD_SOURCES + SCREEN.replace("{source: procs}", "{source: procs, match: {pid: [1, 2]}}"),
            "bad.yaml:10:47",
            "match 'pid' needs a glob",
        ),
        (
            GOOD_SOURCES
            + SCREEN.replace("panel: declare.table", "panel: declare.json").replace(
                "{source: procs}", "{source: procs, path: 'a[x]'}"
            ),
            "bad.yaml:10:40",
            "'a[x]' is not a path",
        ),
        (
            GOOD_SOURCES + SCREEN.replace("{source: procs}", "{source: proc}"),
            "bad.yaml:10:27",
            "'source' must be one of procs, got 'proc'",
        ),
        (
            GOOD_SOURCES
            + SCREEN.replace("{source: procs}", "{source: procs, thresholds: {cpu: {bad: '> x'}}}"),
            "bad.yaml:10:58",
            "'> x': > compares numbers; use == or != for text",
        ),
    ],
)
def test_check_names_file_line_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, message: str
) -> None:
    code, output = check(tmp_path, text, capsys)
    assert code == 1, output
    assert f"deck: error: {where}: " in output, output
    assert message in output, output


def test_shipped_layouts_pass_check(capsys: pytest.CaptureFixture[str]) -> None:
    layouts = Path(__file__).resolve().parents[3] / "layouts"
    for name in ("host", "prometheus", "health"):
        assert main(["--check", str(layouts / f"{name}.yaml")]) == 0, capsys.readouterr().err


def test_the_issue_example_checks_without_running_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = """\
plugins:
  declare:
    sources:
      gpus:    {exec: ["nvidia-smi", "--query-gpu=index,utilization.gpu,memory.used", "--format=csv,noheader,nounits"], parse: csv, columns: [gpu, util, mem], interval: 2}
      health:  {http: "http://localhost:8000/health", parse: json, interval: 5}
      frontend: {prometheus: "http://localhost:8000/metrics", select: ["dynamo_frontend_*"], interval: 2}
screens:
  - name: Fleet
    rows:
      - panel: declare.table
        options: {source: gpus, sort: util}
      - columns:
          - panel: declare.sparkline
            options: {source: frontend, metric: dynamo_frontend_requests_total, rate: true}
          - panel: declare.json
            options: {source: health}
"""
    code, output = check(tmp_path, text, capsys)
    assert code == 0, output
    assert "ok (1 screen, 3 panels; plugins: declare" in output
