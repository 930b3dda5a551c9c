"""ORM736: a named PostgreSQL enum type created again when it already exists."""

from __future__ import annotations

from typing import Iterator

from ormlint.migrations.operations import CreateTable, EnumTypeChange
from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectViolation, example
from ormlint.rules.migration_safety.enum_types import (
    apply_event, judged_enum_revisions, type_events,
)
from ormlint.rules.migration_safety.judged import INI, SCOPE, SafetyRule

_HISTORY = INI.replace(
    '            sa.Column("number", sa.String(20), nullable=False),\n',
    '            sa.Column("number", sa.String(20), nullable=False),\n'
    '            sa.Column("status", sa.Enum("draft", "paid", name="status"), nullable=False),\n',
)


class EnumTypeCreatedTwice(SafetyRule):
    code = "ORM736"
    name = "enum-type-created-twice"
    summary = "a named PostgreSQL enum type is created again where it already exists"
    catches = (
        "`op.create_table` with a named `sa.Enum`/`postgresql.ENUM` whose type an earlier "
        "revision (or this one, with CREATE TYPE or `.create()`) made, without "
        "`create_type=False`: DuplicateObject (new revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports a column of `op.create_table` whose type is a named `sa.Enum(...,
        name="status")`, `sa.Enum(Status)` or `postgresql.ENUM(...)` (also in `ARRAY(...)`)
        without `create_type=False`, when the type already exists: an earlier revision
        created it (with a table, `.create(bind)` or `CREATE TYPE`) and nothing dropped it
        since, or this revision created it before with `.create(bind)` or `CREATE TYPE`.
        Also reports `<enum>.create(bind, checkfirst=False)` (`sa.Enum`'s default) and
        `CREATE TYPE` in SQL of a type that exists. Left alone: `create_type=False`,
        `native_enum=False` (no type), `postgresql.ENUM(...).create(bind)` (it checks
        first), a type created by an earlier `create_table` of the same revision (SQLAlchemy
        creates it once per run), `op.add_column` (it never creates the type), and types
        after SQL or code that may have created or dropped any type.
        """ + SCOPE
    why_bad = """
        PostgreSQL refuses a second CREATE TYPE of the same name: `DuplicateObject: type
        "status" already exists`, and the revision fails on deploy. Within one `alembic
        upgrade` run SQLAlchemy emits CREATE TYPE for a name only once, so a fresh database
        upgraded from the base in one go (tests, CI) does not show it; a database that ran
        the earlier revision in an earlier deploy does. Verified by this rule's oracle test
        on PostgreSQL 15.
        """
    fix_safety = (
        "No automatic fix (revisions are never rewritten). Refer to the existing type with "
        "`postgresql.ENUM(..., name=\"status\", create_type=False)`, which creates nothing."
    )
    references = (
        "https://docs.sqlalchemy.org/en/20/dialects/postgresql.html#sqlalchemy.dialects.postgresql.ENUM",
        "https://www.postgresql.org/docs/current/sql-createtype.html",
    )
    invalid = (
        example(_HISTORY + '''
        op.create_table(
            "refunds",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("status", sa.Enum("draft", "paid", name="status")),  # ORM736
        )
'''),
    )
    valid = (
        example(_HISTORY + '''
        from sqlalchemy.dialects import postgresql

        op.create_table(
            "refunds",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("status", postgresql.ENUM("draft", "paid", name="status", create_type=False)),
        )
'''),
        # a type created once in the revision, used by two tables
        example(INI + '''
        op.create_table("refunds", sa.Column("status", sa.Enum("draft", "paid", name="refund_status")))
        op.create_table("credits", sa.Column("status", sa.Enum("draft", "paid", name="refund_status")))
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if index.migrations is None:
            return
        for judged in judged_enum_revisions(index, self.options):
            if judged.dialect not in self.dialects:
                continue
            path = judged.revision.path
            types = dict(judged.types_before)
            created_with_tables: set[str] = set()  # SQLAlchemy's memo: one CREATE TYPE per run
            for op in judged.operations:
                if isinstance(op, CreateTable):
                    for column in op.columns:
                        enum = column.enum_type
                        if enum is None or not enum.created_with_table or enum.name in created_with_tables:
                            continue
                        created_with_tables.add(enum.name)
                        if enum.name in types:
                            yield self.project_violation(path, column.location, detail=_detail(
                                f'`op.create_table("{op.table}")` creates', enum.name,
                                types[enum.name].describe(path),
                                "refer to it with `postgresql.ENUM(..., name="
                                f'"{enum.name}", create_type=False)` instead',
                            ))
                elif isinstance(op, EnumTypeChange) and op.action == "create" and op.certain \
                        and op.checkfirst is False and op.name in types:
                    yield self.project_violation(path, op.location, detail=_detail(
                        "this creates", op.name, types[op.name].describe(path),
                        "leave the CREATE out, or create it with `checkfirst=True`",
                    ))
                for event in type_events((op,)):
                    apply_event(types, event, judged.revision)


def _detail(what: str, name: str, maker: str, instead: str) -> str:
    return (
        f"{what} enum type `{name}` again, but it already exists ({maker}): PostgreSQL fails "
        f'with DuplicateObject (type "{name}" already exists) on a database that '
        f"ran the earlier revisions; {instead}"
    )
