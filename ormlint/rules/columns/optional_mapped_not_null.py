"""ORM201 optional-mapped-not-null: `Mapped[Optional[X]]` on a column that is NOT NULL
(`nullable=False` or primary key)"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.types import FileModel, MappedAnnotation
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.columns._common import REFERENCES, uses_existing_column


def _drop_optional(model: FileModel, mapped: MappedAnnotation) -> Fix | None:
    """`Mapped[Optional[X]]` / `Mapped[X | None]` / `Mapped[Union[X, None]]` -> `Mapped[X]`.
    Unsafe: whether the column or the annotation is wrong is the author's call."""
    inner = mapped.inner
    kept: cst.CSTNode | None = None
    if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.BitOr):
        sides = [s for s in (inner.left, inner.right) if not (isinstance(s, cst.Name) and s.value == "None")]
        kept = sides[0] if len(sides) == 1 else None
    elif isinstance(inner, cst.Subscript):
        symbol = model.imports.symbol(inner.value)
        elements = [e.slice.value for e in inner.slice if isinstance(e.slice, cst.Index)]
        if symbol == "typing.Optional" and len(elements) == 1:
            kept = elements[0]
        elif symbol == "typing.Union":
            others = [e for e in elements if not (isinstance(e, cst.Name) and e.value == "None")]
            kept = others[0] if len(others) == 1 and len(elements) == 2 else None
    if kept is None:
        return None
    code = model.module.code_for_node(kept)
    return Fix(f"Annotate `Mapped[{code}]`", ((inner, code),), applicability="unsafe")


class OptionalMappedNotNull(Rule):
    code = "ORM201"
    name = "optional-mapped-not-null"
    summary = "`Mapped[Optional[X]]` on a column that is NOT NULL (`nullable=False` or primary key)"
    catches = (
        "`Mapped[Optional[X]]` on a column that is `nullable=False` or a primary key (the DDL "
        "says NOT NULL; `None` fails at flush)"
    )
    message = (
        "`{annotation}` says `{attr}` may be None, but the column is NOT NULL ({reason}): "
        "drop `Optional`/`None` from the annotation, or make the column nullable"
    )
    what_it_does = """
        Checks columns annotated with an optional `Mapped[...]` (`Optional[X]`, `X | None`,
        `Union[X, None]`, also in string form) whose `mapped_column()`/`Column()` says
        `nullable=False` or `primary_key=True`.
        """
    why_bad = """
        An explicit `nullable=` wins over the annotation for the DDL, silently: the table gets
        `NOT NULL` while type checkers accept `None`. Code that leaves the attribute at `None`
        type-checks and then fails at flush with `IntegrityError: NOT NULL constraint failed`
        (verified by this rule's oracle test). If `None` is deliberately allowed only before the
        first flush (a server-generated value), say so with `# noqa: ORM201`.
        """
    references = REFERENCES
    fix_safety = """
        Unsafe (applied with `--unsafe-fixes`): `Optional[...]`/`| None` is dropped from the
        annotation, which makes the annotation agree with the table; if the column should be
        nullable instead, change the column. Not offered for string annotations.
        """
    invalid = (
        Invalid(example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                nickname: Mapped[Optional[str]] = mapped_column(nullable=False)  # ORM201:15
            '''), fixed=example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                nickname: Mapped[str] = mapped_column(nullable=False)
            '''), unsafe=True),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                nickname: Mapped[str] = mapped_column(nullable=False)
                bio: Mapped[Optional[str]] = mapped_column()
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None or mapped.optional is not True or column.nullable is True:
                    continue
                if uses_existing_column(column):
                    continue
                if column.nullable is False:
                    reason = "`nullable=False`"
                elif column.primary_key:
                    reason = "it is a primary key"
                else:
                    continue
                yield self.violation(
                    mapped.node,
                    autofix=_drop_optional(model, mapped),
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                    reason=reason,
                )
