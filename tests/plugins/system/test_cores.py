"""Many cores: the CPU panel never hides one, at 80x24 and at 200x50 (psutil fed per-core loads)."""

import re
from collections.abc import Callable, Sequence

import pytest
from system_seams import ManyCores

from deck.plugins.system.panels import core_lines
from deck.testing import open_deck

#: The loads the 16-core H200 host showed (tests/fixtures/gpu/INDEX.md: cpu0-cpu9 at idle,
#: cpu4 at 5%), with the six cores that capture dropped at loads of their own.
SIXTEEN = [0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 12, 40, 0, 3, 88, 100]
MEMORY_WIDTH = 44  # layouts/system.yaml


def loads(count: int) -> list[float]:
    """A spread of loads, with the busiest cores known: core 17 at 100%, core `count - 1` at 99%."""
    values = [float((index * 37) % 90) for index in range(count)]
    values[17 % count], values[-1] = 100.0, 99.0
    return values


def cpu_box(screen: str, width: int) -> list[str]:
    """The inside of the CPU panel on a system-layout screen."""
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┌─ CPU"))
    bottom = next(i for i in range(top + 1, len(lines)) if lines[i].startswith("└"))
    inner = width - MEMORY_WIDTH
    return [line[1 : inner - 1] for line in lines[top + 1 : bottom]]


@pytest.mark.parametrize(
    ("count", "size", "packed"),
    [
        (16, (80, 24), True),
        (16, (200, 50), True),
        (64, (80, 24), False),
        (64, (200, 50), True),
        (224, (80, 24), False),
        (224, (200, 50), False),
    ],
)
def test_every_core_is_shown_or_counted(
    many_cores: Callable[[Sequence[float]], ManyCores], count: int, size: tuple[int, int], packed: bool
) -> None:
    cores = many_cores(SIXTEEN if count == 16 else loads(count))
    harness = open_deck("system", size=size)
    try:
        harness.first_results()
        screen = harness.wait_for(f"avg · {count} cores")
        box = cpu_box(screen, size[0])
        text = "\n".join(box)
        if packed:
            shown = {int(m.group(1)) for m in re.finditer(r"(\d+) [█░]+ +(\d+)%", text)}
            assert shown == set(range(count)), text
            assert "100%" in text
        else:
            busiest = max(range(count), key=lambda i: cores.loads[i])
            assert f"{count} cores  avg" in text and f" {busiest}:100%" in text
            glyphs = sum(text.count(tick) for tick in "▁▂▃▄▅▆▇█")
            # A heat strip holds one glyph per core; where even that cannot fit, the busiest
            # cores fill the panel.
            named = re.findall(r" (\d+):(\d+)%", text)
            assert glyphs == count or (glyphs == 0 and len(named) > 3 * len(box)), text
    finally:
        harness.stop()


def test_core_columns_grow_with_the_panel() -> None:
    history = [[50.0]] * 16
    narrow = core_lines([50.0] * 16, history, 34, 8)
    wide = core_lines([50.0] * 16, history, 154, 20)
    assert len(narrow) == 8 and len(wide) == 16  # two columns of 8, or one of 16 with sparklines
    assert all("▁" in "".join(t for _, t in line) or "█" in "".join(t for _, t in line) for line in wide)


def test_a_panel_too_small_for_a_strip_still_names_the_busiest() -> None:
    lines = core_lines(loads(224), [[]] * 224, 30, 3)
    texts = ["".join(t for _, t in line) for line in lines]
    assert len(texts) == 3 and all(len(text) <= 30 for text in texts)
    assert texts[0].startswith("224 cores  avg") and texts[1].startswith(" 17:100% 223:99%")
