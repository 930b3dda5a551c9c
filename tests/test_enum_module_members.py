"""The members of the enum classes of a file without SQLAlchemy (ORM717's other modules): read
from its imports and enum classes alone, with the answers of a parse of the whole file."""

from __future__ import annotations

import textwrap

import pytest

import ormlint.enum_labels as enum_labels
from ormlint.enum_labels import module_enum_members

MODULES = [
    # an alias of enum.Enum: the class is an enum though no base's name ends in "Enum"
    """
    from enum import Enum as EnumType

    class Step(EnumType):
        FIRST = "first"
        SECOND = "second"
    """,
    # the module imported under another name, and a handle bound at module level
    """
    import enum as e
    Base = e.Enum

    class Colour(Base):
        RED = "red"

    class Size(e.IntEnum):
        SMALL = 1
    """,
    # a decorated enum, functions and other classes around it, a name defined twice
    """
    import enum
    from pydantic import BaseModel

    def helper():
        class Inner(enum.Enum):
            X = "x"
        return Inner

    @enum.unique
    class Kind(str, enum.Enum):
        A = "a"
        B = "b"

    class Kind2(enum.Enum):
        C = "c"

    class Kind2(BaseModel):
        value: int = 0

    class Schema(BaseModel):
        kind: Kind
    """,
    # under a condition, and a line that holds two statements (the whole text is parsed)
    """
    try:
        from enum import StrEnum
    except ImportError:
        StrEnum = str
    import enum; x = 1

    class Mode(StrEnum):
        ON = "on"
    """,
]


@pytest.mark.parametrize("source", MODULES)
def test_the_reduced_text_gives_the_whole_parse_s_answer(source, monkeypatch):
    text = textwrap.dedent(source)
    reduced = module_enum_members(text)
    monkeypatch.setattr(enum_labels, "_enum_statements", lambda _source: None)  # the whole text
    assert reduced == module_enum_members(text)


def test_an_aliased_enum_is_read():
    text = textwrap.dedent(MODULES[0])
    assert module_enum_members(text) == {"Step": (("FIRST", "first"), ("SECOND", "second"))}


def test_functions_and_other_classes_are_not_handed_to_libcst():
    reduced, counts = enum_labels._enum_statements(textwrap.dedent(MODULES[2]))
    assert "def helper" not in reduced and "class Schema" not in reduced
    assert "class Kind(" in reduced and "@enum.unique" in reduced
    assert counts["Kind2"] == 2  # defined twice: left out, as before
    assert "Kind2" not in module_enum_members(textwrap.dedent(MODULES[2]))
