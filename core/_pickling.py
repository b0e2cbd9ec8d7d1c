"""Pickling for the flight recorder's ring, fast for the slotted dataclasses snapshots are made of.

A `@dataclass(slots=True)` pickles through dataclasses' own `__getstate__`, which looks up the
class's fields again for every instance: for a snapshot of 2,000 nodes that is most of the
recorder's cost. Here each such class is looked up once, and an instance pickles as its class
and a tuple of its values. The bytes never leave this process, so the class is the same on load.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import operator
import pickle
from collections.abc import Callable
from typing import Any

__all__ = ["dumps"]

_Reducer = Callable[[Any], Any]
#: What the pickler does for a class without a reducer of its own.
_REDUCE_EX: _Reducer = operator.methodcaller("__reduce_ex__", 5)


def _rebuild(cls: type[Any], values: tuple[Any, ...]) -> Any:
    """An instance of a slotted dataclass from its values, without running `__init__` again."""
    instance = object.__new__(cls)
    for field, value in zip(dataclasses.fields(cls), values, strict=True):
        object.__setattr__(instance, field.name, value)
    return instance


def _slotted_dataclass_reducer(cls: type[Any]) -> _Reducer | None:
    """The fast reducer for a slotted dataclass that keeps dataclasses' own pickling, else None."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        return None
    getstate = getattr(cls, "__getstate__", None)
    if getattr(getstate, "__module__", None) != "dataclasses":  # the class pickles its own way
        return None
    if cls.__reduce_ex__ is not object.__reduce_ex__ or cls.__reduce__ is not object.__reduce__:
        return None
    names = [field.name for field in dataclasses.fields(cls)]
    if len(names) < 2:  # attrgetter gives a tuple for two names or more; rare enough to leave
        return None
    values = operator.attrgetter(*names)

    def reduce(instance: Any) -> tuple[Any, ...]:
        return _rebuild, (cls, values(instance))

    return reduce


class _Reducers(dict[type[Any], _Reducer]):
    """The pickler's dispatch table, filled in as it meets each class: copyreg's reducer where
    it has one, the fast one for a slotted dataclass, else the class's own `__reduce_ex__`."""

    def __missing__(self, cls: type[Any]) -> _Reducer:
        if issubclass(cls, type):  # a class with a metaclass (an Enum): pickled by name
            raise KeyError(cls)
        reducer = copyreg.dispatch_table.get(cls) or _slotted_dataclass_reducer(cls) or _REDUCE_EX
        self[cls] = reducer
        return reducer


_REDUCERS = _Reducers()


def dumps(value: object) -> bytes:
    """`value` pickled (protocol 5), slotted dataclasses the fast way."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(value)
    return buffer.getvalue()
