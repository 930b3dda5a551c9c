"""What the migrations rules share."""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, paragraph


_MODELS = '''
    # file: models.py
    from typing import Optional

    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "author"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(100))
'''

_INIT = '''
    # file: alembic.ini
    [alembic]
    script_location = %(here)s/migrations

    # file: migrations/env.py
    from models import Base

    target_metadata = Base.metadata

    # file: migrations/versions/0001_init.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table(
            "author",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
'''


class _DriftRule(ProjectRule):
    """Reports the drift items of its own code."""

    message = "{detail}"
    fix_safety = (
        "No automatic fix: whether the model or the migrations are right is the author's call. "
        "`alembic revision --autogenerate` writes the migration once the model is right."
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/autogenerate.html",
        "https://alembic.sqlalchemy.org/en/latest/api/autogenerate.html#alembic.autogenerate.compare_metadata",
    )

    UNCERTAIN = """
        A table gets no verdict when the replay of the migrations cannot know it for certain:
        a step touches it that ormlint does not interpret (`op.execute` of SQL that alters it, an
        operation with an argument that is not a literal, an `if`, `try` or loop that is not over
        literal table names, what follows an early `return` that does not test the dialect), or
        a step's effect is unknown altogether (SQL of unknown effect, a helper function, a
        conditional create/drop/rename), which leaves every table that exists at that point
        without a verdict. A table two models declare, a table of another schema (`schema=`
        in its class's `__table_args__`, or a mixin's or abstract base's), or one whose MetaData
        is not env.py's `target_metadata`, gets none either, nor does a Flask-SQLAlchemy model with a
        `__bind_key__` (another database's). No table is called missing on either side when the
        set of tables is unknown: such a step, a revision graph that is not one history to its
        heads (ORM709), an env.py that hands `context.configure` an `include_object=` or
        `include_name=` filter (code decides which tables autogenerate compares), or model
        tables whose names are not known (a table name the library
        gives a class without `__tablename__` is known in the cases ORM602 lists). Of several
        Alembic environments, one gets no verdict when it is not known which models are its
        own (see ORM701), and a history env.py picks when it runs (`version_locations`) gets
        none. `ormlint check --show-uncertain` prints what was not judged and why.
        """

    @classmethod
    def docs(cls) -> str:
        return super().docs().rstrip("\n") + "\n\n## When it stays silent\n" + paragraph(cls.UNCERTAIN) + "\n"

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if index.migrations is None:  # one file, stdin, flake8, the editor: no migrations read
            return
        from ormlint.drift import project_drift

        for drift in project_drift(index):
            if drift.item.code == self.code:
                yield self.project_violation(drift.where.path, drift.where.location, detail=drift.message)
