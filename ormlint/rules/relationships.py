"""ORM1xx: relationship() configuration."""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.model.names import bool_value, string_value
from ormlint.model.types import FileModel, ModelClass, RelationshipDecl
from ormlint.project import (
    ClassFacts,
    ColumnFacts,
    ProjectIndex,
    RelationshipFacts,
    annotation_shape,
)
from ormlint.rules.base import Fix, ProjectRule, ProjectViolation, Rule, Violation, example


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


def _contains(expr: cst.CSTNode, node: cst.CSTNode) -> bool:
    if expr is node:
        return True
    return isinstance(expr, (cst.List, cst.Tuple)) and any(e.value is node for e in expr.elements)


def _models(body: str) -> str:
    """An example module: the imports and Base that every relationship example shares."""
    header = (
        "from typing import Optional\n\n"
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n\n\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    return header + example(body)


class BackPopulatesMissing(ProjectRule):
    code = "ORM102"
    name = "back-populates-missing"
    summary = "`back_populates` names an attribute the target class does not have"
    catches = '`back_populates="x"` where the target class (in any file) has no `x` (project)'
    message = (
        '`back_populates="{attr}"`: class `{target}` ({target_path}) has no attribute `{attr}`; '
        "name the relationship on `{target}` that points back to `{owner}`"
    )
    what_it_does = """
        Checks every `relationship(..., back_populates="name")` against the target class found
        anywhere in the project: the class, its mixins and bases must define `name`. Runs only
        when a whole project is checked (a directory), and stays silent when the target class or
        one of its bases cannot be found or lies in a file that cannot be parsed, since what is
        unknown is not wrong. Another file that cannot be parsed silences it only when the file
        cannot be read at all.
        """
    why_bad = """
        Nothing fails at import. At mapper configuration, which is the first query in production,
        SQLAlchemy raises `InvalidRequestError: Mapper 'Mapper[Child(child)]' has no property
        'parent_node'` (verified by this rule's oracle test). A rename on one side of a pair is
        the usual cause.
        """
    invalid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent_node")  # ORM102


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )
    valid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.class_names_complete:
            return
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.back_populates or not rel.target:
                    continue
                found = index.resolve_class(rel.target, prefer_path=path)
                if found is None:
                    continue
                target_path, target = found
                attributes = index.attributes(target_path, target)
                if attributes is None or rel.back_populates in attributes:
                    continue
                yield self.project_violation(
                    path, rel.back_populates_location or rel.location,
                    attr=rel.back_populates, target=target.name, target_path=target_path,
                    owner=cls.name,
                )


