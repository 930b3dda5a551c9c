"""ormlint's frozen dataclasses as JSON, read back only into the shapes their annotations allow.

The cache lives in the checked repository, where anyone can plant a file: reading it must never
run code (pickle would) and must never hand the rules a value of the wrong shape (which would make
them crash). So decoding is driven by the type a value must have: a dataclass is rebuilt only when
the JSON names that class (or one of a union's) and gives one value per field, each of the field's
annotated type; anything else raises `Malformed`, and the caller treats the entry as missing.

Encoding: a dataclass is `[class name, field values...]`, tuples and frozensets are lists (a
frozenset's sorted, so that equal values encode alike: `ormlint.cache.facts_digest`), bytes
are hex strings; `str`, `int`, `float`, `bool`, `None` and the dicts of `Any` fields are JSON's own.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Callable

Decoder = Callable[[Any], Any]


class Malformed(ValueError):
    """A JSON value that is not of the expected type."""


def encode(value: Any) -> Any:
    """A JSON-compatible value (for `json.dumps`) holding `value`."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if kind is tuple or kind is list:
        return [encode(item) for item in value]
    if kind is frozenset or kind is set:
        # in one order, so that equal sets encode alike in every process (str hashes are salted)
        items = [encode(item) for item in value]
        if len(items) < 2:
            return items
        return sorted(items) if all(type(i) is str for i in items) else sorted(items, key=repr)
    if kind is dict:
        return {key: encode(item) for key, item in value.items()}
    if kind is bytes:
        return value.hex()
    names = _field_names(kind)
    if names is None:
        raise TypeError(f"cannot encode a {kind.__name__}")
    return [kind.__name__, *[encode(getattr(value, name)) for name in names]]


@functools.lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...] | None:
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind))


@functools.lru_cache(maxsize=None)
def decoder(annotation: Any) -> Decoder:
    """A function that turns the JSON of a value of type `annotation` back into the value, or
    raises Malformed."""
    if annotation is Any:
        return _any
    if annotation is type(None) or annotation is None:
        return _exact(type(None))
    if annotation in (str, bool, float):
        return _exact(annotation) if annotation is not float else _number
    if annotation is int:
        return _integer
    if annotation is bytes:
        return _bytes
    if dataclasses.is_dataclass(annotation):
        return _dataclass_decoder(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return _union_decoder(args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _tuple_of(decoder(args[0]))
        items = tuple(decoder(a) for a in args)
        return lambda value: _fixed_tuple(value, items)
    if origin is frozenset:
        item = decoder(args[0]) if args else _any
        return lambda value: frozenset(map(item, _list(value)))
    if origin is list:
        item = decoder(args[0]) if args else _any
        return lambda value: [item(v) for v in _list(value)]
    if origin is dict:
        key = decoder(args[0]) if args else _exact(str)
        item = decoder(args[1]) if args else _any
        return lambda value: {key(k): item(v) for k, v in _dict(value).items()}
    raise TypeError(f"no decoder for {annotation!r}")


def _any(value: Any) -> Any:
    return value  # JSON's own values: what an `Any` field (a fix's dict) holds


def _exact(kind: type) -> Decoder:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise Malformed(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return check


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise Malformed(f"expected int, got {type(value).__name__}")
    return value


def _number(value: Any) -> float:
    if type(value) not in (int, float):
        raise Malformed(f"expected a number, got {type(value).__name__}")
    return value


def _bytes(value: Any) -> bytes:
    try:
        return bytes.fromhex(_exact(str)(value))
    except ValueError as error:
        raise Malformed(str(error)) from None


def _list(value: Any) -> list:
    if type(value) is not list:
        raise Malformed(f"expected a list, got {type(value).__name__}")
    return value


def _dict(value: Any) -> dict:
    if type(value) is not dict:
        raise Malformed(f"expected an object, got {type(value).__name__}")
    return value


def _tuple_of(item: Decoder) -> Decoder:
    def decode(value: Any) -> tuple:
        if type(value) is not list:
            raise Malformed(f"expected a list, got {type(value).__name__}")
        return tuple(map(item, value)) if value else ()

    return decode


def _fixed_tuple(value: Any, items: tuple[Decoder, ...]) -> tuple:
    value = _list(value)
    if len(value) != len(items):
        raise Malformed(f"expected {len(items)} items, got {len(value)}")
    return tuple(item(v) for item, v in zip(items, value))


def _dataclass_decoder(kind: type) -> Decoder:
    # Built on first use: a field's decoder may need this one (a recursive type) or another class.
    fields: list[Decoder] = []
    names: list[str] = []
    name = kind.__name__
    # A frozen dataclass's __init__ sets each field through object.__setattr__, the most of the
    # decoding time: one without __post_init__ or slots gets its fields' values as its __dict__.
    plain = not hasattr(kind, "__post_init__") and not hasattr(kind, "__slots__")

    def build(value: Any) -> Any:
        if not fields:
            hints = typing.get_type_hints(kind)
            fields.extend(decoder(hints[f.name]) for f in dataclasses.fields(kind))
            names.extend(f.name for f in dataclasses.fields(kind))
        if type(value) is not list or len(value) != len(fields) + 1 or value[0] != name:
            raise Malformed(f"expected a {name}")
        values = [field(v) for field, v in zip(fields, value[1:])]
        if not plain:
            return kind(*values)
        made = object.__new__(kind)
        made.__dict__.update(zip(names, values))
        return made

    build.dataclass = kind  # type: ignore[attr-defined]  (a union picks its member by name)
    return build


def _union_decoder(args: tuple) -> Decoder:
    optional = type(None) in args
    members = [decoder(a) for a in args if a is not type(None)]
    by_name = {
        m.dataclass.__name__: m for m in members if hasattr(m, "dataclass")  # type: ignore[attr-defined]
    }
    others = [m for m in members if not hasattr(m, "dataclass")]

    def pick(value: Any) -> Any:
        if value is None and optional:
            return None
        if by_name and type(value) is list and value and type(value[0]) is str:
            member = by_name.get(value[0])
            if member is not None:
                return member(value)
        for member in others:
            try:
                return member(value)
            except Malformed:
                continue
        raise Malformed("no member of the union matches")

    return pick
