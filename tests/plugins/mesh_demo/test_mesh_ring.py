"""The bounded ring behind LOGS, NRPC, AUDIT and the event tail."""

from __future__ import annotations

import pytest

from deck.plugins.mesh_demo.client_ring import Ring


def test_ring_keeps_the_newest_items_oldest_first() -> None:
    ring: Ring[int] = Ring(3)
    seqs = [ring.append(i) for i in range(5)]
    assert seqs == [0, 1, 2, 3, 4]
    assert ring.items() == (2, 3, 4)
    assert len(ring) == 3 and ring.next_seq == 5


def test_ring_view_is_reused_until_the_ring_changes() -> None:
    ring: Ring[str] = Ring(4)
    ring.append("a")
    view = ring.items()
    assert ring.items() is view
    ring.append("b")
    assert ring.items() == ("a", "b") and ring.items() is not view


def test_replace_updates_an_item_still_held_and_refuses_one_dropped() -> None:
    ring: Ring[str] = Ring(3)
    for item in "abcde":
        ring.append(item)
    assert ring.replace(3, "D")
    assert ring.items() == ("c", "D", "e")
    assert not ring.replace(1, "B")
    assert not ring.replace(5, "F")
    assert ring.items() == ("c", "D", "e")


def test_ring_needs_room_for_one_item() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Ring(0)
