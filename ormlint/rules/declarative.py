"""ORM5xx: declarative and table configuration (and ORM205, a class body mapping a name twice)."""

from __future__ import annotations

from itertools import islice
from typing import Iterator

import libcst as cst

from ormlint.model.names import dotted_name
from ormlint.model.types import ClassAssignment, FileModel, ModelClass
from ormlint.project import ProjectIndex
from ormlint.rules.base import Fix, ProjectRule, ProjectViolation, Rule, Violation, example

_TABLE_ARGS_REFERENCES = (
    "SQLAlchemy: Declarative Table Configuration, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#declarative-table-configuration",
)


def _code(model: FileModel, node: cst.CSTNode) -> str:
    return " ".join(model.module.code_for_node(node).split())


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SQLALCHEMY_ROOTS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")
_TABLE_ITEM_NAMES = {
    "Index", "UniqueConstraint", "PrimaryKeyConstraint", "CheckConstraint",
    "ForeignKeyConstraint", "Column", "ExcludeConstraint",
}


def _imports_sqlalchemy(model: FileModel) -> bool:
    imports = model.imports
    return bool(imports.flask_handles) or any(
        target.partition(".")[0] in _SQLALCHEMY_ROOTS
        for target in (*imports.aliases.values(), *imports.star_modules)
    )


def _has_foreign_items(node: cst.CSTNode, model: FileModel) -> bool:
    """A list or set of calls imported from another library (`[IndexModel(...)]`, pymongo): not
    SQLAlchemy's table arguments."""
    elements = getattr(node, "elements", None) or ()
    for element in elements:
        value = getattr(element, "value", None)
        if isinstance(value, cst.Call):
            dotted = dotted_name(value.func)
            qualified = model.imports.qualify(dotted) if dotted else None
            if (
                qualified is not None
                and model.imports.symbol(value.func) is None
                and qualified.rpartition(".")[2] not in _TABLE_ITEM_NAMES
            ):
                return True
    return False


