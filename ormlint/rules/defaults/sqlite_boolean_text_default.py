"""ORM305 sqlite-boolean-text-default: `server_default="false"` on a Boolean column on SQLite:
stored as text, read back as True"""

from __future__ import annotations

import re
from typing import Iterator

from ormlint.codes import MIGRATIONS
from ormlint.migrations.dialect import models_dialect
from ormlint.project import Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example

# The words a boolean default is spelled with. SQLite keeps any of them as TEXT (only numeric
# text such as "0" or "1" becomes an integer in a BOOLEAN column).
_FALSE_WORDS = {"false", "f", "no", "n", "off"}
_TRUE_WORDS = {"true", "t", "yes", "y", "on"}
_QUOTED = re.compile(r"^'([^']*)'$")  # a literal server default, as the facts normalise it

_SQLITE = '''
    # file: pyproject.toml
    [tool.ormlint]
    target-dialect = "sqlite"

    # file: models.py
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass

'''


class SqliteBooleanTextDefault(ProjectRule):
    code = "ORM305"
    name = "sqlite-boolean-text-default"
    summary = '`server_default="false"` on a Boolean column on SQLite: stored as text, read back as True'
    catches = (
        '`server_default="false"` (or `"f"`, `"no"`, `"off"`, `"true"`, ...) on a Boolean column '
        "when the database is SQLite: stored as text, read back as True, matched by no filter"
    )
    message = (
        "`{column}`: `server_default=\"{value}\"` on a Boolean column is stored as the text "
        "'{value}' on SQLite: SQLAlchemy reads it back as True{meaning}, and neither "
        "`.where({column})` nor `.where(~{column})` matches the row; write "
        "`server_default={fix}`"
    )
    what_it_does = """
        When the database is SQLite (`target-dialect = "sqlite"`, or unset and the project's
        Alembic environment names a `sqlite://` URL), checks Boolean columns (`Boolean`,
        `BOOLEAN`, or a `Mapped[bool]` annotation) whose `server_default=` is a word that
        spells a boolean: `"false"`, `"f"`, `"no"`, `"n"`, `"off"` and `"true"`, `"t"`,
        `"yes"`, `"y"`, `"on"`, in any case. `"0"`, `"1"`, `sa.false()`, `sa.true()` and
        `text("0")` are fine. Other dialects read these strings as booleans and are not
        checked.
        """
    why_bad = """
        SQLite has no boolean type: the column's default is the quoted literal
        `DEFAULT 'false'`, and SQLite stores the text `'false'` (only numeric text such as `'0'`
        becomes an integer). SQLAlchemy's SQLite Boolean reads any non-empty text back as
        `True`, and its filters compare with integers: a row inserted without the column is
        `True` in Python and matched neither by `.where(Model.flag)` nor by
        `.where(~Model.flag)` (verified by this rule's oracle test, SQLAlchemy 2.0 and 2.1).
        A `"true"` default reads back as `True` but is missed by the same filters.
        """
    fix_safety = """
        No automatic fix: the rows already inserted hold the text and need an `UPDATE`, and
        the table's DDL changes (on SQLite, a batch migration recreates the table).
        """
    reads = frozenset({MIGRATIONS})  # for the database (models_dialect)
    references = (
        "SQLite: Boolean datatype, https://www.sqlite.org/datatype3.html#boolean_datatype",
        "SQLAlchemy: Boolean, https://docs.sqlalchemy.org/en/20/core/type_basics.html#sqlalchemy.types.Boolean",
    )
    invalid = (
        example(_SQLITE + '''
    class Feature(Base):
        __tablename__ = "feature"
        id: Mapped[int] = mapped_column(primary_key=True)
        enabled: Mapped[bool] = mapped_column(server_default="false")  # ORM305:5
'''),
        example(_SQLITE + '''
    # a Table's columns are reported at its name
    feature = sa.Table(
        "feature",  # ORM305:5
        Base.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visible", sa.Boolean(), server_default=sa.text("'true'")),
    )
'''),
        # inferred: the Alembic environment's URL names SQLite
        example('''
    # file: alembic.ini
    [alembic]
    script_location = %(here)s/migrations
    sqlalchemy.url = sqlite:///app.db

    # file: migrations/env.py
    from alembic import context

    from models import Base

    target_metadata = Base.metadata

    # file: migrations/versions/0001_feature.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table(
            "feature",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("enabled", sa.Boolean(), server_default="f", nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )

    # file: models.py
    from sqlalchemy import Boolean, Column, Integer
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class Feature(Base):
        __tablename__ = "feature"
        id = Column(Integer, primary_key=True)
        enabled = Column(Boolean, nullable=False, server_default="f")  # ORM305:5
'''),
    )
    valid = (
        example(_SQLITE + '''
    class Feature(Base):
        __tablename__ = "feature"
        id: Mapped[int] = mapped_column(primary_key=True)
        enabled: Mapped[bool] = mapped_column(server_default=sa.false())
        archived: Mapped[bool] = mapped_column(server_default="0")
        visible: Mapped[bool] = mapped_column(server_default=sa.text("1"))
'''),
        # PostgreSQL reads 'false' as a boolean
        example('''
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Feature(Base):
        __tablename__ = "feature"
        id: Mapped[int] = mapped_column(primary_key=True)
        enabled: Mapped[bool] = mapped_column(server_default="false")
        label: Mapped[str] = mapped_column(server_default="no")
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for facts in index.files:
            if facts.is_revision:
                continue
            columns = [c for cls in facts.classes for c in cls.columns] + [
                c for table in facts.tables for c in table.columns
            ]
            candidates = [c for c in columns if c.db_type == "BOOLEAN" and c.server_default]
            if not candidates or models_dialect(self.options, index.migrations, facts.path) != "sqlite":
                continue
            for column in candidates:
                quoted = _QUOTED.match(column.server_default or "")
                word = quoted.group(1).strip().lower() if quoted else ""
                if word not in _FALSE_WORDS and word not in _TRUE_WORDS:
                    continue
                means_false = word in _FALSE_WORDS
                name = column.attr or column.name
                yield self.project_violation(
                    facts.path, column.location or Location(1, 1, 1, 1),
                    column=name, value=quoted.group(1),  # type: ignore[union-attr]
                    meaning=" though it means false" if means_false else "",
                    fix='sa.false()` (or `"0"`)' if means_false else 'sa.true()` (or `"1"`)',
                )
