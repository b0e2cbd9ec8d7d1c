import asyncio
from dataclasses import dataclass

from deck.widgets import Column, Table, badge


@dataclass(frozen=True)
class Proc:
    pid: int
    name: str
    cpu: float | None
    state: str


COLUMNS = [
    Column("PID", lambda p: p.pid, width=6, align="right"),
    Column("Name", lambda p: p.name),
    Column("CPU", lambda p: p.cpu, width=6, align="right"),
    Column("State", lambda p: p.state, width=10, render=badge({"running": "good", "zombie": "bad"})),
]
ROWS = [
    Proc(1, "init", 0.1, "sleeping"),
    Proc(42, "python", 97.0, "running"),
    Proc(7, "zomb", None, "zombie"),
]


def screen(table: Table, size: tuple[int, int] = (50, 6)) -> list[str]:
    return [line.decode().rstrip() for line in table.render(size, True).text]


def make(rows: list[Proc] = ROWS) -> Table[Proc]:
    table: Table[Proc] = Table(COLUMNS, row_id=lambda p: p.pid)
    table.update(rows)
    return table


def test_renders_header_and_rows_to_the_exact_width() -> None:
    lines = make().render((50, 6), True).text
    assert all(len(line.decode()) == 50 for line in lines)
    text = screen(make())
    assert text[0].split() == ["PID", "Name", "CPU", "State"]
    assert "● running" in text[2]
    assert text[4:] == ["", ""]


def test_sort_by_any_column_with_none_last_and_inverted() -> None:
    table = make()
    table.sort_by("CPU", descending=True)
    assert [p.pid for p in table.visible_rows] == [42, 1, 7]
    table.sort_by("CPU")
    assert [p.pid for p in table.visible_rows] == [1, 42, 7]
    table.sort_by("Name")
    assert [p.name for p in table.visible_rows] == ["init", "python", "zomb"]
    table.keypress((50, 6), "I")
    assert [p.name for p in table.visible_rows] == ["zomb", "python", "init"]
    assert "Name ▼" in screen(table)[0]


def test_filter_words_columns_and_negation() -> None:
    table = make()
    table.filter = "py"
    assert [p.pid for p in table.visible_rows] == [42]
    table.filter = "state:zombie"
    assert [p.pid for p in table.visible_rows] == [7]
    table.filter = "!state:zombie"
    assert [p.pid for p in table.visible_rows] == [1, 42]
    table.filter = "nothing-like-this"
    assert "nothing matches /nothing-like-this" in "\n".join(screen(table))
    assert table.summary == "0/3 /nothing-like-this"


def test_free_text_searches_what_is_shown_not_a_measurement_behind_it() -> None:
    @dataclass(frozen=True)
    class Sized:
        pid: int
        rss: int
        name: str | None

    columns = [
        Column("PID", lambda s: s.pid),
        Column("RSS", lambda s: s.rss, render=lambda v: f"{v / 1024:.1f} KiB"),
        Column("Name", lambda s: s.name),
    ]
    table: Table[Sized] = Table(columns, row_id=lambda s: s.pid)
    table.update([Sized(123, 4096, "init"), Sized(7, 1234567, None), Sized(8, 5, "Sh")])
    table.filter = "123"
    assert [s.pid for s in table.visible_rows] == [123]  # not pid 7, whose byte count holds 123
    table.filter = "rss:123"
    assert [s.pid for s in table.visible_rows] == [7]  # a column named in the filter is searched
    table.filter = "sh"
    assert [s.pid for s in table.visible_rows] == [8]  # case folded, and None is no text


def test_a_live_column_redraws_alone_and_only_when_its_text_changes() -> None:
    clock = [100.0]
    names_drawn: list[str] = []

    def name(p: Proc) -> str:
        names_drawn.append(p.name)
        return p.name

    columns = [
        Column("Name", name),
        Column("Age", lambda p: f"{int(clock[0] - p.pid) // 10}0s", width=6, live=True),
    ]
    table: Table[Proc] = Table(columns, row_id=lambda p: p.pid)
    table.update(ROWS)
    assert screen(table)[1].endswith(" 90s")  # init, pid 1: 99 s old, in 10 s steps
    drawn = len(names_drawn)
    clock[0] = 105.0
    assert table.refresh_live()
    assert screen(table)[1].endswith(" 100s")
    clock[0] = 106.0  # the same texts: nothing to redraw
    assert not table.refresh_live()
    assert len(names_drawn) == drawn  # the other columns were never drawn again
    table.update([*ROWS[:2], Proc(7, "zomb2", None, "zombie")])  # a new row object: drawn whole
    assert table.refresh_live()
    assert "zomb2" in "\n".join(screen(table))


def test_typing_a_filter_on_narrows_and_deleting_widens_like_a_fresh_filter() -> None:
    rows = [
        Proc(n, name, None, state)
        for n, (name, state) in enumerate(
            [("trainer", "running"), ("train-log", "sleeping"), ("tracer", "zombie"), ("loader", "running")]
            * 3
        )
    ]
    typed = make(rows)
    steps = [
        "t",
        "tr",
        "tra",
        "trai",
        "train",
        "trai",
        "tr",
        "tr !z",
        "tr !zo",
        "tr !z",
        "state:r",
        "state:ru",
        "state:r",
        "name:tr state:s",
        "name:tra state:s",
        "",
        "!l",
        "!lo",
        "!l",
    ]
    for sort in (None, ("Name", True), ("PID", False)):
        typed.sort_by(*sort) if sort else typed.sort_by(None)
        for text in steps:
            typed.filter = text
            fresh = make(rows)
            fresh.sort_by(*sort) if sort else fresh.sort_by(None)
            fresh.filter = text
            assert typed.visible_rows == fresh.visible_rows, (sort, text)
    typed.filter = "train"
    typed.update([*rows, Proc(99, "trainer-2", None, "idle")])  # new rows: searched afresh
    assert [p.pid for p in typed.visible_rows][-1] == 99


