"""The `deck` command as operators run it: real processes, real exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deck import __version__


def deck(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_version() -> None:
    done = deck("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"deck {__version__}"


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_never_load_the_ui(flag: str) -> None:
    script = (
        "import sys\nfrom deck._cli import main\n"
        f"try:\n    main([{flag!r}])\nexcept SystemExit:\n    pass\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('urwid', 'pluggy', 'yaml'))\n"
        "print('loaded:', loaded, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "loaded: []" in done.stderr, done.stderr


def test_the_public_names_import_on_first_use() -> None:
    import deck as package

    assert set(package.__all__) <= set(dir(package))
    assert all(getattr(package, name) is not None for name in package.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Pannel'"):
        package.Pannel  # noqa: B018


def test_list_shows_plugins_panels_actions_layouts_and_themes() -> None:
    done = deck("--list")
    assert done.returncode == 0, done.stderr
    for text in (
        "Plugins",
        "system",
        "Panel types",
        "system.processes",
        "Actions",
        "system.kill",
        "Layouts",
        "Themes",
        "neon-syndicate",
    ):
        assert text in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_snapshot_prints_the_screen_at_the_requested_size() -> None:
    done = deck("--layout", "system", "--snapshot", "--size", "100x30")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.rstrip("\n").split("\n")
    assert len(lines) == 30
    assert "SYSTEM" in lines[0] and "Processes" in done.stdout and "PID" in done.stdout
    assert "\x1b" not in done.stdout


def test_snapshot_with_wait_and_a_theme_and_colours() -> None:
    done = deck(
        "--layout", "system.yaml", "--snapshot", "--wait", "0.5", "--theme", "mono", "--colors", "mono"
    )
    assert done.returncode == 0, done.stderr
    assert "Memory" in done.stdout
    assert "+-" in done.stdout  # the mono theme draws ASCII borders


def test_bad_arguments_exit_2_with_usage() -> None:
    done = deck("--size", "huge")
    assert done.returncode == 2 and "expected COLSxROWS" in done.stderr


def test_unknown_layout_and_unknown_command_are_one_clear_line() -> None:
    done = deck("--layout", "nope", "--snapshot")
    assert done.returncode == 1 and done.stderr.startswith("deck: error: no layout named 'nope'")
    assert "Traceback" not in done.stderr
    done = deck("sytem")
    assert (
        done.returncode == 1
        and "unknown command 'sytem'" in done.stderr
        and "deck --layout sytem" in done.stderr
    )


def test_without_a_terminal_the_deck_says_to_use_snapshot() -> None:
    done = deck("--layout", "system")
    assert done.returncode == 1 and "--snapshot" in done.stderr


def test_the_log_goes_to_the_given_file(tmp_path: Path) -> None:
    log = tmp_path / "deck.log"
    done = deck(
        "--layout", str(Path(__file__).parent / "layouts" / "flaky.yaml"), "--snapshot", "--log", str(log)
    )
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    assert "panel flaky.counter failed to update" in text and "ValueError: bad snapshot" in text
    assert "ValueError" not in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="tmux")
def test_the_terminal_is_restored_after_quitting_in_a_real_tty(tmp_path: Path) -> None:
    tmux = "tmux"
    if subprocess.run(["which", tmux], capture_output=True).returncode != 0:
        pytest.skip("tmux is not installed")
    session = f"deck-test-{os.getpid()}"
    marker = tmp_path / "exit"
    # Written whole, then renamed: the marker never exists empty.
    command = f"{sys.executable} -m deck --layout system; echo $? > {marker}.part; mv {marker}.part {marker}"
    subprocess.run([tmux, "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], check=True)
    try:
        import time

        deadline = time.monotonic() + 20
        screen = ""
        while time.monotonic() < deadline and "Processes" not in screen:
            time.sleep(0.2)
            screen = subprocess.run(
                [tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
        assert "Processes" in screen
        subprocess.run([tmux, "send-keys", "-t", session, "q"], check=True)
        while time.monotonic() < deadline and not marker.exists():
            time.sleep(0.1)
        assert marker.read_text().strip() == "0"
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], capture_output=True)