class BackPopulatesNotReciprocal(ProjectRule):
    code = "ORM103"
    name = "back-populates-not-reciprocal"
    summary = "a `back_populates` pair that does not point back (the other side is one-way)"
    catches = (
        "a `back_populates` pair whose other side does not point back: it syncs one way only "
        "(project)"
    )
    message = "`{owner}.{attr}` has `back_populates=\"{other}\"`, but `{target}.{other}` {problem}: {advice}"
    what_it_does = """
        Checks that when `A.x = relationship("B", back_populates="y")`, the relationship `B.y`
        names `x` in its own `back_populates`. Both sides must be found in the checked files.
        Silent when either side is `viewonly` (nothing synchronises into it) and when several
        relationships name `B.y` (it can point back to one of them only). When one side goes
        through an association table (`secondary=`) and the other does not, they are two
        different links that can never be a pair: the message says so instead of asking for the
        missing `back_populates`.
        """
    why_bad = """
        SQLAlchemy configures this without error or warning, and the pair then synchronises in
        one direction only: appending to `parent.children` sets `child.parent`, but
        `Child(parent=parent)` does not appear in `parent.children` until the session is
        flushed and the collection reloaded (verified by this rule's oracle test). Code that reads
        the collection in the same unit of work sees stale data.

        A many-to-many through an association table that names a many-to-one (or one-to-many)
        on a foreign key in `back_populates` is worse: SQLAlchemy 2.0 and 2.1 configure it
        silently and write one link from the other. In the oracle test, `user.teams.append(team)`
        also made the user the team's `owner` (`team.owner_id` set on flush); adding the
        `back_populates` the other side lacks would also add a `membership` row for every
        `Team(owner=user)`. The two sides need two pairs: the many-to-many with a relationship
        through the same `secondary=` table, the foreign key with its own reverse relationship.
        """
    invalid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")  # ORM103


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship()
            '''),
        _models('''
            from sqlalchemy import Column, Table

            membership = Table(
                "membership",
                Base.metadata,
                Column("user_id", ForeignKey("user_account.id"), primary_key=True),
                Column("team_id", ForeignKey("team.id"), primary_key=True),
            )


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                teams: Mapped[list["Team"]] = relationship(secondary=membership, back_populates="owner")  # ORM103


            class Team(Base):
                __tablename__ = "team"
                id: Mapped[int] = mapped_column(primary_key=True)
                owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
                owner: Mapped[Optional[User]] = relationship()
            '''),
    )
    valid = (
        *BackPopulatesMissing.valid,
        _models('''
            from sqlalchemy import Column, Table

            membership = Table(
                "membership",
                Base.metadata,
                Column("user_id", ForeignKey("user_account.id"), primary_key=True),
                Column("team_id", ForeignKey("team.id"), primary_key=True),
            )


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                teams: Mapped[list["Team"]] = relationship(secondary=membership, back_populates="members")
                owned_teams: Mapped[list["Team"]] = relationship(back_populates="owner")


            class Team(Base):
                __tablename__ = "team"
                id: Mapped[int] = mapped_column(primary_key=True)
                owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
                owner: Mapped[Optional[User]] = relationship(back_populates="owned_teams")
                members: Mapped[list[User]] = relationship(secondary=membership, back_populates="teams")
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        # (target class, attribute) -> how many relationships name it in `back_populates`: one
        # attribute can point back to one of them only, so several make one-way pairs by design
        # (an "active key" and "old keys" view of one foreign key), and any fix breaks another.
        claims: Counter[tuple[str, str, str]] = Counter()
        pending = []
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.back_populates or not rel.target:
                    continue
                found = index.resolve_class(rel.target, prefer_path=path)
                if found is None:
                    continue
                claims[found[0], found[1].name, rel.back_populates] += 1
                pending.append((path, cls, rel, found))
        for path, cls, rel, (target_path, target) in pending:
            if claims[target_path, target.name, rel.back_populates] > 1:
                continue
            other = next((r for r in target.relationships if r.attr == rel.back_populates), None)
            if other is None or other.back_populates == rel.attr or other.has_unknown_kwargs:
                continue
            if "viewonly" in rel.keywords or "viewonly" in other.keywords:
                continue  # nothing synchronises into a viewonly side: the advice would change nothing
            if other.back_populates is None:
                problem = "has no `back_populates`"
            elif other.target == cls.name:
                own = index.attributes(path, cls)
                if own is None or other.back_populates not in own:
                    continue  # `other` names a missing attribute: that is ORM102's finding
                problem = f'points back to `{other.back_populates}` instead'
            else:
                continue  # it pairs with another class (e.g. a subclass): not ours to judge
            advice = f'add `back_populates="{rel.attr}"` to `{target.name}.{rel.back_populates}`'
            if not rel.has_unknown_kwargs and _through_secondary(rel) != _through_secondary(other):
                problem, advice = _not_a_pair(cls.name, rel, target.name, other)
            yield self.project_violation(
                path, rel.back_populates_location or rel.location,
                owner=cls.name, attr=rel.attr, other=rel.back_populates,
                target=target.name, problem=problem, advice=advice,
            )


def _through_secondary(rel: RelationshipFacts) -> bool:
    return "secondary" in rel.keywords


def _not_a_pair(
    owner: str, rel: RelationshipFacts, target: str, other: RelationshipFacts
) -> tuple[str, str]:
    """ORM103's problem and advice when one side goes through an association table and the
    other joins on a foreign key: two links, which `back_populates` would write into each other."""
    this, that = f"{owner}.{rel.attr}", f"{target}.{other.attr}"
    many = rel if _through_secondary(rel) else other
    secondary = many.secondary_table or many.secondary_name
    table = f"the association table `{secondary}`" if secondary else "an association table"
    if many is rel:
        problem = f"joins on a foreign key while `{this}` goes through {table}"
    else:
        problem = f"goes through {table} while `{this}` joins on a foreign key"
    advice = (
        f"two different links, which SQLAlchemy would write into each other (a change to "
        f"`{this}` also changes `{that}`); do not pair them: pair the many-to-many with a "
        f"relationship through the same `secondary=`, the foreign key with one that joins on "
        f"it, or drop this `back_populates`"
    )
    return problem, advice


