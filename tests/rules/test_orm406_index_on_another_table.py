"""ORM406 index-on-another-table: the references that name another table, and those that do not."""

from __future__ import annotations

import textwrap

from tests.helpers import lint

HEADER = """
from sqlalchemy import (
    CheckConstraint, Column, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer, MetaData,
    String, Table, UniqueConstraint, func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column("email_address", String(100))
    addresses = relationship("Address")

log = Table("log", Base.metadata, Column("id", Integer, primary_key=True), Column("at", DateTime))

class Stamped:
    created = Column(DateTime)
"""


def findings(body: str) -> list[tuple[int, str]]:
    source = HEADER + textwrap.dedent(body)
    offset = HEADER.count("\n")
    return [(f.line - offset, f.message) for f in lint(source) if f.code == "ORM406"]


def lines(body: str) -> list[int]:
    return [line for line, _ in findings(body)]


def test_other_tables_columns_in_every_kind_of_item():
    assert lines("""
        class Address(Base):
            __tablename__ = "address"
            __table_args__ = (
                Index("ix_a", User.email),
                Index("ix_b", func.lower(User.email)),
                Index("ix_c", "city", User.__table__.c.email_address),
                UniqueConstraint(log.c.at),
                CheckConstraint(User.email != ""),
                ForeignKeyConstraint([User.id], ["user_account.id"]),
            )
            id: Mapped[int] = mapped_column(primary_key=True)
            city: Mapped[str] = mapped_column(String(50))
    """) == [5, 6, 7, 8, 9, 10]


def test_references_that_name_this_table_or_are_not_judged():
    assert lines("""
        class Address(Stamped, Base):
            __tablename__ = "address"
            __table_args__ = (
                Index("ix_a", "city"),
                Index("ix_created", Stamped.created),  # a mixin's column (another error)
                ForeignKeyConstraint(["user_id"], [User.id]),  # refcolumns: the other table
                Index("ix_rel", User.addresses),  # not a column
                Index("ix_later", Later.id),  # defined after this class: NameError
                UniqueConstraint(Other.id),  # unknown name
                *Stamped.extra_args,
            )
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int]
            city: Mapped[str] = mapped_column(String(50))

        class Later(Base):
            __tablename__ = "later"
            id: Mapped[int] = mapped_column(primary_key=True)

        class Manager(User):  # single-table inheritance: no table of its own
            __table_args__ = (Index("ix_m", User.email),)

        class Shadow(Base):
            __tablename__ = "shadow"
            User = Stamped
            __table_args__ = (Index("ix_s", User.created),)
            id: Mapped[int] = mapped_column(primary_key=True)

        class SameTable(Base):
            __tablename__ = "user_account"
            __table_args__ = (Index("ix_same", User.email), {"extend_existing": True})
            id: Mapped[int] = mapped_column(primary_key=True)

        class Dynamic(Base):
            __tablename__ = "dynamic"
            id: Mapped[int] = mapped_column(primary_key=True)

            @declared_attr.directive
            def __table_args__(cls):
                return (Index("ix_d", User.email),)
    """) == []


def test_messages_say_what_sqlalchemy_does_and_what_to_write():
    (index, _), (mixed, _), (own, _), (unique, _), (attached, _), (unique_mixed, _) = [
        (m, line) for line, m in findings("""
            class Address(Base):
                __tablename__ = "address"
                __table_args__ = (
                    Index("ix_address_email", User.email),
                    Index("ix_mixed", "city", User.email),
                    Index("ix_mixed_known", "email_address", User.id),
                    UniqueConstraint(User.email),
                    UniqueConstraint(User.id),
                    UniqueConstraint("city", User.id),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                city: Mapped[str] = mapped_column(String(50))
        """)
    ]
    assert index == (
        "`User.email` in `Address.__table_args__` is a column of table `user_account`, not of "
        "`address`: SQLAlchemy raises ArgumentError when the class is defined (Index "
        "'ix_address_email' is against table 'user_account'); declare the Index with `User`'s "
        "table, or name a column of `address`"
    )
    assert "ConstraintColumnNotFoundError" in mixed and "no column named 'city'" in mixed
    assert "ArgumentError when the class is defined (Index 'ix_mixed_known'" in own
    assert "`address`'s fails unless it has a column `email_address`" in unique
    assert "so it constrains `user_account` too" in attached
    assert 'write `"id"` for `Address`\'s own column' in attached
    assert "ConstraintColumnNotFoundError" in unique_mixed and "UniqueConstraint is on table" in unique_mixed


def test_another_tables_column_is_not_taken_for_this_tables_own():
    # ORM401 read `User.email` as this table's `email`: a duplicate of the unique constraint.
    source = HEADER + textwrap.dedent("""
        class Address(Base):
            __tablename__ = "address"
            __table_args__ = (Index("ix_a", User.email), UniqueConstraint("email"))
            id: Mapped[int] = mapped_column(primary_key=True)
            email: Mapped[str] = mapped_column(String(100))
    """)
    assert [f.code for f in lint(source)] == ["ORM406"]


_USERS_MODULE = """
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column("email_address", String(100))
    addresses = relationship("Address")
"""


def _project(tmp_path, addresses: str) -> list[tuple[str, int, str]]:
    from tests.helpers import project_findings

    files = {"app/__init__.py": "", "app/users.py": _USERS_MODULE, "app/addresses.py": addresses}
    return [(path, f.line, f.message) for path, f in project_findings(files, tmp_path) if f.code == "ORM406"]


def test_a_class_imported_from_another_module(tmp_path):
    found = _project(tmp_path, """
        from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
        from sqlalchemy.orm import Mapped, mapped_column

        from app.users import Base, User


        class Address(Base):
            __tablename__ = "address"
            __table_args__ = (
                Index("ix_address_email", User.email),
                UniqueConstraint("city", User.__table__.c.email_address),
                CheckConstraint(User.id > 0),
                Index("ix_lower", func.lower(User.email), User.id),
            )
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            city: Mapped[str] = mapped_column(String(50))
    """)
    assert [(path, line) for path, line, _ in found] == [
        ("app/addresses.py", 11), ("app/addresses.py", 12), ("app/addresses.py", 13),
        ("app/addresses.py", 14),  # once for the item
    ]
    index, unique, check, _ = (message for _, _, message in found)
    assert index == (
        "`User.email` in `Address.__table_args__` is a column of table `user_account`, not of "
        "`address`: SQLAlchemy raises ArgumentError when the class is defined (Index "
        "'ix_address_email' is against table 'user_account'); declare the Index with `User`'s "
        "table, or name a column of `address`"
    )
    assert "ConstraintColumnNotFoundError" in unique and "no column named 'city'" in unique
    assert "so it constrains `user_account` too" in check  # `address` has an `id` too
    assert 'write `"id"` for `Address`\'s own column' in check


def test_imported_names_that_are_not_another_tables_columns(tmp_path):
    assert _project(tmp_path, """
        from sqlalchemy import ForeignKeyConstraint, Index
        from sqlalchemy.orm import Mapped, mapped_column

        from app.users import Base, User
        from app.users import User as Person
        from elsewhere import Outside


        class Address(Base):
            __tablename__ = "address"
            __table_args__ = (
                Index("ix_a", User.addresses),  # a relationship: not judged
                Index("ix_b", Outside.email),  # not in the project
                Index("ix_c", Person.email),  # imported under another name: not followed
                ForeignKeyConstraint(["user_id"], [User.id]),  # the referenced side, on purpose
            )
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int]


        class Account(User):
            __table_args__ = (Index("ix_d", User.email),)  # single-table: User's own table
    """) == []
