"""ORM101 relationship-argument-is-builtin: relationship() argument names a Python builtin
(`remote_side=[id]`), not a column"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.types import FileModel, ModelClass

from ormlint.rules.base import Fix, Invalid, Rule, Violation, example


def _contains(expr: cst.CSTNode, node: cst.CSTNode) -> bool:
    if expr is node:
        return True
    return isinstance(expr, (cst.List, cst.Tuple)) and any(e.value is node for e in expr.elements)


class RelationshipArgumentIsBuiltin(Rule):
    code = "ORM101"
    name = "relationship-argument-is-builtin"
    summary = "relationship() argument names a Python builtin (`remote_side=[id]`), not a column"
    catches = (
        "`remote_side=[id]`, `order_by=id`, … where the name is Python's builtin at that point "
        "of the class body (`ArgumentError`/`TypeError` at the first query)"
    )
    message = (
        "`{argument}` refers to Python's builtin `{builtin}`, not a column: no `{builtin}` is "
        "defined {where} before this line; write `{argument}={suggestion}`"
    )
    what_it_does = """
        Checks the Python expressions given to `relationship()` (`remote_side`, `foreign_keys`,
        `order_by`, `primaryjoin`, `secondaryjoin`, `secondary`, also inside `backref()`) for bare
        names that, at that point of the class body, are not bound in the class, an enclosing
        function or the module, and so resolve to a Python builtin such as `id` or `type`.
        """
    why_bad = """
        A class body sees only the names assigned above the current line. When the primary key
        comes from a mixin, a base class, or is declared further down, `remote_side=[id]` passes
        the builtin function `id`. Python raises nothing at import; SQLAlchemy fails only when the
        mappers are configured, that is at the first query in production:
        `ArgumentError: Column expression expected for argument 'remote_side'; got <built-in
        function id>` (with `remote_side=id`: `TypeError: id() takes exactly one argument (0
        given)`). Verified by this rule's oracle test with SQLAlchemy 2.x.
        """
    fix_safety = """
        `remote_side=[id]` (or `=id`, also for `foreign_keys=`/`order_by=`) becomes
        `remote_side="Class.pk"`, a string SQLAlchemy resolves at configuration. Safe when the
        class declares its single primary-key column itself (`"Comment.comment_id"`); unsafe
        (applied with `--unsafe-fixes`) when the column comes from a mixin or base and its name
        is taken from the builtin's (`"Node.id"`). Not offered when the builtin is part of a
        larger expression (`primaryjoin=`, `desc(id)`).
        """
    references = (
        "SQLAlchemy: Adjacency List Relationships, https://docs.sqlalchemy.org/en/20/orm/self_referential.html",
        "sqlalchemy/sqlalchemy#7094 (a wrong remote_side is not reported until configuration)",
    )
    invalid = (
        Invalid(example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class IdMixin:
                id: Mapped[int] = mapped_column(primary_key=True)


            class Node(IdMixin, Base):
                __tablename__ = "node"
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
                parent: Mapped[Optional["Node"]] = relationship(remote_side=[id])  # ORM101:66
            '''), fixed=example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class IdMixin:
                id: Mapped[int] = mapped_column(primary_key=True)


            class Node(IdMixin, Base):
                __tablename__ = "node"
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
                parent: Mapped[Optional["Node"]] = relationship(remote_side="Node.id")
            '''), unsafe=True),
        Invalid(example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Category(Base):
                __tablename__ = "category"
                category_id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("category.category_id"))
                parent = relationship("Category", remote_side=id)  # ORM101:51
            '''), fixed=example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Category(Base):
                __tablename__ = "category"
                category_id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("category.category_id"))
                parent = relationship("Category", remote_side="Category.category_id")
            ''')),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class IdMixin:
                id: Mapped[int] = mapped_column(primary_key=True)


            class Node(IdMixin, Base):
                __tablename__ = "node"
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
                parent: Mapped[Optional["Node"]] = relationship(remote_side="Node.id")
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Node(Base):
                __tablename__ = "node"
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("node.id"))
                parent = relationship("Node", remote_side=[id], order_by=id)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for relationship in model.relationships:
            owner = model.class_named(relationship.owner) if relationship.owner else None
            for ref in relationship.builtin_refs:
                suggestion, known = self._suggestion(owner, ref.name)
                yield self.violation(
                    ref.node,
                    autofix=self._autofix(relationship, ref, suggestion, known),
                    argument=ref.argument,
                    builtin=ref.name,
                    where=f"in class `{owner.name}`" if owner else "in this scope",
                    suggestion=suggestion,
                )

    @staticmethod
    def _suggestion(owner: ModelClass | None, name: str) -> tuple[str, bool]:
        """The string to write, and whether the column is known to exist under that name."""
        if owner is None:
            return f'"Class.{name}"', False
        if name == "id":  # the builtin `id` stands for the primary key: name the real one
            keys = [c.attr for c in owner.columns if c.primary_key and c.attr]
            if len(keys) == 1:
                return f'"{owner.name}.{keys[0]}"', True
        return f'"{owner.name}.{name}"', False

    @staticmethod
    def _autofix(relationship, ref, suggestion: str, known: bool) -> Fix | None:
        """`remote_side=[id]` / `=id` -> `remote_side="Class.pk"`: a string SQLAlchemy resolves
        at configuration. Safe when the class's own primary key was found, else a guess."""
        if ref.argument == "primaryjoin" or ref.argument == "secondaryjoin" or '"Class.' in suggestion:
            return None
        candidates = [relationship.kwargs.get(ref.argument)]
        backref = relationship.kwargs.get("backref")
        if backref is not None and isinstance(backref.value, cst.Call):  # backref("x", remote_side=id)
            candidates += [a for a in backref.value.args if a.keyword and a.keyword.value == ref.argument]
        arg = next((a for a in candidates if a is not None and _contains(a.value, ref.node)), None)
        if arg is None:
            return None
        value = arg.value
        single = value.elements[0].value if (
            isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) == 1
        ) else value
        if single is not ref.node:
            return None  # the builtin sits inside a larger expression: rewrite by hand
        return Fix(
            f"Use {suggestion}", ((value, suggestion),),
            applicability="safe" if known else "unsafe",
        )
