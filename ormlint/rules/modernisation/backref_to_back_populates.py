"""ORM903: `relationship(..., backref="name")`, the legacy spelling of an explicit pair of
relationships linked by `back_populates`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.model.extract import keyword_args, positional_args
from ormlint.model.names import Bindings, bool_value, dotted_name, statement_bindings, string_value
from ormlint.model.types import FileModel, ModelClass, RelationshipDecl
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.edits import imported_names

# What the backref takes over from its relationship when backref() does not say
# (RelationshipProperty._generate_backref: `kwargs.setdefault(...)`, `foreign_keys`).
_INHERITED = ("viewonly", "post_update", "passive_updates", "sync_backref", "foreign_keys")
# Forward arguments whose reverse SQLAlchemy derives (swapped or re-annotated) rather than copies.
_DERIVED = ("primaryjoin", "secondaryjoin")


class BackrefToBackPopulates(Rule):
    code = "ORM903"
    name = "backref-to-back-populates"
    summary = "`backref=` instead of two relationships linked by `back_populates=` (SQLAlchemy 2.0 style)"
    catches = (
        "`relationship(..., backref=\"name\")` instead of an explicit relationship on the other "
        "class and `back_populates=` on both (SQLAlchemy 2.0 style; fix when the other class is "
        "in the same file, mappers checked identical)"
    )
    message = (
        "{who} creates `{name}` on {target} with `backref=`, legacy since SQLAlchemy 2.0: write "
        "`back_populates=\"{name}\"` here and declare `{name}` on {target} with "
        "`back_populates=\"{attr}\"`{how}"
    )
    what_it_does = """
        Reports each `backref=` argument of a `relationship()` in a class body (a name, or
        `backref("name", ...)`). Opt-in, one of the SQLAlchemy 2.0 modernisation rules (ORM9xx).
        A relationship that also gives `back_populates=` is ORM109's finding, not this one's.
        """
    why_bad = """
        A backref creates an attribute on the other class that its source code never shows: a
        reader of that class, an IDE and a type checker do not know it exists (`user.posts` is
        an error to mypy). SQLAlchemy 2.0 calls `backref` legacy and declares both sides,
        linked by `back_populates`, each with its `Mapped[...]` annotation.
        """
    fix_safety = """
        The fix turns `backref="name"` into `back_populates="name"` and declares `name =
        relationship("Owner", back_populates="attr", ...)` on the other class, after its last
        attribute (after the relationship itself when it refers to its own class), with the
        arguments SQLAlchemy would give the backref: those of `backref(...)`, then `secondary`,
        `foreign_keys`, `viewonly`, `post_update`, `passive_updates` and `sync_backref` from the
        relationship. When the other class uses `Mapped[...]`
        annotations the new attribute gets one: `Mapped[list["Owner"]]` for a collection (one-to-many,
        many-to-many; `set` with `collection_class=set`, `DynamicMapped`/`WriteOnlyMapped` for
        those loaders), `Mapped[Optional["Owner"]]` for a single object (many-to-one, or
        `uselist=False`), when the foreign keys in the file tell the direction, as SQLAlchemy
        decides it; otherwise no annotation. The mappers (each relationship's direction,
        `uselist`, join, `back_populates` pairing, loader and cascade) and the tables (DDL for
        PostgreSQL and SQLite) stay the same (verified by this rule's oracle test). The fix is
        given only when both edits are in this file: a fix is a set of edits to one file, so
        when the other class is in another module (or unknown) the finding has no fix. There is
        no fix either when that class is not one mapped class of this file, already binds the
        name (or a class of its hierarchy does), the relationship has a custom `primaryjoin` or
        `secondaryjoin`, or an argument to copy names something the other class's body would
        see differently (a name bound in this class body, or after the other class is defined).
        The new relationship names its class by a string, as `relationship("Owner")`: another
        mapped class of the same name in the same registry would make it ambiguous (ORM115).
        An import of `backref` the fix leaves unused stays, for your import linter to remove.
        """
    references = (
        "SQLAlchemy: Using the legacy 'backref' relationship parameter, https://docs.sqlalchemy.org/en/20/orm/backref.html",
        "SQLAlchemy: Basic Relationship Patterns, https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html",
    )
    default_enabled = False
    invalid = (
        Invalid(
            example('''
                from sqlalchemy import Column, ForeignKey, Integer
                from sqlalchemy.orm import DeclarativeBase, backref, relationship


                class Base(DeclarativeBase):
                    pass


                class Author(Base):
                    __tablename__ = "author"
                    id = Column(Integer, primary_key=True)
                    books = relationship("Book", backref="author")  # ORM903:34


                class Book(Base):
                    __tablename__ = "book"
                    id = Column(Integer, primary_key=True)
                    author_id = Column(ForeignKey("author.id"))
                    shelf_id = Column(ForeignKey("shelf.id"))
                    shelf = relationship("Shelf", backref=backref("books", cascade="all, delete-orphan"))  # ORM903:35


                class Shelf(Base):
                    __tablename__ = "shelf"
                    id = Column(Integer, primary_key=True)
                '''),
            fixed=example('''
                from sqlalchemy import Column, ForeignKey, Integer
                from sqlalchemy.orm import DeclarativeBase, backref, relationship


                class Base(DeclarativeBase):
                    pass


                class Author(Base):
                    __tablename__ = "author"
                    id = Column(Integer, primary_key=True)
                    books = relationship("Book", back_populates="author")


                class Book(Base):
                    __tablename__ = "book"
                    id = Column(Integer, primary_key=True)
                    author_id = Column(ForeignKey("author.id"))
                    shelf_id = Column(ForeignKey("shelf.id"))
                    shelf = relationship("Shelf", back_populates="books")
                    author = relationship("Author", back_populates="books")


                class Shelf(Base):
                    __tablename__ = "shelf"
                    id = Column(Integer, primary_key=True)
                    books = relationship("Book", back_populates="shelf", cascade="all, delete-orphan")
                '''),
        ),
        Invalid(
            example('''
                from sqlalchemy import ForeignKey
                from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship


                class Base(DeclarativeBase):
                    pass


                class User(Base):
                    __tablename__ = "user_account"
                    id: Mapped[int] = mapped_column(primary_key=True)


                class Address(Base):
                    __tablename__ = "address"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
                    user = relationship("User", backref=backref("addresses", order_by="Address.id"))  # ORM903:33


                class Node(Base):
                    __tablename__ = "node"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    parent_id: Mapped[int | None] = mapped_column(ForeignKey("node.id"))
                    children = relationship("Node", backref=backref("parent", remote_side=[id]))  # ORM903:37
                '''),
            fixed=example('''
                from typing import Optional
                from sqlalchemy import ForeignKey
                from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship


                class Base(DeclarativeBase):
                    pass


                class User(Base):
                    __tablename__ = "user_account"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    addresses: Mapped[list["Address"]] = relationship("Address", back_populates="user", order_by="Address.id")


                class Address(Base):
                    __tablename__ = "address"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
                    user = relationship("User", back_populates="addresses")


                class Node(Base):
                    __tablename__ = "node"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    parent_id: Mapped[int | None] = mapped_column(ForeignKey("node.id"))
                    children = relationship("Node", back_populates="parent")
                    parent: Mapped[Optional["Node"]] = relationship("Node", back_populates="children", remote_side=[id])
                '''),
        ),
    )
    valid = (
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import DeclarativeBase, relationship


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "author"
                id = Column(Integer, primary_key=True)
                books = relationship("Book", back_populates="author")


            class Book(Base):
                __tablename__ = "book"
                id = Column(Integer, primary_key=True)
                author_id = Column(ForeignKey("author.id"))
                author = relationship("Author", back_populates="books")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for rel in model.relationships:
            arg = rel.kwargs.get("backref")
            if arg is None or arg not in rel.node.args or "back_populates" in rel.kwargs:
                continue  # none, from a dict (sqlmodel), or ORM109's finding
            if isinstance(arg.value, cst.Name) and arg.value.value == "None":
                continue
            backref = _parse_backref(model, arg.value)
            name = backref.name if backref is not None else None
            target = f"`{rel.target}`" if rel.target else "the other class"
            fix, why_not = _explicit_pair(model, rel, arg, backref)
            if fix is not None:
                how = "; the fix does so"
            elif why_not:
                how = f" (no automatic fix: {why_not})"
            else:
                how = ""
            yield self.violation(
                arg, fix, who=f"`{rel.attr}`" if rel.attr else "A relationship", attr=rel.attr or "...",
                target=target, name=name or "...", how=how,
            )


@dataclass(frozen=True)
class _Backref:
    name: str
    name_node: cst.BaseExpression  # the string literal, as written
    arguments: tuple[cst.Arg, ...]  # backref()'s keyword arguments


def _parse_backref(model: FileModel, value: cst.BaseExpression) -> _Backref | None:
    """`"name"` or `backref("name", **literal keywords)`; None for anything else."""
    name = string_value(value)
    if name is not None:
        return _Backref(name, value, ()) if name.isidentifier() else None
    if not (isinstance(value, cst.Call) and model.imports.symbol(value.func) == "backref"):
        return None
    positional = positional_args(value)
    if len(positional) != 1 or any(arg.star for arg in value.args):
        return None
    name = string_value(positional[0].value)
    if name is None or not name.isidentifier():
        return None
    return _Backref(name, positional[0].value, tuple(a for a in value.args if a.keyword is not None))


def _explicit_pair(
    model: FileModel, rel: RelationshipDecl, arg: cst.Arg, backref: _Backref | None
) -> tuple[Fix | None, str]:
    """The fix (both edits), or why there is none ("" when nothing worth saying)."""
    if backref is None or rel.target is None:
        return None, ""
    if not any(cls.name == rel.target.rpartition(".")[2] for cls in model.classes):
        return None, f"{rel.target} is not in this file, and a fix edits one file"
    if "." in rel.target:
        return None, ""
    owner = _top_level_class(model, rel.owner)
    statement = _class_statement(owner, rel) if owner is not None else None
    # (a relationship in a class body works on a mapped class only: SQLAlchemy refuses one on a
    # mixin or an abstract class, "must be declared as @declared_attr callables")
    if owner is None or statement is None or owner.imperative or owner.kind in ("base", "abstract"):
        return None, ""
    target = _top_level_class(model, rel.target)
    if target is None or not _mapped(target):
        return None, ""
    if model.imports.symbol(rel.node.func) not in ("relationship", "relation"):
        return None, ""
    forward = keyword_args(rel.node)
    if len(positional_args(rel.node)) != 1 or any(a.star for a in rel.node.args):
        return None, ""
    if any(name in forward for name in _DERIVED):
        return None, "a custom join condition"
    self_referential = target is owner
    if not self_referential and target.name in _hierarchy(model, owner):
        return None, ""  # one inherits from the other
    if _binds(model, target, backref.name):
        return None, f"{target.name} already binds `{backref.name}`"
    arguments: dict[str, cst.BaseExpression] = {}
    if "secondary" in forward:
        arguments["secondary"] = forward["secondary"].value
    given = {a.keyword.value: a.value for a in backref.arguments if a.keyword is not None}
    for name in _INHERITED:
        if name in forward and name not in given:
            arguments[name] = forward[name].value
    arguments.update(given)
    shape = _reverse_shape(model, owner, target, forward, given)
    if shape is _NO_FIX:
        return None, ""
    if self_referential:
        anchor = statement
        portable = all(rel.attr not in _names(value) for value in arguments.values())
    else:
        anchor = _last_assignment(target)
        bound = _module_names_before(model, target.node)
        local = _class_names(owner.node) | _class_names(target.node)
        portable = all(_portable(value, bound, local) for value in (*arguments.values(), rel.node.func))
    if anchor is None or not portable:
        return None, "" if anchor is None else "an argument would mean something else on the other class"
    return _fix(model, owner, target, rel, arg, backref, arguments, shape, anchor)


def _top_level_class(model: FileModel, name: str | None) -> ModelClass | None:
    """The class of this name, when the file has exactly one and at module level."""
    found = [cls for cls in model.classes if cls.name == name]
    if len(found) != 1 or found[0].node not in model.module.body:
        return None
    if isinstance(found[0].node.body, cst.SimpleStatementSuite):
        return None
    return found[0]


def _mapped(cls: ModelClass) -> bool:
    """The target is declaratively mapped: its base is mapped, or comes from another module
    (`relationship("Name")` found a mapped class of that name), or it names its table."""
    if cls.imperative:
        return False
    return cls.kind in ("mapped", "unknown") or (cls.kind == "mixin" and cls.tablename is not None)


def _class_statement(cls: ModelClass, rel: RelationshipDecl) -> cst.SimpleStatementLine | None:
    """The top-level `attr = relationship(...)` statement of the class body, when it is one."""
    if rel not in cls.relationships or rel.attr is None:
        return None
    if sum(1 for a in cls.assignments if a.attr == rel.attr) != 1:
        return None
    for stmt in cls.node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is rel.node:
                return stmt
    return None


def _last_assignment(cls: ModelClass) -> cst.SimpleStatementLine | None:
    last = None
    for stmt in cls.node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[-1], (cst.Assign, cst.AnnAssign)):
            last = stmt
    return last


def _parents(model: FileModel, cls: ModelClass) -> list[ModelClass]:
    return [p for base in cls.bases if (p := model.class_named(base)) is not None and p is not cls]


def _hierarchy(model: FileModel, cls: ModelClass) -> set[str]:
    """The class and the classes of this file it inherits from or that inherit from it."""
    ancestors: set[str] = set()
    stack = [cls]
    while stack:
        current = stack.pop()
        if current.name not in ancestors:
            ancestors.add(current.name)
            stack.extend(_parents(model, current))
    descendants = {cls.name}
    grew = True
    while grew:
        grew = False
        for other in model.classes:
            if other.name not in descendants and any(p.name in descendants for p in _parents(model, other)):
                descendants.add(other.name)
                grew = True
    return ancestors | descendants


def _binds(model: FileModel, cls: ModelClass, name: str) -> bool:
    """A class of `cls`'s hierarchy in this file binds `name` in its body."""
    family = _hierarchy(model, cls)  # once: the walk is over every class of the file
    return any(name in _class_names(other.node) for other in model.classes if other.name in family)


def _class_names(node: cst.ClassDef) -> set[str]:
    bindings = Bindings()
    for stmt in node.body.body:
        statement_bindings(stmt, bindings)
    return bindings.names


def _module_names_before(model: FileModel, node: cst.ClassDef) -> set[str]:
    bindings = Bindings()
    for stmt in model.module.body:
        if stmt is node:
            break
        statement_bindings(stmt, bindings)
    return bindings.names


_LITERAL_NAMES = {"True", "False", "None"}


def _names(expr: cst.CSTNode) -> set[str]:
    """Names an expression reads when evaluated (lambda bodies aside: they run later, in the
    module's scope); attribute tails and keywords are not names."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        elif isinstance(node, cst.Lambda):
            stack.extend(p.default for p in node.params.params if p.default is not None)
        elif isinstance(node, (cst.CompFor, cst.NamedExpr)):
            found.add("<scope>")  # binds names of its own: not moved
        else:
            stack.extend(node.children)
    return found


def _portable(expr: cst.CSTNode, module_names: set[str], class_names: set[str]) -> bool:
    """The expression means the same in the other class's body: every name it reads is a literal
    or a module-level name bound before that class, which neither class body rebinds."""
    import builtins

    for name in _names(expr):
        if name in _LITERAL_NAMES:
            continue
        if name in class_names:
            return False
        if name not in module_names and not (hasattr(builtins, name) and not name.startswith("_")):
            return False
    return True


# -- the reverse side's shape -----------------------------------------------------------------------


_NO_FIX = "no fix"


def _reverse_shape(
    model: FileModel, owner: ModelClass, target: ModelClass,
    forward: dict[str, cst.Arg], given: dict[str, cst.BaseExpression],
) -> str | None:
    """What the backref holds, as SQLAlchemy decides it from the foreign keys: "collection",
    "scalar", None when the file does not tell; _NO_FIX for a self-referential relationship
    whose sides are unclear."""
    uselist = given.get("uselist")
    if uselist is not None and bool_value(uselist) is None:
        return None
    if "secondary" in forward:
        return _with_uselist("collection", uselist)
    if target is owner:
        return _self_referential(model, owner, forward, given, uselist)
    if "foreign_keys" in forward or "foreign_keys" in given or "remote_side" in forward:
        return None
    owner_to_target = _references(model, owner, target)
    target_to_owner = _references(model, target, owner)
    if owner_to_target and not target_to_owner:  # many-to-one: the backref is one-to-many
        return _with_uselist("collection", uselist)
    if target_to_owner and not owner_to_target:  # one-to-many: the backref is many-to-one
        return "scalar"
    return None


def _with_uselist(shape: str, uselist: cst.BaseExpression | None) -> str:
    return "scalar" if bool_value(uselist) is False else shape


def _tables(model: FileModel, cls: ModelClass) -> set[str]:
    """The tables a class's columns live in (its own, and its parents' in this file)."""
    tables: set[str] = set()
    stack = [cls]
    seen: set[str] = set()
    while stack:
        current = stack.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        if current.tablename:
            tables.add(current.tablename)
        stack.extend(_parents(model, current))
    return tables


def _columns(model: FileModel, cls: ModelClass):
    stack, seen = [cls], set()
    while stack:
        current = stack.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        yield from current.columns
        stack.extend(_parents(model, current))


def _references(model: FileModel, cls: ModelClass, other: ModelClass) -> bool:
    """A column of `cls` (or of its parents in this file) has a foreign key to `other`'s table."""
    tables = _tables(model, other)
    return any(
        fk.target is not None and fk.target.rpartition(".")[0] in tables
        for column in _columns(model, cls) for fk in column.foreign_keys
    )


