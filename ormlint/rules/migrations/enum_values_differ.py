"""ORM717: a named PostgreSQL enum type whose labels differ between the models and the migrations."""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _INIT, _MODELS, _DriftRule

_STATUS = _MODELS.replace(
    "from sqlalchemy import String", "from sqlalchemy import Enum, String",
).replace(
    "name: Mapped[str] = mapped_column(String(100))\n",
    "name: Mapped[str] = mapped_column(String(100))\n"
    '        status: Mapped[str] = mapped_column(Enum("draft", "published", "archived", name="status"))\n',
)
_INIT_STATUS = _INIT.replace(
    'sa.Column("name", sa.String(length=100), nullable=False),\n',
    'sa.Column("name", sa.String(length=100), nullable=False),\n'
    '            sa.Column("status", sa.Enum("draft", "published", name="status"), nullable=False),\n',
)
_ADD_VALUE = '''
    # file: migrations/versions/0002_archived.py
    from alembic import op

    revision = "0002"
    down_revision = "0001"


    def upgrade():
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE status ADD VALUE 'archived'")
'''


class EnumValuesDiffer(_DriftRule):
    code = "ORM717"
    name = "enum-values-differ"
    summary = "a named PostgreSQL enum type has other labels in the models than in the migrations"
    catches = "model enum values that no migration created (`ALTER TYPE … ADD VALUE` missing), or labels the model dropped"
    what_it_does = """
        Compares the labels of each named PostgreSQL enum type (`Enum("a", "b",
        name="status")`; `Enum(Status)` and `Mapped[Status]` of a Python enum class of the
        project, whose member names SQLAlchemy stores, or their values with
        `values_callable=lambda e: [m.value for m in e]`) with the labels the migrations give
        the type: `sa.Enum(...)`/`postgresql.ENUM(...)` in `op.create_table`,
        `ENUM(...).create(bind)`, `CREATE TYPE ... AS ENUM (...)`, `ALTER TYPE ... ADD VALUE`
        and `RENAME VALUE`, `ALTER TYPE ... RENAME TO` in `op.execute`. Compared as sets
        (the order of labels is not), on PostgreSQL histories, where the model's column and
        the migrations' column name the same type; reported once per type, at its first
        column. Not compared: an enum class whose members are not certain (another base, a
        computed value, `_ignore_`, a nested class, aliases, `auto()` mixed with values),
        `native_enum=False`, `schema=`, another `values_callable`, a type the migrations
        create or change in code or SQL that ormlint does not read (an f-string, a helper,
        `alembic-postgresql-enum`'s `op.sync_enum_values`), or under a condition.
        """
    why_bad = """
        Alembic's `compare_metadata` does not compare enum labels: it reports nothing while
        the database's type lacks a label the model declares (verified by this rule's oracle
        test on PostgreSQL 15), and every INSERT or UPDATE of that value fails with
        `InvalidTextRepresentation` (invalid input value for enum). A label the model no
        longer declares stays in the database, as PostgreSQL cannot drop an enum label; a row
        holding it cannot be loaded (SQLAlchemy raises `LookupError`).
        """
    fix_safety = (
        "No automatic fix: whether the model or the migrations are right is the author's call. "
        "`ormlint migrations revision` writes `op.execute(\"ALTER TYPE ... ADD VALUE IF NOT EXISTS "
        "'...'\")` inside `with op.get_context().autocommit_block():` (a label added in a "
        "transaction cannot be used before it commits, see ORM734) for labels the migrations "
        "lack, and, for labels the model dropped, a comment asking for a manual rewrite of the "
        "type (create a new type, convert the column with `USING`, drop the old type): "
        "PostgreSQL cannot drop an enum label, and the rows holding it need a decision."
    )
    references = _DriftRule.references + (
        "https://www.postgresql.org/docs/15/sql-altertype.html",
        "https://docs.sqlalchemy.org/en/20/core/type_basics.html#sqlalchemy.types.Enum",
    )
    invalid = (
        example(_STATUS.replace('name="status"))\n', 'name="status"))  # ORM717\n') + _INIT_STATUS),
    )
    valid = (
        example(_STATUS + _INIT_STATUS + _ADD_VALUE),
    )