class RelationshipTargetNotFound(ProjectRule):
    code = "ORM104"
    name = "relationship-target-not-found"
    summary = "relationship target class (a string) is not defined anywhere in the project"
    catches = '`relationship("Adress")`: no such class anywhere in the project (project)'
    message = (
        'relationship target "{target}" is not a class defined in the project: check the '
        "spelling, or list it in `external-models` if it is defined outside the checked code"
    )
    what_it_does = """
        Checks that the class named by a string target, `relationship("Address")` or
        `relationship("app.models.Address")`, is defined in some file of the project. Runs only
        when a whole project is checked and the name is not listed in `[tool.ormlint]
        external-models`. A file that cannot be parsed still counts with the class statements of
        its text (`class Address` there silences the rule; a name it does not mention is judged);
        a file that cannot be read or decoded silences the rule.
        """
    why_bad = """
        Strings are resolved lazily, at mapper configuration: import succeeds and the first query
        raises `InvalidRequestError: When initializing mapper Mapper[User(user_account)],
        expression 'Adress' failed to locate a name ('Adress')` (verified by this rule's oracle
        test).
        """
    invalid = (
        _models('''

            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship("Adress")  # ORM104


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )
    valid = (
        _models('''

            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship("Address")


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.class_names_complete:
            return
        for path, cls in index.classes():
            for rel in cls.relationships:
                if rel.target_location is None or not rel.target:  # only string targets
                    continue
                if rel.target in index.classes_by_name or rel.target in index.external_models:
                    continue
                yield self.project_violation(path, rel.target_location, target=rel.target)


# -- the project's tables, as SQLAlchemy would join them -----------------------------------------
#
# ORM105-ORM108 need what SQLAlchemy computes at mapper configuration: which foreign keys link a
# relationship's two tables (`sqlalchemy.sql.selectable.Join._joincond_scan_left_right`). The
# model below mirrors it for mapped classes whose table and every column can be seen: the class
# names its table literally (or shares its parent's, single-table inheritance), every base is in
# the project, and its foreign keys are written as "table.column" strings. Anything else is
# unknown, and unknown is not wrong. Foreign keys the index cannot see (a `ForeignKeyConstraint`
# in `__table_args__`, `ForeignKey(Parent.id)`) only ever add paths: a relationship with one
# visible path and a hidden second one fails to configure anyway.

ClassKey = tuple[str, str]  # (path, class name)
TableKey = tuple[tuple[str, str], str]  # (declarative root, table name)


@dataclass(frozen=True)
class _FkPath:
    """One foreign-key constraint between a relationship's tables (column-level: one column)."""

    table: TableKey  # the table holding the foreign key
    column: str
    ref_table: TableKey
    ref_column: str
    on_owner: bool  # the foreign key is in the relationship owner's tables (many-to-one)

    def describe(self) -> str:
        return f"{self.table[1]}.{self.column} -> {self.ref_table[1]}.{self.ref_column}"


@dataclass
class _MappedInfo:
    path: str
    cls: ClassFacts
    root: tuple[str, str]
    table: TableKey  # the local table (the parent's, for single-table inheritance)
    tables: tuple[TableKey, ...]  # the local table, then the inherited tables (joined inheritance)
    hierarchy: tuple[ClassKey, ...]  # this class, then its mapped ancestors
    columns_by_attr: dict[str, ColumnFacts]  # the columns this class adds to `table`

    @property
    def key(self) -> ClassKey:
        return (self.path, self.cls.name)


_UNKNOWN = object()


class _Schema:
    @staticmethod
    def of(index: ProjectIndex) -> "_Schema":
        """The index's schema, built once and shared by the rules that read it (its caches are
        a function of the index alone)."""
        schema = index.derived.get("relationship_schema")
        if schema is None:
            schema = index.derived["relationship_schema"] = _Schema(index)
        return schema

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._infos: dict[ClassKey, _MappedInfo | None] = {}
        self._columns: dict[TableKey, dict[str, ColumnFacts] | None] | None = None

    # -- classes ----------------------------------------------------------------------------

    def info(self, path: str, cls: ClassFacts) -> _MappedInfo | None:
        key = (path, cls.name)
        if key not in self._infos:
            self._infos[key] = None  # cycles in bases end here
            self._infos[key] = self._build_info(path, cls)
        return self._infos[key]

    def target(self, path: str, rel: RelationshipFacts) -> _MappedInfo | None:
        if not rel.target:
            return None
        found = self.index.resolve_class(rel.target, prefer_path=path)
        return self.info(*found) if found is not None else None

    def _build_info(self, path: str, cls: ClassFacts) -> _MappedInfo | None:
        index = self.index
        if cls.kind in ("mixin", "abstract", "base"):
            return None
        if index.attributes(path, cls) is None:
            return None  # a base from outside the project may add columns
        root = index.declarative_root(path, cls)
        if root is None:
            return None
        part = index.class_part(path, cls)
        parents = index.mapped_bases(cls)
        if part.redeclared or not part.bases_known or parents is None or len(parents) > 1:
            return None  # a column declared twice (which one counts?), or bases unknown
        parent = parents[0] if parents else None
        columns = {d.fact.attr: d.fact for d in part.columns if d.fact.attr}
        parent_info = self.info(*parent) if parent is not None else None
        if parent is not None and parent_info is None:
            return None
        mapped = index.table_of(path, cls)
        if mapped is None:
            return None  # `__table__`, a computed `__tablename__`, a generated name
        if mapped.path == path and mapped.class_name == cls.name:
            # (a schema that cannot be read is taken for the default: a foreign key naming the
            # table without one fails to configure unless it is)
            name = f"{mapped.schema}.{mapped.name}" if mapped.schema and mapped.schema_known else mapped.name
            table: TableKey = (root, name)
            inherited = parent_info.tables if parent_info is not None else ()
            tables = (table,) + tuple(t for t in inherited if t != table)
        elif parent_info is not None:
            table, tables = parent_info.table, parent_info.tables
        else:
            return None
        hierarchy = ((path, cls.name),) + (parent_info.hierarchy if parent_info else ())
        return _MappedInfo(path, cls, root, table, tables, hierarchy, columns)

    # -- tables -----------------------------------------------------------------------------

    def columns(self, table: TableKey) -> dict[str, ColumnFacts] | None:
        """Column name -> facts for a table mapped by classes of the project; None if unknown
        (two classes claim it, or they declare one column with different foreign keys)."""
        if self._columns is None:
            self._columns = self._build_columns()
        return self._columns.get(table)

    def _build_columns(self) -> dict[TableKey, dict[str, ColumnFacts] | None]:
        tables: dict[TableKey, dict[str, ColumnFacts] | None] = {}
        owners: dict[TableKey, int] = defaultdict(int)
        for path, cls in self.index.classes():
            info = self.info(path, cls)
            if info is None:
                continue  # its columns stay unseen: they could only add foreign-key paths
            if cls.tablename:
                owners[info.table] += 1
            current = tables.setdefault(info.table, {})
            if current is None:
                continue
            for column in info.columns_by_attr.values():
                if not column.name:
                    continue
                other = current.setdefault(column.name, column)
                if {t for t, _ in other.foreign_keys} != {t for t, _ in column.foreign_keys} or (
                    set(other.class_foreign_keys) != set(column.class_foreign_keys)
                ):
                    tables[info.table] = None
                    break
        for table, count in owners.items():
            if count != 1:
                tables[table] = None  # two classes map one table name: not ours to untangle
        return tables

    def foreign_keys(self, table: TableKey) -> list[tuple[str, TableKey, str]] | None:
        """(column, referenced table, referenced column) for each visible foreign key."""
        columns = self.columns(table)
        if columns is None:
            return None
        found = []
        for name, column in columns.items():
            for target, _ in column.foreign_keys:
                qualified, _, referenced = target.rpartition(".")  # "[schema.]table", "column"
                if qualified:
                    found.append((name, (table[0], qualified), referenced))
            for ref in column.class_foreign_keys:  # ForeignKey(User.id)
                class_name, _, attr = ref.partition(".")
                resolved = self.index.resolve_class(class_name)
                info = self.info(*resolved) if resolved is not None else None
                referenced = info.columns_by_attr.get(attr) if info is not None else None
                if info is not None and referenced is not None and referenced.name:
                    found.append((name, info.table, referenced.name))
        return found

    def join(
        self, owner: _MappedInfo, target: _MappedInfo, consider: frozenset[tuple[TableKey, str]] | None
    ) -> list[_FkPath] | None:
        """The foreign-key constraints SQLAlchemy would find between the two classes' tables
        (None: cannot tell). `consider`: the columns named by `foreign_keys=`."""
        if owner.root != target.root:
            return None
        self_referential = owner.key == target.key
        if not self_referential and set(owner.hierarchy) & set(target.hierarchy):
            return None  # within one inheritance hierarchy: the inheritance key joins too
        if self_referential and len(owner.tables) != 1:
            return None
        fks: dict[TableKey, list] = {}
        for table in set(owner.tables) | set(target.tables):
            found = self.foreign_keys(table)
            if found is None:
                return None
            fks[table] = found
        target_tables = set(target.tables)
        paths: list[_FkPath] = []
        lefts = [(owner.table,), owner.tables] if len(owner.tables) > 1 else [owner.tables]
        for left in lefts:
            left_tables = set(left)
            for table in target.tables:
                for column, ref_table, ref_column in fks[table]:
                    if ref_table in left_tables:
                        paths.append(_FkPath(table, column, ref_table, ref_column, False))
            if not self_referential:
                for table in left:
                    for column, ref_table, ref_column in fks[table]:
                        if ref_table in target_tables:
                            paths.append(_FkPath(table, column, ref_table, ref_column, True))
            if consider is not None:
                paths = [p for p in paths if (p.table, p.column) in consider]
            if paths:
                break
        for path in paths:  # a key naming a missing column fails differently (ORM602)
            referenced = self.columns(path.ref_table)
            if referenced is None or path.ref_column not in referenced:
                return None
        unique = list(dict.fromkeys(paths))
        if consider is not None and len(unique) > 1:
            unique = [p for p in unique if {(p.table, p.column)} == consider]
        return unique

    def consider(self, owner: _MappedInfo, rel: RelationshipFacts) -> frozenset[tuple[TableKey, str]] | None | object:
        """The columns of `foreign_keys=`; None when not given; _UNKNOWN when not resolvable."""
        if "foreign_keys" not in rel.keywords:
            return None
        if not rel.foreign_keys_refs:
            return _UNKNOWN
        found = set()
        for ref in rel.foreign_keys_refs:
            class_name, _, attr = ref.rpartition(".")
            if class_name:
                resolved = self.index.resolve_class(class_name, prefer_path=owner.path)
                info = self.info(*resolved) if resolved is not None else None
            else:
                info = owner
                if not any(c.attr == attr for c in owner.cls.columns):
                    return _UNKNOWN  # a bare name is one bound above, in the class body
            column = info.columns_by_attr.get(attr) if info is not None else None
            if info is None or column is None or not column.name:
                return _UNKNOWN
            found.add((info.table, column.name))
        return frozenset(found)

    # -- relationships ----------------------------------------------------------------------

    def relationships(self) -> Iterator[tuple[_MappedInfo, RelationshipFacts]]:
        """Relationships declared in the bodies of mapped classes whose table is known."""
        for path, cls in self.index.classes():
            if not cls.relationships:
                continue
            info = self.info(path, cls)
            if info is None:
                continue
            names = [rel.attr for rel in cls.relationships]
            for rel in cls.relationships:
                # declared twice (in `if`/`else` branches): which one runs is not known here
                if not rel.has_unknown_kwargs and names.count(rel.attr) == 1:
                    yield info, rel

    def paths(self, owner: _MappedInfo, rel: RelationshipFacts, target: _MappedInfo) -> list[_FkPath] | None:
        """The join paths of a relationship without `primaryjoin`/`secondary`."""
        if rel.keywords & {"primaryjoin", "secondaryjoin", "secondary"}:
            return None
        consider = self.consider(owner, rel)
        if consider is _UNKNOWN:
            return None
        return self.join(owner, target, consider)  # type: ignore[arg-type]

    @staticmethod
    def is_sibling(a: _MappedInfo, b: _MappedInfo) -> bool:
        """Two classes of one inheritance hierarchy on different branches (SQLAlchemy's
        `Mapper.is_sibling`)."""
        return (
            a.hierarchy[-1] == b.hierarchy[-1]
            and a.key not in b.hierarchy
            and b.key not in a.hierarchy
        )


def _cascade_options(text: str) -> list[str]:
    """The options SQLAlchemy reads from a cascade string (`CascadeOptions.from_string`)."""
    return [c for c in re.split(r"\s*,\s*", text) if c]


def _name(info: _MappedInfo, rel: RelationshipFacts) -> str:
    return f"`{info.cls.name}.{rel.attr}`"


def _linked(a: RelationshipFacts, b: RelationshipFacts) -> bool:
    """One names the other in `back_populates`, or one's `backref=` is the other's name."""
    return b.attr in (a.back_populates, a.backref) or a.attr in (b.back_populates, b.backref)


class OverlappingRelationshipsNotLinked(ProjectRule):
    code = "ORM105"
    name = "overlapping-relationships-not-linked"
    summary = "two relationships write the same foreign-key column and are not linked by `back_populates`"
    catches = (
        "two relationships write the same foreign-key column without `back_populates`/`backref` "
        'linking them (nor `viewonly`/`overlaps`): SAWarning "will copy column … conflicts", and '
        "one side's changes are lost (project)"
    )
    message = "{name} writes `{column}`, as {others} also does, but they are not linked: {fix}"
    what_it_does = """
        Finds relationships that SQLAlchemy would have write the same foreign-key column when
        they are not linked to each other: the usual case is `Parent.children =
        relationship("Child")` and `Child.parent = relationship("Parent")` with no
        `back_populates` on either, or a `backref="parent"` on one side while the other side
        declares its own differently named relationship. Relationships with `viewonly=`,
        `overlaps=`, `primaryjoin=` or `secondary=` are left alone, and so are those whose classes,
        tables or foreign keys cannot all be seen (the classes may be in different files).
        """
    why_bad = """
        SQLAlchemy warns when the mappers are configured, that is at the first query:
        `SAWarning: relationship 'Child.parent' will copy column parent.id to column
        child.parent_id, which conflicts with relationship(s): 'Parent.children' (copies
        parent.id to child.parent_id)`. The two attributes are then unaware of each other, and
        data is lost: in this rule's oracle test a child moved with
        `new_parent.children.append(child)` still has `child.parent` pointing at the old
        parent, so a later `child.parent = old_parent` changes nothing and the row stays with the
        new parent in the database.
        """
    references = (
        "SQLAlchemy: Relationships overlapping (the 'qzyx' warning), https://sqlalche.me/e/20/qzyx",
        "SQLAlchemy: Using the legacy 'backref' relationship parameter, https://docs.sqlalchemy.org/en/20/orm/backref.html",
    )
    invalid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship()  # ORM105


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship()  # ORM105
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)
                children = relationship("Child", backref="owner")  # ORM105


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("parent.id"))
                parent = relationship("Parent")  # ORM105
            '''),
    )
    valid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)
                children = relationship("Child", backref="parent")
                recent_children = relationship("Child", viewonly=True, order_by="Child.id.desc()")


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("parent.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        schema = _Schema.of(index)
        writers: dict[tuple[TableKey, str], list[tuple[_MappedInfo, RelationshipFacts, _MappedInfo]]] = defaultdict(list)
        for owner, rel in schema.relationships():
            keywords = rel.keywords
            if keywords & {"viewonly", "overlaps"}:
                continue
            if ("back_populates" in keywords and rel.back_populates is None) or (
                "backref" in keywords and rel.backref is None
            ):
                continue  # linked to something we cannot name
            target = schema.target(owner.path, rel)
            if target is None or ("remote_side" in keywords and target.key != owner.key):
                continue
            paths = schema.paths(owner, rel, target)
            if paths is None or len(paths) != 1:
                continue  # none: not ours; several: ambiguous (ORM108)
            writers[(paths[0].table, paths[0].column)].append((owner, rel, target))
        for (table, column), group in writers.items():
            for owner, rel, target in group:
                partners = [
                    (o, r, t) for o, r, t in group
                    if r is not rel and self._conflict((owner, rel, target), (o, r, t))
                ]
                if not partners:
                    continue
                others = ", ".join(_name(o, r) for o, r, _ in partners)
                reverse = (
                    len(partners) == 1 and partners[0][0].key == target.key and partners[0][2].key == owner.key
                )
                if reverse and rel.backref and partners[0][1].backref:
                    other_owner, other, _ = partners[0]
                    fix = (
                        f'replace both `backref=` arguments: `back_populates="{other.attr}"` here and '
                        f'`back_populates="{rel.attr}"` on {_name(other_owner, other)}'
                    )
                elif reverse and (rel.backref or partners[0][1].backref):
                    other_owner, other, _ = partners[0]
                    with_backref, plain = ((owner, rel), (other_owner, other)) if rel.backref else ((other_owner, other), (owner, rel))
                    fix = (
                        f'replace `backref="{with_backref[1].backref}"` on {_name(*with_backref)} with '
                        f'`back_populates="{plain[1].attr}"` and add `back_populates="{with_backref[1].attr}"` '
                        f"to {_name(*plain)}"
                    )
                elif reverse:
                    other_owner, other, _ = partners[0]
                    fix = (
                        f'add `back_populates="{other.attr}"` here and `back_populates="{rel.attr}"` '
                        f"to {_name(other_owner, other)} (or `viewonly=True` on the one that only reads)"
                    )
                else:
                    fix = (
                        "pair the two directions of one link with `back_populates`, and mark the "
                        "relationships that only read `viewonly=True` (or name the others in `overlaps=`)"
                    )
                yield self.project_violation(
                    owner.path, rel.location, name=_name(owner, rel), column=f"{table[1]}.{column}",
                    others=others, fix=fix,
                )

    @staticmethod
    def _conflict(a, b) -> bool:
        (owner_a, rel_a, target_a), (owner_b, rel_b, target_b) = a, b
        if _linked(rel_a, rel_b):
            return False
        # SQLAlchemy does not compare relationships across branches of one inheritance
        # hierarchy, nor a relationship with the one it overrides in a subclass.
        if any(
            _Schema.is_sibling(x, y)
            for x, y in ((owner_a, owner_b), (target_a, target_b), (owner_a, target_b), (target_a, owner_b))
        ):
            return False
        if rel_a.attr == rel_b.attr and (owner_a.key in owner_b.hierarchy or owner_b.key in owner_a.hierarchy):
            return False
        return True


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


def _keyword_value(rel: RelationshipDecl, name: str) -> cst.BaseExpression | None:
    arg = rel.kwargs.get(name)
    return arg.value if arg is not None else None


class CollectionScalarContradiction(ProjectRule):
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
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(uselist=False)  # ORM106


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped["Child"] = relationship(uselist=True)  # ORM106


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parents: Mapped[list["Parent"]] = relationship()  # ORM106
            '''),
    )
    valid = (
        _models('''

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
            value = _keyword_value(rel, "uselist")
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
        schema = _Schema.of(index)
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
                    f"{_name(owner, rel)} is annotated as a collection, but the foreign key "
                    f"{paths[0].describe()} makes it many-to-one: SQLAlchemy loads one "
                    f"`{target.cls.name}` or None"
                ),
                fix=f'annotate it `Mapped[Optional["{target.cls.name}"]]`, or move the collection '
                    f"to `{target.cls.name}` (the one-to-many side)",
            )


_CASCADES = ("save-update", "merge", "expunge", "delete", "delete-orphan", "refresh-expire", "all", "none")


def _suggest_cascade(option: str) -> list[str]:
    """What a mistyped cascade option probably meant (possibly several, or none)."""
    words = option.strip().lower().replace("_", "-").split()
    fixed = []
    for word in words:
        if word in _CASCADES:
            fixed.append(word)
            continue
        close = difflib.get_close_matches(word, _CASCADES, n=1, cutoff=0.6)
        if close:
            fixed.append(close[0])
    return fixed


def _cascade_problem(text: str, single_parent: bool, many: str | None) -> tuple[str, str] | None:
    """(what is wrong, the string to write) for a literal cascade, or None."""
    options = _cascade_options(text)
    invalid = [o for o in options if o not in _CASCADES]
    if invalid:
        fixed: list[str] = []
        for option in options:
            for word in (_suggest_cascade(option) if option in invalid else [option]):
                if word not in fixed:
                    fixed.append(word)
        listed = ", ".join(f'"{o}"' for o in invalid)
        problem = f"not a cascade option: {listed} (ArgumentError)"
        return problem, ", ".join(fixed)
    effective = set(options)
    if "all" in effective:
        effective |= {"save-update", "merge", "refresh-expire", "expunge", "delete"}
    if "none" in effective:
        return None
    if "delete-orphan" in effective and "delete" not in effective:
        fixed = [o for o in options if o != "delete-orphan"] + ["delete", "delete-orphan"]
        return "`delete-orphan` without `delete` (SAWarning: requires 'delete')", ", ".join(fixed)
    if "delete-orphan" in effective and many and not single_parent:
        return (
            f"`delete-orphan` on a {many} relationship needs `single_parent=True` "
            "(ArgumentError at the first query)",
            text,
        )
    return None


def _has_delete_orphan(text: str | None) -> bool:
    if text is None:
        return False
    options = _cascade_options(text)
    return "delete-orphan" in options and "none" not in options and all(o in _CASCADES for o in options)


class InvalidCascade(ProjectRule):
    code = "ORM107"
    name = "invalid-relationship-cascade"
    summary = "an invalid `cascade=` string, or `delete-orphan` on a many-to-one or many-to-many without `single_parent=True`"
    catches = (
        '`cascade="all, delete_orphan"` and other invalid options, `delete-orphan` without '
        "`delete`, or on a many-to-one/many-to-many without `single_parent=True` (project)"
    )
    message = "`cascade=\"{cascade}\"` on {name}: {problem}; {fix}"
    what_it_does = """
        Checks literal `cascade=` strings of `relationship()` and `backref()`: every option must
        be one of `save-update`, `merge`, `expunge`, `delete`, `delete-orphan`,
        `refresh-expire`, `all` or `none`, separated by commas (spaces are allowed around the
        commas only); `delete-orphan` needs `delete` (or `all`); and `delete-orphan` on the
        "many" side of a relationship (many-to-one, found through the foreign keys across files,
        or many-to-many through `secondary=`) needs `single_parent=True`.
        """
    why_bad = """
        Verified by this rule's oracle test: a misspelt option fails when the class is defined
        (`ArgumentError: Invalid cascade option(s): 'delete_orphan'`; inside `backref()` only at
        the first query), a stray space at either end of the string counts as part of an option
        (`' all'`), `delete-orphan` alone warns `SAWarning: The 'delete-orphan' cascade option
        requires 'delete'.`, and `delete-orphan` on a many-to-one fails at the first query:
        `ArgumentError: For many-to-one relationship Child.parent, delete-orphan cascade is
        normally configured only on the "one" side of a one-to-many relationship, and not on the
        "many" side of a many-to-one or many-to-many relationship. ... set the single_parent=True
        flag.`
        """
    references = (
        "SQLAlchemy: Cascades, https://docs.sqlalchemy.org/en/20/orm/cascades.html",
        "SQLAlchemy: delete-orphan and single_parent, https://sqlalche.me/e/20/bbf0",
    )
    invalid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(cascade="all, delete_orphan")  # ORM107


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(cascade="all, delete-orphan")  # ORM107
            '''),
    )
    valid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(
                    back_populates="parent", cascade="all, delete-orphan"
                )


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for rel in model.relationships:
            name = f"`{rel.owner}.{rel.attr}`" if rel.owner and rel.attr else "this relationship"
            splat = any(arg.star for arg in rel.node.args)
            many = "many-to-many" if "secondary" in rel.kwargs else None
            calls = [(rel.kwargs, name, splat)]
            backref = _keyword_value(rel, "backref")
            if isinstance(backref, cst.Call) and model.imports.symbol(backref.func) == "backref":
                inner = {a.keyword.value: a for a in backref.args if a.keyword is not None}
                args = [a for a in backref.args if a.keyword is None and not a.star]
                label = string_value(args[0].value) if args else None
                calls.append((inner, f"the backref `{label}`" if label else "the backref",
                              any(a.star for a in backref.args)))
            for kwargs, label, unknown in calls:
                arg = kwargs.get("cascade")
                text = string_value(arg.value) if arg is not None else None
                if text is None:
                    continue
                # viewonly=True: SQLAlchemy skips the single_parent check (it persists nothing)
                exempt = unknown or "single_parent" in kwargs or "viewonly" in kwargs
                found = _cascade_problem(text, exempt, many)
                if found is None:
                    continue
                problem, fixed = found
                if fixed == text:
                    fix = "add `single_parent=True` if each object has at most one owner, or move the cascade to the one-to-many side"
                else:
                    fix = f'write `cascade="{fixed}"`'
                yield self.violation(arg.value, cascade=text, name=label, problem=problem, fix=fix)

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        schema = _Schema.of(index)
        for owner, rel in schema.relationships():
            own = _has_delete_orphan(rel.cascade) and "single_parent" not in rel.keywords
            via_backref = (
                _has_delete_orphan(rel.backref_cascade)
                and not rel.backref_keywords & {"single_parent", "**"}
            )
            if not (own or via_backref) or rel.keywords & {"remote_side", "viewonly"}:
                continue
            target = schema.target(owner.path, rel)
            if target is None or target.key == owner.key:
                continue
            paths = schema.paths(owner, rel, target)
            if not paths or len(paths) != 1:
                continue
            fix = "add `single_parent=True` if each object has at most one owner, or move the cascade to the one-to-many side"
            if own and paths[0].on_owner:
                yield self.project_violation(
                    owner.path, rel.location, cascade=rel.cascade, name=_name(owner, rel),
                    problem=(
                        f"`delete-orphan` on a many-to-one relationship (foreign key "
                        f"{paths[0].describe()}) needs `single_parent=True` (ArgumentError at the "
                        "first query)"
                    ),
                    fix=fix,
                )
            if via_backref and not paths[0].on_owner:
                yield self.project_violation(
                    owner.path, rel.location, cascade=rel.backref_cascade,
                    name=f"the backref `{target.cls.name}.{rel.backref}`",
                    problem=(
                        f"`delete-orphan` on a many-to-one backref (foreign key "
                        f"{paths[0].describe()}) needs `single_parent=True` in `backref()` "
                        "(ArgumentError at the first query)"
                    ),
                    fix=fix,
                )