def _self_referential(
    model: FileModel, cls: ModelClass, forward: dict[str, cst.Arg],
    given: dict[str, cst.BaseExpression], uselist: cst.BaseExpression | None,
) -> str | None:
    """A relationship to its own class: the side whose `remote_side` names the referenced
    column is the many-to-one, the other the one-to-many (without `remote_side` on either,
    both are one-to-many and SQLAlchemy refuses the pair: ORM111)."""
    if "foreign_keys" in forward or "foreign_keys" in given:
        return _NO_FIX
    keys = [
        (column, fk) for column in cls.columns for fk in column.foreign_keys
        if fk.target is not None and fk.target.rpartition(".")[0] == cls.tablename
    ]
    if len(keys) != 1 or cls.tablename is None:
        return _NO_FIX
    column, fk = keys[0]
    referenced = next((c for c in cls.columns if c.name == fk.target.rpartition(".")[2]), None)
    if referenced is None or referenced.attr is None or column.attr is None:
        return _NO_FIX

    def side(expr: cst.BaseExpression | None) -> str | None:
        if expr is None:
            return None
        text = string_value(expr)
        try:
            node = cst.parse_expression(text.strip()) if text is not None else expr
        except Exception:
            return "?"
        items = node.elements if isinstance(node, (cst.List, cst.Tuple, cst.Set)) else [node]
        names = {(dotted_name(getattr(item, "value", item)) or "?").rpartition(".")[2] for item in items}
        return {frozenset({referenced.attr}): "referenced", frozenset({column.attr}): "key"}.get(frozenset(names), "?")

    forward_side = side(forward["remote_side"].value if "remote_side" in forward else None)
    reverse_side = side(given.get("remote_side"))
    if forward_side == "referenced" and reverse_side is None:  # many-to-one: reverse one-to-many
        return _with_uselist("collection", uselist)
    if forward_side is None and reverse_side == "referenced":  # one-to-many: reverse many-to-one
        return "scalar"
    return _NO_FIX


