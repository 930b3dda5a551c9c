"""ORM209 string-without-length: `String()` without a length on MySQL/MariaDB, where CREATE
TABLE cannot be compiled"""

from __future__ import annotations

from typing import Iterator

from ormlint.codes import MIGRATIONS
from ormlint.migrations.dialect import models_dialect
from ormlint.project import ColumnFacts, Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example
from ormlint.rules.columns._common import default_type_map

# The database types SQLAlchemy's MySQL compiler refuses without a length (CHAR is fine).
_NEEDS_LENGTH = {"VARCHAR", "NVARCHAR"}

_MYSQL = '''
    # file: pyproject.toml
    [tool.ormlint]
    target-dialect = "mysql"

    # file: models.py
    from typing import Optional

    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass

'''


class StringWithoutLength(ProjectRule):
    code = "ORM209"
    name = "string-without-length"
    summary = "`String()` (or `Mapped[str]` alone) without a length on MySQL/MariaDB: CREATE TABLE fails to compile"
    catches = (
        "`String`, `String()`, `Unicode()`, `VARCHAR()` or a bare `Mapped[str]` without a length "
        "when the database is MySQL or MariaDB (CompileError at CREATE TABLE)"
    )
    message = (
        "`{column}`: {what} has no length, and MySQL has no VARCHAR without one: creating the "
        "table raises CompileError (\"VARCHAR requires a length on dialect mysql\"); give it a "
        "length (`{fix}`) or use `Text`"
    )
    what_it_does = """
        When the database is MySQL or MariaDB (`target-dialect = "mysql"`, or unset and the
        project's Alembic environment names a `mysql://` or `mariadb://` URL in its
        alembic.ini or env.py), checks columns typed `String`, `String()`, `Unicode()`,
        `VARCHAR()` or `NVARCHAR()` without a length, and `Mapped[str]` columns without a type
        when no file of the project configures a `type_annotation_map` (which may give `str`
        a length) and the class's bases are the project's (a library's base may bring a map). Columns with a `ForeignKey` and no type take the referenced column's type
        and are not checked, nor are SQLModel fields (SQLModel's `AutoString` gives MySQL a
        length), `Text` or `CHAR`.
        """
    why_bad = """
        SQLAlchemy compiles `String()` without a length to a bare `VARCHAR`, which MySQL does
        not have: `metadata.create_all()` and Alembic's `op.create_table` raise
        `CompileError: (in table 'account', column 'email'): VARCHAR requires a length on
        dialect mysql` (verified by this rule's oracle test, SQLAlchemy 2.0 and 2.1, for
        MySQL and MariaDB). A `Mapped[str]` annotation alone maps to `String()`, so it fails the
        same way. Other databases accept `VARCHAR` without a length, so tests on SQLite or
        PostgreSQL pass and the first deployment on MySQL fails.
        """
    fix_safety = "No automatic fix: the length is a decision about the data."
    reads = frozenset({MIGRATIONS})  # for the database (models_dialect)
    references = (
        "SQLAlchemy: MySQL, CREATE TABLE and VARCHAR lengths, https://docs.sqlalchemy.org/en/20/dialects/mysql.html",
        "SQLAlchemy: String, https://docs.sqlalchemy.org/en/20/core/type_basics.html#sqlalchemy.types.String",
    )
    invalid = (
        example(_MYSQL + '''
    class Account(Base):
        __tablename__ = "account"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String, unique=True)  # ORM209:5
        nickname: Mapped[Optional[str]]  # ORM209:5
'''),
        example(_MYSQL + '''
    account = sa.Table(
        "account",  # ORM209:5
        Base.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("display_name", sa.Unicode()),
    )
'''),
    )
    valid = (
        example(_MYSQL + '''
    class Account(Base):
        __tablename__ = "account"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(320), unique=True)
        nickname: Mapped[Optional[str]] = mapped_column(sa.String(64))
        bio: Mapped[Optional[str]] = mapped_column(sa.Text)
        code: Mapped[str] = mapped_column(sa.String().with_variant(sa.String(8), "mysql"))
'''),
        # a type_annotation_map gives `str` a length
        example(_MYSQL.replace('''    class Base(DeclarativeBase):
        pass''', '''    class Base(DeclarativeBase):
        type_annotation_map = {str: sa.String(255)}''') + '''
    class Account(Base):
        __tablename__ = "account"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
'''),
        # PostgreSQL and SQLite accept VARCHAR without a length
        example('''
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Account(Base):
        __tablename__ = "account"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String)
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        # `Mapped[str]` alone is `String()` only under SQLAlchemy's own type_annotation_map
        annotation_types = index.whole_project and not any(f.custom_type_map for f in index.files)
        for facts in index.files:
            if facts.is_revision:
                continue
            found = [
                c for cls in facts.classes if not cls.sqlmodel_table for c in cls.columns
                if _without_length(c) and (
                    not c.sql_type_from_annotation or default_type_map(index, cls, annotation_types)
                )
            ] + [c for table in facts.tables for c in table.columns if _without_length(c)]
            if not found or models_dialect(self.options, index.migrations, facts.path) != "mysql":
                continue
            for column in found:
                if column.sql_type_from_annotation:
                    what = "`Mapped[str]` without a type (`String()`)"
                else:
                    what = f"`{column.sql_type}`"
                head = (column.sql_type or "String").partition("(")[0]
                yield self.project_violation(
                    facts.path, column.location or Location(1, 1, 1, 1),
                    column=column.attr or column.name, what=what, fix=f"{head}(255)",
                )


def _without_length(column: ColumnFacts) -> bool:
    return column.db_type in _NEEDS_LENGTH and not column.foreign_keys and not column.class_foreign_keys