class AmbiguousForeignKeys(ProjectRule):
    code = "ORM108"
    name = "ambiguous-relationship-foreign-keys"
    summary = "a relationship between tables linked by several foreign keys, without `foreign_keys=` or `primaryjoin=`"
    catches = (
        "a relationship between tables joined by several foreign keys without "
        "`foreign_keys=`/`primaryjoin=` (`AmbiguousForeignKeysError` at the first query) "
        "(project)"
    )
    message = (
        "{name}: {count} foreign keys link `{owner_table}` and `{target_table}` ({paths}), so "
        "SQLAlchemy cannot tell which one this relationship follows; name it with {suggestions}"
    )
    what_it_does = """
        Counts the foreign keys between the two tables of each `relationship()` the way
        SQLAlchemy does at mapper configuration (keys in either direction; for a joined-table
        subclass, its own table first) and reports a relationship given neither `foreign_keys=`
        nor `primaryjoin=` when there is more than one. Both sides are checked: `Order.billing_address`
        and `Address.orders` are ambiguous alike when `order` has `billing_address_id` and
        `shipping_address_id`. Classes in other files are followed; nothing is said when a class,
        its table or its columns cannot all be seen (a base from outside the project, a
        computed `__tablename__`) or when `**kwargs` may carry the missing argument.
        """
    why_bad = """
        Import succeeds; the first query (mapper configuration) fails, as this rule's oracle
        test shows: `AmbiguousForeignKeysError: Could not determine join condition between
        parent/child tables on relationship Order.billing_address - there are multiple foreign
        key paths linking the tables. Specify the 'foreign_keys' argument, providing a list of
        those columns which should be counted as containing a foreign key reference to the parent
        table.` Adding a second foreign key to a table breaks every existing relationship between
        the two classes at once.
        """
    references = (
        "SQLAlchemy: Handling Multiple Join Paths, https://docs.sqlalchemy.org/en/20/orm/join_conditions.html#handling-multiple-join-paths",
    )
    invalid = (
        _models('''

            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                orders: Mapped[list["Order"]] = relationship()  # ORM108


            class Order(Base):
                __tablename__ = "order"
                id: Mapped[int] = mapped_column(primary_key=True)
                billing_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                shipping_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                billing_address: Mapped[Address] = relationship()  # ORM108
            '''),
    )
    valid = (
        _models('''

            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                billed_orders: Mapped[list["Order"]] = relationship(
                    back_populates="billing_address", foreign_keys="Order.billing_address_id"
                )


            class Order(Base):
                __tablename__ = "order"
                id: Mapped[int] = mapped_column(primary_key=True)
                billing_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                shipping_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                billing_address: Mapped[Address] = relationship(
                    back_populates="billed_orders", foreign_keys=[billing_address_id]
                )
                shipping_address: Mapped[Address] = relationship(foreign_keys=[shipping_address_id])
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        schema = _Schema.of(index)
        for owner, rel in schema.relationships():
            if rel.keywords & {"foreign_keys", "primaryjoin", "secondary", "secondaryjoin"}:
                continue
            target = schema.target(owner.path, rel)
            if target is None:
                continue
            paths = schema.join(owner, target, None)
            if not paths or len(paths) < 2:
                continue
            suggestions = []
            for path in paths:
                column = (schema.columns(path.table) or {}).get(path.column)
                cls = owner if path.on_owner else target
                attr = column.attr if column is not None and column.attr else path.column
                suggestions.append(f'`foreign_keys="{cls.cls.name}.{attr}"`')
            yield self.project_violation(
                owner.path, rel.location, name=_name(owner, rel), count=len(paths),
                owner_table=owner.table[1], target_table=target.table[1],
                paths=", ".join(p.describe() for p in paths),
                suggestions=" or ".join(suggestions),
            )
