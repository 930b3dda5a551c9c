"""ORM210 enum-stores-names (opt-in): which enum columns store names a reader may not expect."""

from __future__ import annotations

import pytest

from tests.helpers import project_findings

HEADER = '''
import enum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Status(enum.Enum):
    ACTIVE = "active"
    ON_HOLD = "on-hold"

'''


def orm210(tmp_path, body: str, extra: dict | None = None, enum: str | None = None):
    source = HEADER if enum is None else HEADER.replace(
        'class Status(enum.Enum):\n    ACTIVE = "active"\n    ON_HOLD = "on-hold"\n', enum)
    files = {"models.py": source + body, **(extra or {})}
    return [
        (path, f.line, f.message) for path, f in project_findings(files, tmp_path, extend_select=("ORM210",))
        if f.code == "ORM210"
    ]


TICKET = '''
class Ticket(Base):
    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column({type})
'''


def test_the_message_names_what_is_stored_and_what_to_write(tmp_path):
    ((path, line, message),) = orm210(tmp_path, TICKET.format(type="sa.Enum(Status)"))
    assert (path, line) == ("models.py", 20)
    assert "`Enum(Status)` stores the member names of `Status` ('ACTIVE', 'ON_HOLD'), not their values ('active', 'on-hold')" in message
    assert "`Enum(Status, values_callable=lambda e: [m.value for m in e])`" in message


@pytest.mark.parametrize("type_", [
    "sa.Enum(Status, values_callable=lambda e: [m.value for m in e])",
    "sa.Enum(Status, values_callable=lambda cls: [member.value for member in cls])",
    "sa.Enum(Status, values_callable=status_values)",  # not known: silent
    "sa.Enum(Status, native_enum=False, values_callable=lambda e: [m.value for m in e])",
    'sa.Enum("active", "on-hold", name="status")',
    "sa.String(20)",
])
def test_values_callable_and_other_types_are_left_alone(tmp_path, type_):
    assert orm210(tmp_path, TICKET.format(type=type_)) == []


@pytest.mark.parametrize("enum", [
    'class Status(enum.Enum):\n    ACTIVE = "ACTIVE"\n    ON_HOLD = "ON_HOLD"\n',  # values are the names
    'class Status(enum.IntEnum):\n    ACTIVE = 1\n    ON_HOLD = 2\n',  # no string values
    'class Status(enum.Enum):\n    ACTIVE = enum.auto()\n    ON_HOLD = enum.auto()\n',
    'class Status(enum.Enum):\n    ACTIVE = "active"\n    ON_HOLD = compute("on-hold")\n',  # not certain
])
def test_enums_without_differing_string_values_are_left_alone(tmp_path, enum):
    assert orm210(tmp_path, TICKET.format(type="sa.Enum(Status)"), enum=enum) == []


def test_str_enum_auto_values_are_the_lower_cased_names(tmp_path):
    enum = 'class Status(enum.StrEnum):\n    ACTIVE = enum.auto()\n    ON_HOLD = enum.auto()\n'
    ((_, _, message),) = orm210(tmp_path, TICKET.format(type="sa.Enum(Status)"), enum=enum)
    assert "('ACTIVE', 'ON_HOLD'), not their values ('active', 'on_hold')" in message


def test_an_annotation_alone_is_silent_under_a_custom_type_annotation_map(tmp_path):
    body = TICKET.replace(" = mapped_column({type})", "")
    assert [line for _, line, _ in orm210(tmp_path, body)] == [20]
    extra = {"types.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Other(DeclarativeBase):\n    type_annotation_map = {}\n"}
    assert orm210(tmp_path, body, extra) == []


def test_an_enum_class_the_project_does_not_define_is_not_judged(tmp_path):
    body = "from elsewhere import Level\n" + TICKET.format(type="sa.Enum(Level)").replace("Mapped[Status]", "Mapped[Level]")
    assert orm210(tmp_path, body) == []


def test_opt_in(tmp_path):
    files = {"models.py": HEADER + TICKET.format(type="sa.Enum(Status)")}
    assert [f for _, f in project_findings(files, tmp_path) if f.code == "ORM210"] == []
