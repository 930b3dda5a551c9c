"""ORM733: a revision that imports the application's mapped classes."""

from __future__ import annotations

import ast
from typing import Iterator

from ormlint.facts import Location
from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example
from ormlint.rules.migration_safety.judged import INI, judged_revisions

_MODELS = '''
    # file: app/__init__.py

    # file: app/models.py
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Invoice(Base):
        __tablename__ = "invoices"
        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(sa.String(20))
'''


class RevisionImportsModels(ProjectRule):
    code = "ORM733"
    name = "revision-imports-models"
    summary = "a revision imports the application's mapped classes"
    catches = (
        "a revision that imports the application's mapped classes: it breaks or changes meaning "
        "when the models change later (new revisions)"
    )
    message = "{detail}"
    what_it_does = """
        Reports `from <module> import <Class>` in a revision file (at module level or in a
        function) when `<Class>` is a mapped class that `<module>`, a file of the project,
        declares. Imports of types, enums, constants and other names are left alone, as are
        modules that are not the project's files. Judged on new revisions only, as the other
        migration-safety rules (`--all-revisions` judges the whole history); any dialect.
        """
    why_bad = """
        A revision runs against the schema of its own moment, but an imported class is the
        model of today: once a later revision adds a column to it, the ORM selects that column
        when this revision queries or loads the class, and on a fresh database (a new
        environment, the test suite, `alembic upgrade head` from scratch) the column does not
        exist yet: `UndefinedColumn` (verified by this rule's oracle test on PostgreSQL 15).
        `create_all(tables=[Model.__table__])` creates today's columns, which a later revision
        then adds again; removing or renaming the class breaks the import.
        """
    fix_safety = (
        "No automatic fix. Describe what the revision needs inside it: `sa.table(\"invoices\", "
        "sa.column(\"id\"), sa.column(\"number\"))` with Core statements, or a frozen copy of "
        "the class declared in the revision file."
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/cookbook.html#conditional-migration-elements",
        "https://docs.sqlalchemy.org/en/20/core/selectable.html#sqlalchemy.sql.expression.table",
    )
    invalid = (
        example(_MODELS + INI + '''
        from app.models import Invoice  # ORM733

        session = sa.orm.Session(bind=op.get_bind())
        for invoice in session.query(Invoice):
            invoice.number = invoice.number.strip()
        session.commit()
'''),
    )
    valid = (
        example(_MODELS + INI + '''
        invoices = sa.table("invoices", sa.column("id"), sa.column("number"))
        op.execute(invoices.update().values(number=sa.func.trim(invoices.c.number)))
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        revisions = judged_revisions(index, self.options)
        if not revisions:
            return
        from ormlint.drift import models_index
        from ormlint.migrations.environment import read_source

        mapped = _mapped_classes_by_module(models_index(index))
        for revision in revisions:
            source = read_source(revision.path)
            try:
                tree = ast.parse(source) if source is not None else None
            except (SyntaxError, ValueError):
                tree = None
            if tree is None:
                continue
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                names = [a.name for a in node.names if (node.module, a.name) in mapped]
                if names:
                    yield self.project_violation(
                        revision.path, _location(node), detail=_detail(node.module, names),
                    )


def _detail(module: str, names: list[str]) -> str:
    listed = ", ".join(f"`{name}`" for name in names)
    return (
        f"the revision imports the mapped class {listed} from `{module}`: it runs with "
        "today's model, not with this revision's schema, so a later change to the class (a "
        "column the ORM then selects or creates, a rename, its removal) breaks this revision "
        "on a fresh database; describe the table inside the revision (`sa.table(...)` with "
        "the columns it needs) instead"
    )


def _mapped_classes_by_module(index: ProjectIndex) -> set[tuple[str, str]]:
    """(dotted module, class name) for each mapped class of the project's files, under every
    module name the file can be imported as (its path's trailing parts: `src/app/models.py`
    is `app.models` as well as `src.app.models`)."""
    found: set[tuple[str, str]] = set()
    for facts in index.files:
        if not facts.path.endswith(".py"):
            continue
        names = [cls.name for cls in facts.classes if cls.kind == "mapped"]
        if not names:
            continue
        parts = facts.path[:-3].replace("\\", "/").split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for start in range(len(parts)):
            module = ".".join(parts[start:])
            found.update((module, name) for name in names)
    return found


def _location(node: ast.AST) -> Location:
    end_line = getattr(node, "end_lineno", None) or node.lineno
    end_col = getattr(node, "end_col_offset", None)
    return Location(node.lineno, node.col_offset + 1, end_line, (end_col or node.col_offset) + 1)
