"""Fixtures of the declare tests: a local HTTP server answering the ways health endpoints answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from declare_support import serve


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    """The base URL of a local server with /health, /notready, /slow, /big, /auth, /escape."""
    yield from serve()
