"""Fixtures for the mesh-demo tests: a registered operator and a seeded mesh."""

from __future__ import annotations

import pytest
from mesh_clock import START

from deck.plugins.mesh_demo import Mesh, Operator, OperatorRegistry

OPERATOR_SEED = bytes(range(32))


@pytest.fixture
def operator() -> Operator:
    return Operator.from_seed("op-ada", OPERATOR_SEED)


@pytest.fixture
def mesh(operator: Operator) -> Mesh:
    registry = OperatorRegistry()
    registry.register(operator.operator_id, operator.public_key)
    return Mesh(seed=3, start=START, registry=registry)
