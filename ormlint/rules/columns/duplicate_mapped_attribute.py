"""ORM205 duplicate-mapped-attribute: the same attribute mapped twice in one class body, or two
attributes mapped to the same column name"""

from __future__ import annotations

from itertools import islice
from typing import Iterator

from ormlint.model.types import ClassAssignment, FileModel, ModelClass

from ormlint.rules.base import Rule, Violation, example


def _mapped(assignment: ClassAssignment) -> bool:
    return assignment.kind in ("column", "relationship")


def _what(assignment: ClassAssignment) -> str:
    return "column" if assignment.kind == "column" else "relationship"


class DuplicateMappedAttribute(Rule):
    code = "ORM205"
    name = "duplicate-mapped-attribute"
    summary = (
        "the same attribute mapped twice in one class body, or two attributes mapped to the "
        "same column name"
    )
    catches = (
        "the same attribute mapped twice in one class body (the first silently vanishes), or two "
        "attributes on one column name"
    )
    message = "{problem}; {advice}"
    what_it_does = """
        Checks each class body for a name assigned a column or relationship twice (the second
        assignment replaces the first, as for any Python name; an exact repeat of the same line
        changes nothing and is left alone), and for two attributes whose
        columns have the same name in the table (`a = Column("x", ...)` beside
        `x = Column(...)`). Assignments in alternative branches (`if`/`else`, `try`/`except`)
        are fine, and so is a deliberate override inside a conditional block below the first
        definition. Properties, `hybrid_property` setter pairs and other `def`s are not
        assignments and are not considered; neither are columns inherited from mixins.
        """
    why_bad = """
        A class body is run like any Python block: the second `x = ...` rebinds the name and
        SQLAlchemy never sees the first. Nothing warns. The table silently loses the first
        definition's type, constraints and flags: in this rule's oracle test,
        `x = Column(Integer, nullable=False)` followed by `x = Column(String(10))` produced
        `x VARCHAR(10)` (nullable), and a relationship declared twice kept only the second
        configuration. Two attributes naming the same column stop the application at import:
        `DuplicateColumnError: A column with name 'x' is already present in table 'a'`, preceded
        by `SAWarning: On class 'A', Column object 'x' named directly multiple times, only one
        will be used` (verified by the oracle test with SQLAlchemy 2.1; 2.0 behaves the same, and
        1.4 fails too, with `ArgumentError: When configuring property 'a' on mapped class A->a,
        column 'a.x' is not represented in the mapper's table`).
        """
    fix_safety = "No automatic fix: which definition is the intended one is a decision."
    references = (
        "SQLAlchemy: Naming Declarative Mapped Columns Explicitly, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#naming-declarative-mapped-columns-explicitly",
        "SQLAlchemy: synonym(), https://docs.sqlalchemy.org/en/20/orm/mapped_attributes.html#synonyms",
    )
    invalid = (
        example('''
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Account(Base):
                __tablename__ = "account"
                id = Column(Integer, primary_key=True)
                email = Column(String(255), nullable=False, unique=True)
                name = Column(String(100))
                email = Column(String(320))  # ORM205:5
            '''),
        example('''
            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Item(Base):
                __tablename__ = "item"
                id: Mapped[int] = mapped_column(primary_key=True)
                label: Mapped[str] = mapped_column("name", String(50))
                name: Mapped[str] = mapped_column(String(50))  # ORM205:5
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, synonym


            class Base(DeclarativeBase):
                pass


            class Item(Base):
                __tablename__ = "item"
                id: Mapped[int] = mapped_column(primary_key=True)
                label: Mapped[str] = mapped_column("name", String(50))
                name = synonym("label")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            yield from self._same_attribute(cls)
            yield from self._same_column_name(cls)

    def _same_attribute(self, cls: ModelClass) -> Iterator[Violation]:
        earlier_by_attr: dict[str, list[ClassAssignment]] = {}
        for assignment in cls.assignments:
            same_name = earlier_by_attr.setdefault(assignment.attr, [])
            same_name.append(assignment)
            if not _mapped(assignment):
                continue
            # The latest earlier binding of this name in the same block decides.
            earlier = next(
                (
                    other for other in islice(reversed(same_name), 1, None)
                    if other.runs_with(assignment)
                ),
                None,
            )
            if earlier is None or not _mapped(earlier) or earlier.same_code(assignment):
                continue  # an exact repeat changes nothing in the mapping
            yield self.violation(
                assignment.node,
                problem=(
                    f"`{assignment.attr}` is mapped again in class `{cls.name}`: this "
                    f"{_what(assignment)} replaces the {_what(earlier)} assigned above, which "
                    "SQLAlchemy never sees (its type, constraints and options are silently "
                    "dropped)"
                ),
                advice="delete one of the two definitions",
            )

    def _same_column_name(self, cls: ModelClass) -> Iterator[Violation]:
        # The column each attribute finally holds (a later assignment of the same name wins).
        final: dict[str, ClassAssignment] = {}
        for assignment in cls.assignments:
            final[assignment.attr] = assignment
        # Earlier columns by column name: each is compared with those of its own name only.
        seen: dict[str, list[ClassAssignment]] = {}
        for assignment in cls.assignments:
            column = assignment.column
            if assignment.kind != "column" or column is None or column.name is None:
                continue
            if final.get(assignment.attr) is not assignment and final[assignment.attr].runs_with(
                assignment
            ):
                continue  # replaced by a later assignment: reported as a repeat, not here
            same_column = seen.setdefault(column.name, [])
            for other in same_column:
                if other.attr != assignment.attr and other.may_run_with(assignment):
                    yield self.violation(
                        assignment.node,
                        problem=(
                            f"`{assignment.attr}` and `{other.attr}` are both mapped to column "
                            f'"{column.name}" of class `{cls.name}`: the class cannot be defined '
                            "(DuplicateColumnError in SQLAlchemy 2.x, ArgumentError in 1.4)"
                        ),
                        advice=(
                            "give the column one attribute, and use `synonym()` for a second "
                            "name"
                        ),
                    )
                    break
            same_column.append(assignment)
