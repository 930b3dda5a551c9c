"""ORM505: MappedAsDataclass, a field without a default after one with a default."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.extract import keyword_args
from ormlint.model.names import bool_value, dotted_name
from ormlint.model.types import FileModel, ModelClass
from ormlint.rules.base import Rule, Violation, example

# the ORM constructs whose `default=` / `default_factory=` / `init=` are the dataclass field's
_FIELD_CONSTRUCTS = frozenset({"mapped_column", "relationship", "column_property", "composite", "deferred", "synonym"})
_MAPPED_WRAPPERS = frozenset({"Mapped", "WriteOnlyMapped", "DynamicMapped"})


class DataclassFieldOrder(Rule):
    code = "ORM505"
    name = "dataclass-field-order"
    summary = "`MappedAsDataclass`: a field without a default after a field with one"
    catches = (
        "`MappedAsDataclass`: a field without a default after one with a default (dataclasses "
        "TypeError when the class is defined); `init=False` fields do not count"
    )
    message = (
        "`{field}` has no default but comes after `{after}`, which has one: the dataclass "
        "`__init__` cannot be built, so SQLAlchemy refuses the class when it is defined; give "
        "`{field}` a default, move it up, or make one of them `kw_only=True`"
    )
    what_it_does = """
        Checks the classes of `MappedAsDataclass` models declared in one file (the class, its
        bases and the declarative base), in the order the dataclass `__init__` takes their
        fields (a base's first): a field without `default=` or `default_factory=` must not
        follow one with a default. Fields with `init=False` are not parameters and do not
        count. Classes with `kw_only` anywhere, a base from another module or more than one
        base of the project, a field whose value or annotation ormlint cannot read, and
        `declared_attr` are left alone.
        """
    why_bad = """
        Python's dataclasses refuse the parameter order, and SQLAlchemy turns that into an
        error when the class is defined, so the application does not start:
        `InvalidRequestError: Python dataclasses error encountered when creating dataclass for
        'User': TypeError("non-default argument 'name' follows default argument")`. Verified
        by this rule's oracle test, also for a field inherited from a mapped parent. (`default=`
        together with `init=False` is not flagged: SQLAlchemy 2.1 accepts it and the default
        is applied.)
        """
    fix_safety = "No automatic fix: the order of `__init__` parameters is part of the class's API."
    references = (
        "SQLAlchemy: Declarative Dataclass Mapping, https://docs.sqlalchemy.org/en/20/orm/dataclasses.html#declarative-dataclass-mapping",
        "Python: dataclasses, https://docs.python.org/3/library/dataclasses.html#inheritance",
    )
    invalid = (
        example('''
            from typing import Optional

            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column


            class Base(MappedAsDataclass, DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(init=False, primary_key=True)
                nickname: Mapped[Optional[str]] = mapped_column(default=None)
                name: Mapped[str] = mapped_column(String(30))  # ORM505:5
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column


            class Base(MappedAsDataclass, DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(init=False, primary_key=True)
                name: Mapped[str] = mapped_column(String(30))
                nickname: Mapped[Optional[str]] = mapped_column(default=None)
                score: Mapped[int] = mapped_column(init=False, default=0)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if not cls.tablename:
                continue
            chain = _dataclass_chain(model, cls)
            if chain is None:
                continue
            fields: dict[str, tuple[bool, cst.AnnAssign, ModelClass]] = {}
            readable = True
            for owner in chain:  # the base first: a redeclared field keeps its place
                own = _fields(model, owner)
                if own is None:
                    readable = False
                    break
                for name, has_default, stmt in own:
                    if has_default is None:  # init=False: not a parameter
                        fields.pop(name, None)
                    else:
                        fields[name] = (has_default, stmt, owner)
            if not readable:
                continue
            after = None
            for name, (has_default, stmt, owner) in fields.items():
                if has_default:
                    after = after or name
                elif after is not None:
                    if owner is cls:
                        yield self.violation(stmt.target, field=name, after=after)
                    break


def _dataclass_chain(model: FileModel, cls: ModelClass) -> list[ModelClass] | None:
    """The class and its project bases, base first, when it is a MappedAsDataclass model whose
    bases are all in this file, one per class; None otherwise."""
    chain = [cls]
    dataclass = False
    here = cls
    for _ in range(20):
        if here.node.keywords:
            return None  # kw_only=True, init=False, ...: dataclass options change the rules
        project_bases = []
        for base in here.bases:
            qualified = model.imports.qualify(base) or ""
            if qualified.startswith("sqlalchemy."):
                if qualified.endswith(".MappedAsDataclass"):
                    dataclass = True
                elif not qualified.endswith(("DeclarativeBase", "DeclarativeBaseNoMeta")):
                    return None
                continue
            found = model.class_named(base)
            if found is None:
                return None
            project_bases.append(found)
        if len(here.bases) < len(here.node.bases) or len(project_bases) > 1:
            return None
        if not project_bases:
            return list(reversed(chain)) if dataclass else None
        here = project_bases[0]
        if here in chain:
            return None
        chain.append(here)
    return None


def _fields(model: FileModel, cls: ModelClass) -> list[tuple[str, bool | None, cst.AnnAssign]] | None:
    """(name, has a default (None: init=False), statement) of each dataclass field of the class
    body, in order; None when one cannot be read."""
    if cls.declared_attrs:
        return None
    found = []
    for stmt in cls.node.body.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            return None  # an `if` or `try` in the body
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                if isinstance(small.value, cst.Call) and _construct(model, small.value) is not None:
                    return None  # an unannotated column: not a dataclass field
                continue
            if not isinstance(small, cst.AnnAssign):
                continue
            if not isinstance(small.target, cst.Name):
                return None
            name = small.target.value
            annotation = small.annotation.annotation
            if isinstance(annotation, cst.Subscript):
                annotation = annotation.value
            qualified = model.imports.qualify(dotted_name(annotation) or "") or ""
            if qualified in ("typing.ClassVar", "typing_extensions.ClassVar"):
                continue
            if name.startswith("__") or qualified.rpartition(".")[2] not in _MAPPED_WRAPPERS \
                    or not qualified.startswith("sqlalchemy."):
                return None  # KW_ONLY, a plain annotation, a string annotation: not read
            value = small.value
            if value is None:
                found.append((name, False, small))
                continue
            if not isinstance(value, cst.Call) or _construct(model, value) is None:
                return None  # a plain default, or a helper that may return a mapped_column()
            if any(arg.star for arg in value.args):
                return None
            kwargs = keyword_args(value)
            if "kw_only" in kwargs:
                return None
            if "init" in kwargs:
                init = bool_value(kwargs["init"].value)
                if init is None:
                    return None
                if not init:
                    found.append((name, None, small))
                    continue
            found.append((name, "default" in kwargs or "default_factory" in kwargs, small))
    return found


def _construct(model: FileModel, call: cst.Call) -> str | None:
    symbol = model.imports.symbol(call.func)
    return symbol if symbol in _FIELD_CONSTRUCTS else None
