"""ORM206 type-checking-only-annotation: a column's `Mapped[...]` annotation uses a name imported
only under `if TYPE_CHECKING:`"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.extract import annotation_names
from ormlint.model.names import string_value
from ormlint.model.types import FileModel, MappedAnnotation
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.indexes import annotation_used_by_column


def _wrapper_name(annotation: cst.BaseExpression) -> str | None:
    """`Mapped` in `Mapped[X]` / `"Mapped[X]"` / `so.Mapped[X]` (the head name)."""
    text = string_value(annotation)
    if text is not None:
        try:
            annotation = cst.parse_expression(text.strip())
        except Exception:
            return None
    if isinstance(annotation, cst.Subscript):
        value = annotation.value
        while isinstance(value, cst.Attribute):
            value = value.value
        if isinstance(value, cst.Name):
            return value.value
    return None


class TypeCheckingOnlyAnnotation(Rule):
    code = "ORM206"
    name = "type-checking-only-annotation"
    summary = "a column's `Mapped[...]` annotation uses a name imported only under `if TYPE_CHECKING:`"
    catches = "a column's `Mapped[...]` uses a name imported only under `if TYPE_CHECKING:`"
    message = (
        "{names} in `{annotation}` {verb} imported only under `if TYPE_CHECKING:`, but SQLAlchemy "
        "evaluates this annotation when the class is created (MappedAnnotationError): import "
        "{them} at module level, outside the `if TYPE_CHECKING:` block"
    )
    what_it_does = """
        Checks the `Mapped[...]` annotations of `mapped_column()` attributes and of bare
        `name: Mapped[X]` columns for names that the module imports only inside an
        `if TYPE_CHECKING:` block, quoted or not, with or without `from __future__ import
        annotations`. `Mapped` itself imported that way is reported on every mapped attribute.
        Relationship annotations (`Mapped["Address"]`, `Mapped[list[Address]]` on
        `relationship()`) are resolved through the class registry and are fine, and so are
        the annotations of a 1.x `Column()`, whose type SQLAlchemy does not derive from them,
        and the return annotation of a `declared_attr` written on the mapped class itself,
        which SQLAlchemy ignores (it reads it only on mixins and abstract bases). A class whose
        bases are imported from other modules may be either, so its `declared_attr` columns are
        not reported.
        """
    why_bad = """
        `mapped_column()` derives the column's type and nullability from the annotation, so
        SQLAlchemy evaluates it in the module's namespace while the class is being created;
        a name that exists only for the type checker is not there, and the import of the
        model module fails. The explicit SQL type does not help: with
        `mapped_column(String(10))` the annotation is still evaluated. Verified by this rule's
        oracle test: `MappedAnnotationError: Could not resolve all types within mapped
        annotation: "Mapped[Status]". Ensure all types are written correctly and are imported
        within the module in use.`
        """
    references = (
        "SQLAlchemy: mapped_column() derives the datatype and nullability from the Mapped annotation, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#mapped-column-derives-the-datatype-and-nullability-from-the-mapped-annotation",
    )
    invalid = (
        example('''
            from __future__ import annotations

            from typing import TYPE_CHECKING

            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            if TYPE_CHECKING:
                from decimal import Decimal


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "product"
                id: Mapped[int] = mapped_column(primary_key=True)
                price: Mapped[Decimal] = mapped_column(String(20))  # ORM206:12
            '''),
    )
    valid = (
        example('''
            from __future__ import annotations

            from decimal import Decimal
            from typing import TYPE_CHECKING

            from sqlalchemy import ForeignKey, Numeric
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

            if TYPE_CHECKING:
                from collections.abc import Sequence


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "product"
                id: Mapped[int] = mapped_column(primary_key=True)
                price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
                parts: Mapped[list[Part]] = relationship(back_populates="product")

                def cheapest(self, parts: Sequence[Part]) -> Part:
                    return min(parts, key=lambda part: part.id)


            class Part(Base):
                __tablename__ = "part"
                id: Mapped[int] = mapped_column(primary_key=True)
                product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
                product: Mapped[Product] = relationship(back_populates="parts")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        hidden = model.imports.type_checking_only
        if not hidden:
            return
        hidden = {name for name in hidden if model.class_named(name) is None}
        annotation_used = annotation_used_by_column(model)
        for cls in model.classes:
            if (cls.is_sqlmodel and cls.kind != "mapped") or cls.imperative:
                continue  # a Pydantic model; a class mapped imperatively (its table decides)
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None:
                    continue
                if not annotation_used.get(id(column), True):
                    continue  # a declared_attr on the mapped class: its annotation is ignored
                inner = column.constructor == "mapped_column"
                yield from self._check(model, mapped.node, mapped, hidden, inner)
            for rel in cls.relationships:
                if rel.annotation is not None:
                    yield from self._check(model, rel.annotation.node, rel.annotation, hidden, False)
            for bare in cls.bare_mapped:
                yield from self._check(model, bare.node.annotation.annotation, None, hidden, True)

    def _check(
        self,
        model: FileModel,
        node: cst.CSTNode,
        mapped: MappedAnnotation | None,
        hidden: set[str],
        inner: bool,
    ) -> Iterator[Violation]:
        found: list[str] = []
        wrapper = _wrapper_name(node)  # type: ignore[arg-type]
        if wrapper in hidden:
            found.append(wrapper)
        if inner:
            for name in annotation_names(node, model.imports):
                if name in hidden and name not in found:
                    found.append(name)
        if not found:
            return
        names = ", ".join(f"`{name}`" for name in found)
        yield self.violation(
            node,
            names=names,
            annotation=model.module.code_for_node(node),
            verb="is" if len(found) == 1 else "are",
            them="it" if len(found) == 1 else "them",
        )