class TableArgsNotTupleOrDict(Rule):
    code = "ORM501"
    name = "table-args-not-tuple-or-dict"
    summary = (
        "`__table_args__` that is neither a tuple nor a dict: `(Index(...))` without the trailing "
        "comma, a list, a single constraint"
    )
    catches = (
        "`__table_args__ = (Index(...))` without the trailing comma, a list, a single constraint"
    )
    message = (
        "`__table_args__` must be a tuple, a dict or None, but {what}: SQLAlchemy raises "
        "ArgumentError when the class is defined; write {fix}"
    )
    what_it_does = """
        Checks `__table_args__` assigned a value that is certainly not a tuple, a dict or `None`:
        one constraint in parentheses without the trailing comma (`(Index("ix", "a"))` is just
        `Index("ix", "a")`), a single `Index`/`UniqueConstraint`/`CheckConstraint`/... call, a
        list, a set, a string or a number. Values ormlint cannot see (a shared constant, a
        helper's result, `Base.__table_args__ + (...)`, a `declared_attr`) are not reported.
        """
    why_bad = """
        Declarative accepts only a tuple (positional `Table` arguments, optionally ending with a
        dict of keyword arguments), a dict or `None`, and checks it when the class is defined.
        The application does not start: `ArgumentError: __table_args__ value must be a tuple,
        dict, or None` (verified by this rule's oracle tests for the missing comma, a list and
        a single `UniqueConstraint`).
        """
    fix_safety = "No automatic fix yet. Adding the trailing comma (or turning a list into a tuple) is safe."
    references = _TABLE_ARGS_REFERENCES
    invalid = (
        example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_name_email", "name", "email"))  # ORM501
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                email: Mapped[str]
            '''),
        example('''
            import sqlalchemy as sa
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Membership(Base):
                __tablename__ = "membership"
                __table_args__ = [sa.UniqueConstraint("user_id", "group_id")]  # ORM501
                id = sa.Column(sa.Integer, primary_key=True)
                user_id = sa.Column(sa.Integer, nullable=False)
                group_id = sa.Column(sa.Integer, nullable=False)
            '''),
        example('''
            from sqlalchemy import CheckConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "product"
                __table_args__ = CheckConstraint("price >= 0", name="ck_price")  # ORM501
                id: Mapped[int] = mapped_column(primary_key=True)
                price: Mapped[int]
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_name_email", "name", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                email: Mapped[str]


            class Group(Base):
                __tablename__ = "groups"
                __table_args__ = {"comment": "user groups"}
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        if not _imports_sqlalchemy(model):
            return  # `__table_args__` of another library that borrowed the name
        for cls in model.classes:
            args = cls.table_args
            if args.shape != "other" or args.node is None:
                continue
            if _has_foreign_items(args.node, model):
                continue
            yield self.violation(
                args.node, autofix=self._autofix(args.node, model), **self._describe(args.node, model)
            )

    @staticmethod
    def _autofix(node: cst.CSTNode, model: FileModel) -> Fix | None:
        """`(Index(...))`, `[Index(...), ...]` or a bare `Index(...)` -> a tuple of the same items."""
        if isinstance(node, cst.List):
            items = [e.value for e in node.elements]
        elif isinstance(node, cst.Call):
            items = [node.with_changes(lpar=[], rpar=[])]
        else:
            return None
        if any(isinstance(e, cst.StarredElement) for e in items) or not items:
            return None
        elements = [
            cst.Element(item, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            for item in items[:-1]
        ] + [cst.Element(items[-1], comma=cst.Comma() if len(items) == 1 else cst.MaybeSentinel.DEFAULT)]
        replacement = model.module.code_for_node(cst.Tuple(elements))
        return Fix("Make it a tuple", ((node, replacement),))

    @staticmethod
    def _describe(node: cst.CSTNode, model: FileModel) -> dict[str, str]:
        code = _code(model, node)
        if isinstance(node, (cst.List, cst.ListComp)):
            inner = code[1:-1].strip().rstrip(",")
            if isinstance(node, cst.List):
                fix = f"a tuple: `({_short(inner, 50)},)`" if inner else "`()`"
            else:
                fix = f"a tuple: `tuple({_short(code, 50)})`"
            return {"what": "this is a list", "fix": fix}
        if isinstance(node, cst.Call):
            if node.lpar:  # `(Index(...))`: the parentheses do not make a tuple
                inner = code[1:-1].strip() if code.startswith("(") else code
                return {
                    "what": "`(X)` without a trailing comma is just X, a single constraint",
                    "fix": f"`({_short(inner, 50)},)`",
                }
            return {
                "what": "this is a single constraint",
                "fix": f"a one-element tuple: `({_short(code, 50)},)`",
            }
        kind = type(node).__name__.lower().replace("simplestring", "string")
        return {"what": f"this is a {kind}", "fix": "a tuple of constraints, a dict of options, or None"}


def _is_dict_item(item: cst.BaseExpression, model: FileModel) -> bool:
    if isinstance(item, (cst.Dict, cst.DictComp)):
        return True
    return (
        isinstance(item, cst.Call)
        and dotted_name(item.func) == "dict"
        and "dict" not in model.module_bindings
    )


class TableArgsDictNotLast(Rule):
    code = "ORM502"
    name = "table-args-dict-not-last"
    summary = "a dict of table options in `__table_args__` that is not the last element"
    catches = "a dict of table options that is not the last element of `__table_args__`"
    message = (
        "the options dict in `__table_args__` must be the last element of the tuple; "
        "here it is followed by {following}: SQLAlchemy passes it to Table() as a schema item "
        "and raises ArgumentError when the class is defined; move `{options}` to the end"
    )
    what_it_does = """
        Checks a `__table_args__` tuple for a dict (a literal, a comprehension or `dict(...)`)
        followed by another element. Only the last element of the tuple may be the dict of
        keyword arguments for `Table` (`schema`, `comment`, `mysql_engine`, ...). A dict followed
        only by unpacked elements (`({...}, *extra)`) is not reported: they may be empty.
        """
    why_bad = """
        Declarative takes the dict from the last position only; anywhere else it is passed on
        as a positional `Table` argument, which must be a column or constraint. The class cannot
        be defined: `ArgumentError: 'SchemaItem' object, such as a 'Column' or a 'Constraint'
        expected, got {'comment': 'Registered users'}` (verified by this rule's oracle test).
        The options are not silently dropped; the application does not start.
        """
    fix_safety = "No automatic fix yet. Moving the dict to the end of the tuple is safe."
    references = _TABLE_ARGS_REFERENCES
    invalid = (
        example('''
            from sqlalchemy import UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    {"comment": "Registered users"},  # ORM502
                    UniqueConstraint("email", name="uq_users_email"),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    UniqueConstraint("email", name="uq_users_email"),
                    {"comment": "Registered users"},
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            args = cls.table_args
            if args.shape != "tuple":
                continue
            starred = args.starred or (False,) * len(args.items)
            for position, item in enumerate(args.items):
                if starred[position] or not _is_dict_item(item, model):
                    continue
                following = [
                    later for later, is_starred in zip(args.items[position + 1:], starred[position + 1:])
                    if not is_starred
                ]
                if not following:
                    continue
                first = following[0]
                described = (
                    "another dict" if _is_dict_item(first, model)
                    else f"`{_short(_code(model, first), 40)}`"
                )
                if len(following) > 1:
                    described += f" and {len(following) - 1} more"
                yield self.violation(
                    item, following=described, options=_short(_code(model, item), 50)
                )


# ---------------------------------------------------------------------------------------------
# ORM205


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
                email = Column(String(320))  # ORM205
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
                name: Mapped[str] = mapped_column(String(50))  # ORM205
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


class DuplicateTablename(ProjectRule):
    code = "ORM503"
    name = "duplicate-tablename"
    summary = "the same `__tablename__` on two mapped classes of one declarative base"
    catches = "two mapped classes of one declarative base with the same `__tablename__` (project)"
    message = (
        "{declared} is also declared by `{other}` ({other_path}) under the same "
        "declarative base: {advice}"
    )
    what_it_does = """
        Checks that no two mapped classes under the same declarative base (a `DeclarativeBase`
        subclass, a `declarative_base()` result, Flask-SQLAlchemy's `db.Model`, SQLModel) declare
        the same `__tablename__`, across all files of the project, or get the same name without
        one (see ORM602 for the names ormlint knows then), in the same schema (`schema=` of
        its own `__table_args__` or a mixin's: `archive.things` is not `things`). Classes under
        different bases (different MetaData), a schema that cannot be read, `extend_existing`
        and a Flask-SQLAlchemy subclass without a primary key of its own (its table is its
        parent's) are left alone, and so is any class whose chain of bases cannot be followed. SQLModel's metadata and `db.Model`
        are compared within one top-level package: separate applications in one repository
        (each its own process and database) may reuse table names.
        """
    why_bad = """
        The second class fails at import: `InvalidRequestError: Table 'things' is already defined
        for this MetaData instance. Specify 'extend_existing=True' to redefine options and
        columns on an existing Table object.` (verified by this rule's oracle test). When the two
        classes live in modules imported by different entry points, the failure appears only in
        the process that imports both, often the migration tool or a worker.
        """
    invalid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Thing(Base):
                __tablename__ = "things"
                id: Mapped[int] = mapped_column(primary_key=True)


            class ArchivedThing(Base):
                __tablename__ = "things"  # ORM503
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )
    valid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Thing(Base):
                __tablename__ = "things"
                id: Mapped[int] = mapped_column(primary_key=True)


            class ArchivedThing(Base):
                __tablename__ = "archived_things"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        first: dict[tuple[tuple[str, str], str | None, str], tuple[str, str]] = {}
        for path, cls in index.classes():
            if not cls.tablename or cls.kind in ("mixin", "abstract", "base"):
                continue
            if cls.table_options & {"extend_existing", "keep_existing", "?"}:
                continue
            table = index.table_of(path, cls)
            if table is None or table.class_name != cls.name or table.path != path or not table.schema_known:
                continue  # (Flask-SQLAlchemy drops the table of a subclass without a primary key)
            root = index.declarative_root(path, cls)
            if root is None:
                continue
            key = (index.metadata_scope(path, root), table.schema, cls.tablename)
            if key not in first:
                first[key] = (path, cls.name)
                continue
            other_path, other = first[key]
            advice = (
                f"rename one table, or make `{cls.name}` a subclass of `{other}` without its own "
                "`__tablename__` (single-table inheritance)"
                if cls.name != other else "rename one table, or keep one of the two classes"
            )
            declared = (
                f'The table name "{cls.tablename}" that `{cls.name}` gets without `__tablename__`'
                if cls.tablename_implicit else f'`__tablename__ = "{cls.tablename}"`'
            )
            yield self.project_violation(
                path, cls.tablename_location or cls.location,
                declared=declared, other=other, other_path=other_path, advice=advice,
            )