def test_selection_survives_refresh_resort_and_row_removal_by_id() -> None:
    table = make()
    table.keypress((50, 6), "down")
    assert table.selected.pid == 42
    table.update([Proc(99, "new", 1.0, "running"), *reversed(ROWS)])
    assert table.selected.pid == 42
    table.sort_by("PID", descending=True)
    assert table.selected.pid == 42
    table.update([p for p in ROWS if p.pid != 42])
    assert table.selected is not None and table.selected.pid != 42


def test_cursor_keys_paging_and_ends() -> None:
    table = make([Proc(i, f"p{i}", float(i), "running") for i in range(100)])
    size = (40, 11)
    table.keypress(size, "page down")
    assert table.selected.pid == 9
    table.keypress(size, "G")
    assert table.selected.pid == 99
    assert "99" in screen(table, size)[-1]
    table.keypress(size, "g")
    assert table.selected.pid == 0
    table.keypress(size, "k")
    assert table.selected.pid == 0


def test_rendering_cost_depends_on_visible_rows_only() -> None:
    rows = [Proc(i, f"p{i}", float(i), "running") for i in range(200_000)]
    table = make(rows)
    table.render((80, 20), True)
    assert len(table._line_cache) <= 20


def test_expandable_rows_load_children_lazily_and_keep_them_across_refresh() -> None:
    loads: list[int] = []

    def children(parent: Proc) -> list[Proc]:
        loads.append(parent.pid)
        return [Proc(parent.pid * 100 + i, f"{parent.name}-child{i}", None, "running") for i in range(2)]

    table: Table[Proc] = Table(
        COLUMNS, row_id=lambda p: p.pid, children=children, expandable=lambda p: p.pid != 7
    )
    table.update(ROWS)
    assert loads == []
    table.keypress((50, 8), "enter")
    assert loads == [1]
    assert [p.pid for p in table.visible_rows] == [1, 100, 101, 42, 7]
    assert "└" in screen(table, (50, 8))[2]
    table.update(list(ROWS))
    assert [p.pid for p in table.visible_rows] == [1, 100, 101, 42, 7]
    table.keypress((50, 8), "down")
    table.keypress((50, 8), "left")
    assert table.selected.pid == 1
    table.keypress((50, 8), "left")
    assert [p.pid for p in table.visible_rows] == [1, 42, 7]
    table.keypress((50, 8), "end")
    assert table.toggle() is False


def test_async_children_show_loading_then_the_rows() -> None:
    async def main() -> list[list[str]]:
        async def children(parent: Proc) -> list[Proc]:
            await asyncio.sleep(0.05)
            return [Proc(1000, "late child", None, "running")]

        table: Table[Proc] = Table(COLUMNS, row_id=lambda p: p.pid, children=children)
        table.update(ROWS)
        table.toggle()
        first = screen(table)
        await asyncio.sleep(0.1)
        return [first, screen(table)]

    before, after = asyncio.run(main())
    assert "loading…" in before[2]
    assert "late child" in after[2]


def test_hostile_and_wide_text_stays_inside_its_cell() -> None:
    table = make([Proc(1, "evil\x1b[2J\x1b]0;x\x07name 日本語テキストがとても長い", 1.0, "running")])
    lines = table.render((50, 3), True).text
    assert all(b"\x1b" not in line and b"\x07" not in line for line in lines)
    assert "\\e[2J" in lines[1].decode()


def test_mouse_click_on_a_heading_sorts_and_on_a_row_selects() -> None:
    table = make()
    table.render((50, 6), True)
    table.mouse_event((50, 6), "mouse press", 1, 2, 0, True)
    assert table.sort == ("PID", False)
    table.mouse_event((50, 6), "mouse press", 1, 10, 2, True)
    assert table.selected.pid == 7


def test_a_narrow_table_leaves_out_its_least_needed_columns_first() -> None:
    columns = [
        Column("PID", lambda p: p.pid, width=6, align="right"),
        Column("Name", lambda p: p.name, min_width=12),
        Column("CPU", lambda p: p.cpu, width=6, align="right", priority=2),
        Column("State", lambda p: p.state, width=10, priority=1),
    ]
    table: Table[Proc] = Table(columns, row_id=lambda p: p.pid)
    table.update(ROWS)
    table.sort_by("PID")
    assert screen(table, (40, 3))[0].split() == ["PID", "▲", "Name", "CPU", "State"]
    # 6 + 12 + 6 + 10 and three gaps need 37 cells: CPU (the highest priority) goes first.
    narrow = screen(table, (36, 3))
    assert narrow[0].split() == ["PID", "▲", "Name", "State"]
    assert narrow[1].split() == ["1", "init", "sleeping"]
    assert screen(table, (20, 3))[0].split() == ["PID", "▲", "Name"]
    # Columns without a priority stay, cut short, however narrow the table.
    assert screen(table, (10, 3))[1].split() == ["1", "in…"]
    # The filter still reads a column left out, and a click finds the columns on show.
    table.filter = "state:running"
    assert [p.pid for p in table.visible_rows] == [42]
    table.filter = ""
    table.render((20, 3), True)
    table.mouse_event((20, 3), "mouse press", 1, 10, 0, True)
    assert table.sort == ("Name", False)
