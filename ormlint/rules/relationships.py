"""ORM1xx: relationship() configuration."""

from __future__ import annotations

from typing import Iterator

from ormlint.model.types import FileModel, ModelClass
from ormlint.rules.base import Rule, Violation, example


class RelationshipArgumentIsBuiltin(Rule):
    code = "ORM101"
    name = "relationship-argument-is-builtin"
    summary = "relationship() argument names a Python builtin (`remote_side=[id]`), not a column"
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
    fix_safety = "No automatic fix yet (planned: rewrite to the string form `\"Class.column\"`)."
    references = (
        "SQLAlchemy: Adjacency List Relationships, https://docs.sqlalchemy.org/en/20/orm/self_referential.html",
        "sqlalchemy/sqlalchemy#7094 (a wrong remote_side is not reported until configuration)",
    )
    invalid = (
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
                parent: Mapped[Optional["Node"]] = relationship(remote_side=[id])  # ORM101
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Category(Base):
                __tablename__ = "category"
                category_id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("category.category_id"))
                parent = relationship("Category", remote_side=id)  # ORM101
            '''),
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
                yield self.violation(
                    ref.node,
                    argument=ref.argument,
                    builtin=ref.name,
                    where=f"in class `{owner.name}`" if owner else "in this scope",
                    suggestion=self._suggestion(owner, ref.name),
                )

    @staticmethod
    def _suggestion(owner: ModelClass | None, name: str) -> str:
        if owner is None:
            return f'"Class.{name}"'
        attr = name
        if name == "id":  # the builtin `id` stands for the primary key: name the real one
            keys = [c.attr for c in owner.columns if c.primary_key and c.attr]
            if len(keys) == 1:
                attr = keys[0]
        return f'"{owner.name}.{attr}"'
