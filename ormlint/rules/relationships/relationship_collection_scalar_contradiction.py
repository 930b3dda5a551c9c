"""ORM106 relationship-collection-scalar-contradiction: `uselist=` or the foreign key contradicts
the relationship's `Mapped[...]` annotation"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import bool_value, string_value
from ormlint.model.types import FileModel
from ormlint.project import ProjectIndex, annotation_shape
from ormlint.rules.base import ProjectRule, ProjectViolation, Violation
from ormlint.rules.relationships._common import Schema, keyword_value, models_example, attribute_label


def _element_code(model: FileModel, inner: cst.BaseExpression) -> str:
    """The class named in `list["Child"]`, `Optional[Child]`, `"Child | None"`, as written."""
    for _ in range(5):
        text = string_value(inner)
        if text is not None:
            try:
                parsed = cst.parse_expression(text.strip())
            except Exception:
                return "X"
            if isinstance(parsed, (cst.Name, cst.Attribute)):
                return model.module.code_for_node(inner).strip()
            inner = parsed
            continue
        if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.BitOr):
            sides = [e for e in (inner.left, inner.right) if not (isinstance(e, cst.Name) and e.value == "None")]
            if len(sides) != 1:
                return "X"
            inner = sides[0]
            continue
        if isinstance(inner, cst.Subscript):
            elements = [e.slice.value for e in inner.slice if isinstance(e.slice, cst.Index)]
            elements = [e for e in elements if not (isinstance(e, cst.Name) and e.value == "None")]
            if not elements:
                return "X"
            inner = elements[-1]
            continue
        return model.module.code_for_node(inner).strip()
    return "X"


class RelationshipCollectionScalarContradiction(ProjectRule):
    code = "ORM106"
    name = "relationship-collection-scalar-contradiction"
    summary = "`uselist=` or the foreign key contradicts the relationship's `Mapped[...]` annotation"
    catches = (
        '`uselist=False` with `Mapped[list[...]]`, `uselist=True` with `Mapped["X"]`, '
        '`Mapped[list["X"]]` on a many-to-one: the attribute is not what it is annotated as '
        "(project)"
    )
    message = "{problem}; {fix}"
    what_it_does = """
        Checks that a relationship's `Mapped[...]` annotation agrees with what SQLAlchemy will
        make of it: `uselist=False` with a collection annotation (`Mapped[list["Child"]]`,
        `Mapped[set["Child"]]`), `uselist=True` with a scalar one (`Mapped["Child"]`,
        `Mapped[Optional["Child"]]`), and a collection annotation on a many-to-one relationship
        (the foreign key is on the annotated class's own table, pointing at the target), which
        is checked across files when the classes, tables and foreign keys can all be seen. A
        scalar annotation on the "one" side of a one-to-many (`Mapped["Child"]` where the
        child holds the key) is SQLAlchemy's documented one-to-one and is not reported.
        """
    why_bad = """
        Nothing fails, and the attribute is not what its annotation (and the type checker)
        says. Verified by this rule's oracle test: with `uselist=False` and
        `Mapped[list["Child"]]` the attribute holds one `Child` or `None`, and assigning a list
        raises `AttributeError: 'list' object has no attribute '_sa_instance_state'`; with
        `uselist=True` and `Mapped["Child"]` SQLAlchemy silently drops `uselist=True` (the
        annotation decides) and loads a single child, warning `Multiple rows returned with
        uselist=False` and keeping one when there are several; `Mapped[list["Parent"]]` on a
        many-to-one loads a single `Parent`, not a list.
        """
    references = (
        "SQLAlchemy: One To One (uselist and annotations), https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html#one-to-one",
    )
    invalid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(uselist=False)  # ORM106:60


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped["Child"] = relationship(uselist=True)  # ORM106:54


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parents: Mapped[list["Parent"]] = relationship()  # ORM106:5
            '''),
    )
    valid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")
                # one-to-one: the scalar annotation is what makes it a single object
                favourite: Mapped[Optional["Favourite"]] = relationship(back_populates="parent")


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")


            class Favourite(Base):
                __tablename__ = "favourite"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"), unique=True)
                parent: Mapped[Parent] = relationship(back_populates="favourite")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for rel in model.relationships:
            value = keyword_value(rel, "uselist")
            uselist = bool_value(value)
            if value is None or uselist is None or rel.annotation is None:
                continue
            shape = annotation_shape(model, rel)
            name = f"`{rel.owner}.{rel.attr}`" if rel.owner and rel.attr else "this relationship"
            annotation = model.module.code_for_node(rel.annotation.node).strip()
            element = _element_code(model, rel.annotation.inner)
            if uselist is False and shape == "collection":
                yield self.violation(
                    value,
                    problem=f"`uselist=False` makes {name} a single object, but it is annotated `{annotation}`",
                    fix=f"remove `uselist=False` for a collection, or annotate it "
                        f"`Mapped[Optional[{element}]]` for a single object",
                )
            elif uselist is True and shape == "scalar":
                yield self.violation(
                    value,
                    problem=f"SQLAlchemy ignores `uselist=True` on {name}, whose annotation `{annotation}` "
                            "makes it a single object",
                    fix=f"annotate it `Mapped[list[{element}]]` for a collection, or remove `uselist=True`",
                )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        schema = Schema.of(index)
        for owner, rel in schema.relationships():
            if rel.annotation_shape != "collection" or rel.keywords & {"uselist", "remote_side"}:
                continue
            target = schema.target(owner.path, rel)
            if target is None or target.key == owner.key:
                continue
            paths = schema.paths(owner, rel, target)
            if not paths or len(paths) != 1 or not paths[0].on_owner:
                continue
            yield self.project_violation(
                owner.path, rel.location,
                problem=(
                    f"{attribute_label(owner, rel)} is annotated as a collection, but the foreign key "
                    f"{paths[0].describe()} makes it many-to-one: SQLAlchemy loads one "
                    f"`{target.cls.name}` or None"
                ),
                fix=f'annotate it `Mapped[Optional["{target.cls.name}"]]`, or move the collection '
                    f"to `{target.cls.name}` (the one-to-many side)",
            )