# -- the edits ----------------------------------------------------------------------------------------


def _fix(
    model: FileModel, owner: ModelClass, target: ModelClass, rel: RelationshipDecl, arg: cst.Arg,
    backref: _Backref, arguments: dict[str, cst.BaseExpression], shape: str | None,
    anchor: cst.SimpleStatementLine,
) -> tuple[Fix | None, str]:
    code = model.module.code_for_node
    quote = code(backref.name_node)[-1] if isinstance(backref.name_node, cst.SimpleString) else '"'
    owner_ref = f"{quote}{owner.name}{quote}"
    annotation, import_edits = _annotation(model, target, owner_ref, shape, arguments)
    parts = [owner_ref, f"back_populates={quote}{rel.attr}{quote}"]
    parts += [f"{name}={code(value)}" for name, value in arguments.items()]
    indent = target.node.body.indent if target.node.body.indent is not None else model.module.default_indent
    new = f"{backref.name}{annotation} = {code(rel.node.func)}({', '.join(parts)})"
    forward_edits: list[tuple[cst.CSTNode, str]] = [(arg.keyword, "back_populates")]
    if arg.value is not backref.name_node:
        forward_edits.append((arg.value, code(backref.name_node)))
    newline = anchor.trailing_whitespace.newline
    return Fix(
        message=f"declare `{backref.name}` on {target.name} and link the two with `back_populates`",
        replacements=(*forward_edits, (newline, f"\n{indent}{new}\n"), *import_edits),
    ), ""


