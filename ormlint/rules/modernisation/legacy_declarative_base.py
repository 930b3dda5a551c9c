"""ORM901: `Base = declarative_base()`, the legacy spelling of `class Base(DeclarativeBase)`."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import dotted_name
from ormlint.model.types import FileModel
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.edits import orm_name

# declarative_base()'s default class name: another variable name gives the class another __name__
_DEFAULT_CLASS_NAME = "Base"


class LegacyDeclarativeBase(Rule):
    code = "ORM901"
    name = "legacy-declarative-base"
    summary = "`declarative_base()` instead of a `DeclarativeBase` subclass (SQLAlchemy 2.0 style)"
    catches = (
        "`Base = declarative_base()` instead of `class Base(DeclarativeBase)` (SQLAlchemy 2.0 "
        "style; fix, DDL and mappers checked identical)"
    )
    message = (
        "{made} by `declarative_base()`, legacy since SQLAlchemy 2.0: declare "
        "`class {target}(DeclarativeBase)` (imported from sqlalchemy.orm){how}"
    )
    what_it_does = """
        Reports each call of `declarative_base()` (from `sqlalchemy.orm` or
        `sqlalchemy.ext.declarative`). Opt-in, one of the SQLAlchemy 2.0 modernisation rules
        (ORM9xx).
        """
    why_bad = """
        SQLAlchemy 2.0 declares the base as a class, `class Base(DeclarativeBase): pass`; the
        function is kept for 1.x code only. Type checkers understand the class (its `metadata`,
        `registry`, the `Mapped[...]` annotations of its subclasses) but not the function's
        result, and the class is where 2.0 configures the base (`metadata`,
        `type_annotation_map`).
        """
    fix_safety = """
        The fix rewrites `Base = declarative_base()` as `class Base(DeclarativeBase): pass`,
        carrying `metadata=X` over as the class attribute `metadata = X` and `cls=Mixin` as the
        first base, and imports `DeclarativeBase` (replacing the `declarative_base` import when
        nothing else uses it). The tables (DDL for PostgreSQL and SQLite) and the mappers stay
        the same (verified by this rule's oracle test). Another argument, a positional one, or
        an assignment that is not a statement of its own at module level is reported without a
        fix. The fix is unsafe when the variable is not named `Base` (declarative_base() names
        its class "Base", the class statement names it after the variable) or when a class of
        the file defines `__init_subclass__` (a DeclarativeBase maps its subclasses in
        `__init_subclass__`: one that does not call `super()` would stop the mapping; check
        mixins and models in other files yourself). Needs SQLAlchemy 2.0.
        """
    references = (
        "SQLAlchemy: Declarative Mapping, https://docs.sqlalchemy.org/en/20/orm/declarative_styles.html",
        "SQLAlchemy 2.0 migration: declarative_base() is superseded, https://docs.sqlalchemy.org/en/20/changelog/whatsnew_20.html",
    )
    default_enabled = False
    invalid = (
        Invalid(example('''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()  # ORM901:8


            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)
            '''), fixed=example('''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import DeclarativeBase

            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)
            ''')),
        Invalid(example('''
            from sqlalchemy import Column, Integer, MetaData
            from sqlalchemy.ext.declarative import declarative_base

            metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})


            class Mixin:
                note = Column(Integer)


            Base = declarative_base(metadata=metadata, cls=Mixin)  # ORM901:8


            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)
            '''), fixed=example('''
            from sqlalchemy import Column, Integer, MetaData
            from sqlalchemy.orm import DeclarativeBase

            metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})


            class Mixin:
                note = Column(Integer)


            class Base(Mixin, DeclarativeBase):
                metadata = metadata


            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)
            ''')),
        example('''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base, DeclarativeMeta

            Model = declarative_base(metaclass=DeclarativeMeta)  # ORM901:9


            class User(Model):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import DeclarativeBase


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        if "declarative_base" not in model.module.code:
            return
        top_level = {
            stmt.body[0].value: stmt.body[0]
            for stmt in model.module.body
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Assign) and len(stmt.body[0].targets) == 1
            and isinstance(stmt.body[0].targets[0].target, cst.Name)
        }
        for call in _declarative_base_calls(model):
            assign = top_level.get(call)
            target = assign.targets[0].target.value if assign is not None else None
            fix = _class_statement(model, assign, call) if assign is not None else None
            how = "" if fix is None else "; the fix does so" if fix.applicability == "safe" else "; the unsafe fix does so"
            made = f"`{target}` is made" if target else "A base class made"
            yield self.violation(call, fix, made=made, target=target or "Base", how=how)


class _Calls(cst.CSTVisitor):
    def __init__(self, model: FileModel) -> None:
        self.model = model
        self.found: list[cst.Call] = []
        self.name_uses: dict[str, int] = {}

    def visit_Call(self, node: cst.Call) -> None:
        if self.model.imports.symbol(node.func) == "declarative_base":
            self.found.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        self.name_uses[node.value] = self.name_uses.get(node.value, 0) + 1


def _declarative_base_calls(model: FileModel) -> list[cst.Call]:
    visitor = _Calls(model)
    model.module.visit(visitor)
    return visitor.found


def _name_uses(model: FileModel, name: str) -> int:
    visitor = _Calls(model)
    model.module.visit(visitor)
    return visitor.name_uses.get(name, 0)


def _class_statement(model: FileModel, assign: cst.Assign, call: cst.Call) -> Fix | None:
    """`Base = declarative_base(...)` as a class statement, when its arguments carry over."""
    target = assign.targets[0].target.value
    code = model.module.code_for_node
    metadata = mixin = None
    for arg in call.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        if arg.star or keyword not in ("metadata", "cls"):
            return None
        if keyword == "metadata":
            metadata = code(arg.value)
        elif dotted_name(arg.value) is not None:
            mixin = code(arg.value)
        else:
            return None  # a base list holds an expression evaluated once: keep it simple
    base_and_imports = _declarative_base_name(model, call)
    if base_and_imports is None:
        return None
    base, import_edits = base_and_imports
    bases = f"{mixin}, {base}" if mixin else base
    indent = model.module.default_indent
    body = f"metadata = {metadata}" if metadata else "pass"
    text = f"class {target}({bases}):\n{indent}{body}"
    defines_init_subclass = any(
        isinstance(node, cst.FunctionDef) and node.name.value == "__init_subclass__"
        for cls in model.module.body if isinstance(cls, cst.ClassDef)
        for node in cls.body.body
    )
    safe = target == _DEFAULT_CLASS_NAME and not defines_init_subclass
    return Fix(
        message=f"declare `class {target}({bases})`",
        replacements=((assign, text), *import_edits),
        applicability="safe" if safe else "unsafe",
    )


def _declarative_base_name(model: FileModel, call: cst.Call) -> tuple[str, tuple[tuple[cst.CSTNode, str], ...]] | None:
    """How to name DeclarativeBase, and the import edits: the `declarative_base` import becomes
    the `DeclarativeBase` one when this call was its only use."""
    local = dotted_name(call.func)
    if (
        local == "declarative_base"
        and "DeclarativeBase" not in model.module_bindings
        and _name_uses(model, local) == 2  # the import and this call
    ):
        for stmt in model.module.body:
            if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
                continue
            node = stmt.body[0]
            if not (isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None):
                continue
            if isinstance(node.names, cst.ImportStar):
                continue
            module = model.module.code_for_node(node.module)
            if module not in ("sqlalchemy.orm", "sqlalchemy.ext.declarative"):
                continue
            for alias in node.names:
                if alias.asname is None and isinstance(alias.name, cst.Name) and alias.name.value == local:
                    if module == "sqlalchemy.orm":
                        renamed = node.with_deep_changes(alias.name, value="DeclarativeBase")
                        return "DeclarativeBase", ((node, model.module.code_for_node(renamed)),)
                    if len(node.names) == 1:
                        return "DeclarativeBase", ((node, "from sqlalchemy.orm import DeclarativeBase"),)
    return orm_name(model, "DeclarativeBase")