def _annotation(
    model: FileModel, target: ModelClass, owner_ref: str, shape: str | None,
    arguments: dict[str, cst.BaseExpression],
) -> tuple[str, tuple[tuple[cst.CSTNode, str], ...]]:
    """`: Mapped[...]` when the other class is annotated and the shape is known, else ""."""
    annotated = any(c.annotation is not None for c in target.columns) or any(
        r.annotation is not None for r in target.relationships
    ) or bool(target.bare_mapped)
    if not annotated or shape is None:
        return "", ()
    lazy = string_value(arguments["lazy"]) if "lazy" in arguments else "select"
    collection_class = arguments.get("collection_class")
    if shape == "scalar":
        wanted, wrapper, inner = [("sqlalchemy.orm", "Mapped"), ("typing", "Optional")], "Mapped", "Optional[{}]"
    elif lazy in ("dynamic", "write_only"):
        wrapper = "DynamicMapped" if lazy == "dynamic" else "WriteOnlyMapped"
        wanted, inner = [("sqlalchemy.orm", wrapper)], "{}"
    elif collection_class is None:
        wanted, wrapper, inner = [("sqlalchemy.orm", "Mapped")], "Mapped", "list[{}]"
    elif isinstance(collection_class, cst.Name) and collection_class.value == "set":
        wanted, wrapper, inner = [("sqlalchemy.orm", "Mapped")], "Mapped", "set[{}]"
    else:
        return "", ()
    if "lazy" in arguments and lazy is None:
        return "", ()
    for builtin in ("list", "set"):
        if inner.startswith(builtin) and builtin in model.module_bindings:
            return "", ()
    resolved = imported_names(model, wanted)
    if resolved is None:
        return "", ()
    names, edits = resolved
    if _class_names(target.node) & {n.partition(".")[0] for n in names.values()}:
        return "", ()  # the class body would shadow a name the annotation uses
    if "Optional" in names:
        inner = inner.replace("Optional", names["Optional"])
    return f": {names[wrapper]}[{inner.format(owner_ref)}]", edits
