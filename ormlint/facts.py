"""The facts each file declares for the project rules, and the index that merges them.

Plain, picklable data (no syntax trees, no libcst): a fully cached run reads them back without
importing the parser. `ormlint.project` builds them from a file's extracted model.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

from ormlint.memo import BoundedMemo


@dataclass(frozen=True)
class Location:
    """A place in the file whose FileFacts hold it (paths live on FileFacts only, so cached
    facts stay valid when the same file is named differently on a later command line)."""

    line: int
    column: int  # 1-based
    end_line: int
    end_column: int


@dataclass(frozen=True)
class ColumnFacts:
    attr: str | None
    name: str | None
    primary_key: bool
    foreign_keys: tuple[tuple[str, Location], ...]  # ("table.column", where the target is written)
    # The SQL type as SQLAlchemy would build it, normalised: "Integer", "String(36)", "Uuid",
    # from the explicit type or the `Mapped[...]` annotation's default; None when unknown (a
    # custom type, no type: a ForeignKey column copies its target's).
    sql_type: str | None = None
    sql_type_from_annotation: bool = False  # the project's type_annotation_map may differ
    location: Location | None = None  # the attribute's assignment
    # `ForeignKey(User.id)`: the target as "Class.attribute" (not in `foreign_keys`).
    class_foreign_keys: tuple[str, ...] = ()
    # What the column is in the database, for the drift rules (ORM7xx). `db_type`: normalised as
    # `ormlint.schema.sql_type` gives it; `nullable` as SQLAlchemy derives it (None: unknown);
    # `server_default`: normalised SQL, with `server_default_known` False when it cannot be read.
    db_type: str | None = None
    nullable: bool | None = None
    server_default: str | None = None
    server_default_known: bool = True
    python_default: bool = False  # `default=` (SQLModel: or `default_factory=`): set on INSERT only
    index: bool = False
    unique: bool = False
    # Every ForeignKey of the column as (target as written, ondelete upper-cased or None, whether
    # the target names a class: `ForeignKey(User.id)` rather than `ForeignKey("user.id")`); None
    # when one of them cannot be read.
    foreign_key_targets: tuple[tuple[str, str | None, bool], ...] | None = ()
    # False when `primary_key` may be wrong: `primary_key=<expression>`, or a `Mapped[...]` naming
    # a type from another module that may be an `Annotated[..., mapped_column(primary_key=True)]`.
    primary_key_known: bool = True
    # The class `Mapped[...]` names when it is one name (`Mapped["User"]`, `Optional[User]`),
    # to look up in the project: a mapped class there is a wrong annotation for a column.
    annotation_class: BaseRef | None = None
    # For the drift rules beyond autogenerate (ORM711+): the column's own CheckConstraints, and
    # its `comment=` (`comment_known` False when it is not a literal).
    checks: tuple[CheckFacts, ...] = ()
    comment: str | None = None
    comment_known: bool = True
    # What generates its values (ORM713, ORM714), as ormlint.generated_columns reads it.
    computed: tuple[str, bool | None] | None = None  # (SQL text, persisted as written)
    identity: tuple[tuple[str, bool | int], ...] | None = None  # the Identity() options
    sequence: str | None = None  # a Sequence()'s name
    generated_known: bool = True
    autoincrement: bool = True  # False: `autoincrement=` rules out SERIAL
    enum: EnumFacts | None = None  # its named PostgreSQL enum type (ORM717); None: none, or not known
    # Its constraints written without a name (ORM407): (what, where), e.g. ("ForeignKey(...)", ...).
    unnamed_constraints: tuple[tuple[str, Location], ...] = ()
    # SQLModel's `Field(sa_column=Column(...))`: where the Column object is written (ORM508).
    sa_column: Location | None = None


@dataclass(frozen=True)
class EnumFacts:
    """A column's named PostgreSQL enum type (ORM717), as ormlint.enum_labels reads it."""

    name: str | None  # None: named after `enum_class`, lower-cased
    labels: tuple[str, ...] | None  # written as literal strings; None: `enum_class`'s
    enum_class: BaseRef | None = None
    by_value: bool = False  # `values_callable=lambda e: [m.value for m in e]`: the members' values


@dataclass(frozen=True)
class CheckFacts:
    """A `CheckConstraint(...)`: its name as written, its SQL text (None: not a literal string)."""

    name: str | None
    sql: str | None
    location: Location


@dataclass(frozen=True)
class RelationshipFacts:
    attr: str
    target: str | None  # class name as written (a dotted "module.Class" keeps its last part)
    back_populates: str | None
    # `relationship(**common)`: arguments not visible here, so an absent one proves nothing.
    has_unknown_kwargs: bool
    # Keyword arguments given (names only), e.g. {"foreign_keys", "primaryjoin", "viewonly"}.
    keywords: frozenset[str]
    location: Location
    target_location: Location | None
    back_populates_location: Location | None
    # Literal values the relationship rules read (None: absent or not a literal). `backref`: the
    # name of the relationship `backref=` creates on the target; `backref_keywords`: the keyword
    # names given to `backref("name", ...)`.
    backref: str | None = None
    backref_keywords: frozenset[str] = frozenset()
    cascade: str | None = None
    backref_cascade: str | None = None
    # `foreign_keys=[parent_id]` / `"Child.parent_id"` / `[Child.a_id, Child.b_id]`: the columns
    # as written ("parent_id", "Child.parent_id"); None when absent or not all plain references.
    foreign_keys_refs: tuple[str, ...] | None = None
    # "collection" for `Mapped[list[X]]` / `set` / `dict` ..., "scalar" for `Mapped[X]` /
    # `Mapped[Optional[X]]` naming a class, None when there is no such annotation or it is unclear.
    annotation_shape: str | None = None
    # `x: Mapped[list["Address"]] = relationship()` (no target argument): where the annotation
    # names the target, when the module binds no such name (SQLAlchemy then finds it in the
    # class registry or nowhere); None otherwise.
    annotation_target_location: Location | None = None
    # `secondary=`: the table name it gives (a string, or a module `Table("name", ...)` variable
    # of the file), and the plain name it gives (a string or a name that is no module variable:
    # a class, or an imported table); None when absent or an expression.
    secondary_table: str | None = None
    secondary_name: str | None = None
    # SQLAlchemy finds the target by its bare name in the registry: a string without a module
    # path (`"Account"`), or, with no target argument, a name in a string annotation
    # (`Mapped["Account"]`, or any under `from __future__ import annotations`).
    target_by_name: bool = False


@dataclass(frozen=True)
class IndexFacts:
    """An Index(...) or UniqueConstraint(...) of `__table_args__`, a `Table()` or the module
    (column-level `index=True`/`unique=True` are on ColumnFacts)."""

    name: str | None
    columns: tuple[str, ...] | None  # None: an expression is indexed
    unique: bool
    kind: str  # "index", "unique_index", "unique_constraint", "primary_key"
    location: Location
    where: tuple[tuple[str, str | None], ...] = ()  # a partial index's (ormlint.schema.Predicates)


@dataclass(frozen=True)
class BaseRef:
    """A base class to find in the project: its name and the module it comes from, as a path
    without `.py` ("app/mixins"), or None when the file does not say where it comes from."""

    name: str
    module: str | None


@dataclass(frozen=True)
class TableArgsColumn:
    """A column of a class imported from another module in an index or constraint of a
    class's own `__table_args__` tuple (`Index("ix", User.email)`): ORM406 across files
    (ormlint.table_args_columns)."""

    item: str  # "Index", "UniqueConstraint", "CheckConstraint" or "ForeignKeyConstraint"
    target: BaseRef  # the class named, and the module it is imported from
    column: str  # `User.email`: the attribute; `User.__table__.c.email`: the column's name
    via_table: bool
    reference: str  # as written
    named_columns: tuple[str, ...]  # the columns the item names by string
    index_name: str | None
    location: Location
    item_number: int  # which item of the tuple (the rule reports one reference per item)


@dataclass(frozen=True)
class ClassFacts:
    name: str
    kind: str
    tablename: str | None
    shares_parent_table: bool
    # Bases to look up in the project; SQLAlchemy's own (DeclarativeBase, db.Model...) are left
    # out. None in the tuple: a base whose attributes cannot be known (an expression).
    project_bases: tuple[BaseRef | None, ...]
    columns: tuple[ColumnFacts, ...]
    relationships: tuple[RelationshipFacts, ...]
    # Attribute names the class body itself binds (columns, relationships, methods, ...).
    own_attributes: frozenset[str]
    location: Location
    tablename_location: Location | None
    # A base that makes it mapped without a project class in between: "flask.Model" (db.Model),
    # "sqlmodel.SQLModel". Classes under one of these share that library's metadata.
    library_root: str | None = None
    # `__table_args__ = {"extend_existing": True}` or a schema: redeclaring the table is deliberate
    # or lands elsewhere.
    table_options: frozenset[str] = frozenset()
    # The `schema` its own `__table_args__` give (None: the MetaData's default); not known when
    # they are computed or not a literal. ProjectIndex.table_of follows inherited ones.
    schema: str | None = None
    schema_known: bool = True
    indexes: tuple[IndexFacts, ...] = ()
    # False when the class may have columns `columns` does not list (a declared_attr that is not
    # a plain column, SQLModel fields, `__table__`), or constraints `indexes` does not (dynamic
    # `__table_args__`, a ForeignKeyConstraint or other item ormlint does not model).
    columns_complete: bool = True
    constraints_complete: bool = True
    # Its `__tablename__` is a declared_attr returning `prefix + cls.__name__.lower() + suffix`
    # and nothing else: (prefix, suffix). It names the table of each subclass not overriding it.
    lowered_name_tablename: tuple[str, str] | None = None
    sqlmodel_table: bool = False  # a SQLModel class declared with `table=True`
    # Declared with `table=True`, SQLModel or not as far as its file tells (its bases may be
    # elsewhere): ORM508.
    table_keyword: bool = False
    # `tablename` is written nowhere: the index gave the name the library gives the table
    # (Flask-SQLAlchemy's, SQLModel's, a base's declared_attr; ProjectIndex.implicit_tablename).
    tablename_implicit: bool = False
    # Columns of imported classes its own `__table_args__` builds indexes and constraints from.
    table_args_imported_columns: tuple[TableArgsColumn, ...] = ()
    # Its own `__mapper_args__` dict: (key, the value when a string or number literal, else
    # None), in order; () when it has none, None when it cannot be read (computed, declared_attr).
    mapper_args: tuple[tuple[str, str | None], ...] | None = ()
    # Its own `__table_args__`' CheckConstraints and `comment` option (as ColumnFacts' fields).
    checks: tuple[CheckFacts, ...] = ()
    comment: str | None = None
    comment_known: bool = True
    # The constraints its own `__table_args__` write without a name (as ColumnFacts').
    unnamed_constraints: tuple[tuple[str, Location], ...] = ()
    # A Python enum class: its members (name, value when a string), when certain
    # (ormlint.enum_labels); None: not an enum class, or its members are not certain.
    enum_members: tuple[tuple[str, str | None], ...] | None = None

    @property
    def declares_mapping(self) -> bool:
        """Something in it is SQLAlchemy's: a table name, columns, relationships, a mapped kind."""
        return bool(
            self.kind in ("mapped", "base", "abstract")
            or self.tablename
            or self.columns
            or self.relationships
        )


def opaque_class(name: str) -> ClassFacts:
    """A class seen only by a text scan (its file names no SQLAlchemy): it exists, nothing more."""
    nowhere = Location(1, 1, 1, 1)
    return ClassFacts(
        name=name, kind="unknown", tablename=None, shares_parent_table=False,
        project_bases=(None,), columns=(), relationships=(), own_attributes=frozenset(),
        location=nowhere, tablename_location=None,
    )


_CLASS_STATEMENT = re.compile(r"^[ \t]*class[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def configures_type_map(source: str) -> bool:
    """Might the file configure a `type_annotation_map` (FileFacts.custom_type_map)?"""
    return "type_annotation_map" in source


_ENUM_CLASS = re.compile(r"^class[ \t]+\w+[ \t]*\([^)]*Enum\b", re.MULTILINE)


def text_facts(path: str, source: str) -> FileFacts:
    """Facts for a file the prefilter skips: the names of the classes it defines, so that a
    relationship to a class declared there (an STI subclass, say) is not "not found"."""
    classes = tuple(opaque_class(n) for n in _CLASS_STATEMENT.findall(source))
    if _ENUM_CLASS.search(source):  # an enum class's members are its type's labels (ORM717)
        from ormlint.enum_labels import module_enum_members

        members = module_enum_members(source)
        classes = tuple(replace(c, enum_members=members.get(c.name)) for c in classes)
    return FileFacts(
        path, classes=classes,
        flask_naming=flask_naming(source), names_naming_convention=names_naming_convention(source),
    )


def names_naming_convention(source: str) -> bool:
    """Might the file give a MetaData constraint names (FileFacts.names_naming_convention)?"""
    return "naming_convention" in source


_CUSTOM_FLASK_MODEL = re.compile(r"\b(?:model_class|disable_autonaming|make_declarative_base)\b")


def flask_naming(source: str) -> str | None:
    """What the file tells of Flask-SQLAlchemy's generated table names (FileFacts.flask_naming):
    "custom" when it may configure the model class (`SQLAlchemy(model_class=...)`,
    `disable_autonaming=True`, an overridden `make_declarative_base`), "default" when it names
    flask_sqlalchemy, else None."""
    if _CUSTOM_FLASK_MODEL.search(source):
        return "custom"
    return "default" if "flask_sqlalchemy" in source else None


# Flask-SQLAlchemy 3.x: "_" before a capital that follows a lower-case letter or a digit, or that
# begins a capitalised word (not at the start); then all lower case.
_WORD_START_3X = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=.)(?=[A-Z][a-z])")
# 2.x: each run of capitals before a lower-case letter or a digit becomes "_" + the run, with "_"
# before its last capital, lower-cased; every other character is kept as it is.
_CAPITALS_2X = re.compile(r"[A-Z]+(?=[a-z0-9])")


def _capitals_2x(match: re.Match[str]) -> str:
    run = match.group()
    return ("_" + run[:-1] + "_" + run[-1] if len(run) > 1 else "_" + run).lower()


def flask_sqlalchemy_tablename(class_name: str) -> str | None:
    """The `__tablename__` Flask-SQLAlchemy generates for a model class of this name, when 2.x
    and 3.x generate the same one (which version a project runs is not known here), else None."""
    name_3x = _WORD_START_3X.sub("_", class_name).lower().lstrip("_")
    name_2x = _CAPITALS_2X.sub(_capitals_2x, class_name).lstrip("_")
    return name_3x if name_3x == name_2x else None


def unparsed_facts(path: str, source: str) -> FileFacts:
    """Facts for a file that could not be analysed: the names of the classes its text defines
    (opaque), so that one broken file withholds only the "not found" verdicts it may answer."""
    return replace(text_facts(path, source), parsed=False, class_names_from_text=True)


@dataclass(frozen=True)
class TableFacts:
    """An imperative `Table("name", metadata, Column(...), ...)`."""

    name: str
    columns: tuple[ColumnFacts, ...]
    location: Location
    indexes: tuple[IndexFacts, ...] = ()
    constraints_complete: bool = True
    # The MetaData the table is on, for the drift rules: ("class", "Base") for `Base.metadata`,
    # ("library", "flask.Model") for `db.metadata` (or "sqlmodel.SQLModel"), ("variable", "meta")
    # for a module-level `meta = MetaData(...)` of the same file; None when not known.
    metadata: tuple[str, str] | None = None
    schema: str | None = None  # `schema=` (None: the MetaData's default)
    schema_known: bool = True
    checks: tuple[CheckFacts, ...] = ()  # as ClassFacts'
    comment: str | None = None
    comment_known: bool = True
    unnamed_constraints: tuple[tuple[str, Location], ...] = ()  # as ClassFacts'


@dataclass(frozen=True)
class IndexNameFacts:
    """An explicitly named Index/UniqueConstraint and the table it belongs to."""

    name: str
    table: str  # "" until the index names the table of `owner_class`
    location: Location
    # The mapped class whose table it is, when the class does not write its table's name.
    owner_class: str | None = None


@dataclass(frozen=True)
class FileFacts:
    path: str
    classes: tuple[ClassFacts, ...] = ()
    tables: tuple[TableFacts, ...] = ()
    index_names: tuple[IndexNameFacts, ...] = ()
    parsed: bool = True  # False: the file could not be analysed; its declarations are unknown
    # Not parsed, but its class names were read from its text (`classes` holds them, opaque):
    # a class it does not name is not defined there.
    class_names_from_text: bool = False
    # The file configures a type_annotation_map: `Mapped[str]` may not mean String here.
    custom_type_map: bool = False
    # An Alembic revision: its classes and tables are snapshots of the schema at one point of the
    # history (FileModel.is_alembic_revision), not the project's models.
    is_revision: bool = False
    flask_naming: str | None = None  # see flask_naming()
    # The text names `naming_convention` (a MetaData's, set here or assigned later): ORM407.
    names_naming_convention: bool = False


def _top_level_package(path: str, package_dirs: frozenset[str]) -> str:
    """The outermost package directory holding the file (its own directory if not a package)."""
    top = directory = os.path.dirname(path)
    while directory in package_dirs:
        top = directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return top


def _module_path(path: str) -> str:
    stem = path[:-3] if path.endswith(".py") else path
    return stem[: -len("/__init__")] if stem.endswith("/__init__") else stem


# -- what a class's table is ----------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """A column or table-level index of a mapped table, and the class that declares it (in the
    file at `path`): the mapped class, a mixin, an abstract or declarative base above it, or a
    single-table subclass."""

    fact: Any  # ColumnFacts or IndexFacts
    path: str
    owner: str


@dataclass(frozen=True)
class TablePart:
    """What one mapped class (`class_name` in the file at `path`) puts into its table: the
    columns and table-level indexes of its body and of the unmapped classes above it (mixins,
    abstract and declarative bases; a mapped parent's are in the parent's table), nearest
    first, the class's own first."""

    path: str
    class_name: str
    columns: tuple[Declared, ...]
    indexes: tuple[Declared, ...]
    # Every name those class bodies bind: a bare annotation or a helper's value may be a column.
    attributes: frozenset[str]
    bases_known: bool  # every base that may add columns is in the project
    complete: bool  # and every column and table-level constraint of them could be read
    # (schema, known) of each of those classes that binds `__table_args__`, nearest first.
    table_args_schemas: tuple[tuple[str | None, bool], ...] = ()
    # Attributes one class body declares as a column more than once (in the branches of an
    # `if`, a declared_attr returning one of two): which one the table gets is not known.
    redeclared: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MappedTable:
    """The table a mapped class is mapped to (ProjectIndex.table_of): for a single-table
    subclass, its parent's."""

    name: str
    schema: str | None  # None: the MetaData's default schema
    schema_known: bool
    path: str  # the mapped class whose own table it is
    class_name: str
    # What each class mapped to it puts in: that class's part, then its single-table subclasses'
    # (without what the parent's part has already).
    parts: tuple[TablePart, ...]

    @property
    def columns(self) -> tuple[Declared, ...]:
        return tuple(column for part in self.parts for column in part.columns)

    @property
    def complete(self) -> bool:
        return all(part.complete for part in self.parts)


# -- the index -----------------------------------------------------------------------------------


@dataclass
class ProjectIndex:
    files: list[FileFacts]
    whole_project: bool  # the run covers a project, so "not found" is a verdict
    classes_by_name: dict[str, list[tuple[str, ClassFacts]]] = field(default_factory=dict)
    complete: bool = True  # every file could be analysed
    # every class name is known: each file was analysed or its class statements read from text
    class_names_complete: bool = True
    external_models: frozenset[str] = frozenset()  # [tool.ormlint] external-models
    external_tables: frozenset[str] = frozenset()  # [tool.ormlint] external-tables
    # The project's Alembic migrations (ormlint.drift.MigrationSet), when found and enabled.
    migrations: Any = None
    # The run checks files named alone, inside their project, and reports findings in those
    # files only: the migration-safety rules judge every revision (a named one is new).
    named_files: bool = False
    # The files whose findings the run reports, as absolute paths (None: every file's): a rule
    # may skip work whose findings would be located elsewhere.
    reported_files: frozenset[str] | None = None
    # Results computed once per run from the whole index and shared by rules (e.g. the drift).
    derived: dict[str, Any] = field(default_factory=dict)
    # What each class's table is (the memos below, by kind then id of the class), read from the
    # classes alone: shared with `without(...)`'s index when the files left out add no class.
    class_answers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        files: Iterable[FileFacts],
        whole_project: bool,
        external_models: Iterable[str] = (),
        external_tables: Iterable[str] = (),
    ) -> "ProjectIndex":
        files = list(files)
        by_name: dict[str, list[tuple[str, ClassFacts]]] = defaultdict(list)
        for facts in files:
            for class_facts in facts.classes:
                by_name[class_facts.name].append((facts.path, class_facts))
        index = cls(
            files=files,
            whole_project=whole_project,
            classes_by_name=dict(by_name),
            complete=all(f.parsed for f in files),
            class_names_complete=all(f.parsed or f.class_names_from_text for f in files),
            external_models=frozenset(m.rpartition(".")[2] for m in external_models),
            external_tables=frozenset(external_tables),
        )
        index._name_implicit_tables()
        # (what naming computed on the classes before their names were given)
        index.class_answers.clear()
        index.derived.clear()
        return index

    def carry_answers(self, earlier: "CarriedAnswers | None") -> "CarriedAnswers":
        """Takes over the answers of an earlier index of this process (its `carry_answers`
        result) for each class whose answers read nothing that changed since, and returns
        this index's, for the next. A class's table answers (maps_table, class_part,
        declarative_root, table owner) read only the class and the classes above it, found by
        their base names (resolve_base): they hold while the class is the same object and
        no file that declares a class of one of those names changed (the same file facts
        objects: the same classes in the same files). A class whose bases form a cycle is
        always computed again. A resident process re-judging a project after one file changed
        then computes only what that file's classes reach. The base names are computed from a
        process's second index on (a one-shot run does not pay for them): its third carries."""
        files = {id(f): f for f in self.files}  # (held by the result: ids stay unique)
        carried: set[int] = set()
        if earlier is not None:
            before, answers = earlier
            changed = {
                c.name for facts in (*before.values(), *self.files)
                if id(facts) not in before or id(facts) not in files for c in facts.classes
            }
            present = {id(cls) for _, cls in self.classes()}
            for key, (cls, names) in answers["base_names"].items():
                # (the earlier answers keep their classes alive: an id held by both is one object)
                if key in present and names is not None and cls.name not in changed and names.isdisjoint(changed):
                    carried.add(key)
            for kind in (*_CARRIED_KINDS, "base_names"):
                mine = self.class_answers.setdefault(kind, {})
                theirs = answers[kind]
                mine.update((key, theirs[key]) for key in carried.intersection(theirs))
        if earlier is not None:  # (a process's first index: maybe its only one, not prepared)
            for path, cls in self.classes():
                if id(cls) not in carried:
                    self.base_names(path, cls)
        # (the dicts themselves: the answers computed after this call are carried too)
        return files, {
            kind: self.class_answers.setdefault(kind, {}) for kind in (*_CARRIED_KINDS, "base_names")
        }

    def base_names(self, path: str, cls: ClassFacts) -> frozenset[str] | None:
        """The names of the base references above the class (what its answers look up); None
        when its bases form a cycle."""
        def compute() -> frozenset[str] | None:
            names: set[str] = set()
            for ref in cls.project_bases:
                if ref is None:
                    continue
                names.add(ref.name)
                found = self.resolve_base(ref)
                if found is not None:
                    above = self.base_names(*found)
                    if above is None:
                        return None
                    names |= above
            return frozenset(names)

        return self._memo("base_names", cls, compute)

    def without(self, paths: frozenset[str]) -> "ProjectIndex":
        """The index of the files but those at `paths`. It shares what this one knows of each
        class when those files declare nothing a class's answers read (no class, no Table(), no
        package, no naming choice, and they were parsed): Alembic revisions, most often. The
        drift reads the models without the revisions, the other rules with them; polar's
        1,774 files then compute what its 3,900 classes map to once, not twice (25 ms)."""
        left_out = [f for f in self.files if f.path in paths]
        kept = [f for f in self.files if f.path not in paths]
        if not all(_adds_no_class_answer(f) for f in left_out):
            return ProjectIndex.build(kept, self.whole_project, external_tables=self.external_tables)
        return ProjectIndex(
            files=kept,
            whole_project=self.whole_project,
            classes_by_name=self.classes_by_name,
            complete=all(f.parsed for f in kept),
            class_names_complete=all(f.parsed or f.class_names_from_text for f in kept),
            external_tables=self.external_tables,
            class_answers=self.class_answers,  # (the same classes: their names already given)
        )

    # -- what a class's table is (one answer, computed once per class) ---------------------------

    def _memo(self, name: str, cls: ClassFacts, compute: Callable[[], Any]) -> Any:
        """`compute()` once per class object (ids of the objects kept, so none is reused)."""
        memo = self.class_answers.get(name)
        if memo is None:
            memo = self.class_answers[name] = {}
        found = memo.get(id(cls))
        if found is None:
            memo[id(cls)] = (cls, None)  # a cycle of bases ends here, unknown
            found = memo[id(cls)] = (cls, compute())
        return found[1]

    def maps_table(self, path: str, cls: ClassFacts) -> bool | None:
        """Is the class mapped (it gets a table, or its parent's), rather than a mixin or an
        abstract or declarative base whose columns are copied into its subclasses' tables?
        A class whose bases are in other files is mapped when one above it is. None: unknown."""
        if cls.kind in ("mixin", "abstract", "base"):
            return False
        if cls.kind == "mapped" or cls.tablename or cls.sqlmodel_table:
            return True

        def compute() -> bool | None:
            unknown = False
            for found in self.ancestors(path, cls):
                if found is None:
                    unknown = True
                elif found[1].kind in ("mapped", "base") or found[1].tablename:
                    return True
            return None if unknown else False

        return self._memo("maps_table", cls, compute)

    def class_part(self, path: str, cls: ClassFacts) -> TablePart:
        """What the class puts into the table it is mapped to, whatever table that is (a
        single-table subclass's table_part leaves out what its parent's part has already)."""
        def compute() -> TablePart:
            schemas = [(cls.schema, cls.schema_known)] if "__table_args__" in cls.own_attributes else []
            columns = [Declared(c, path, cls.name) for c in cls.columns]
            indexes = [Declared(ix, path, cls.name) for ix in cls.indexes]
            attributes = set(cls.own_attributes)
            names = {c.attr for c in cls.columns}
            redeclared = _redeclared(cls.columns)
            bases_known = True
            complete = cls.columns_complete and cls.constraints_complete
            seen = {(path, cls.name)}
            pending = deque(cls.project_bases)
            while pending:  # the order of `ancestors`, through the unmapped bases only
                ref = pending.popleft()
                found = self.resolve_base(ref) if ref is not None else None
                mapped = self.maps_table(*found) if found is not None else None
                if mapped is None:
                    bases_known = complete = False
                    continue
                base_path, base = found
                if mapped or (base_path, base.name) in seen:
                    continue
                seen.add((base_path, base.name))
                pending.extend(base.project_bases)
                complete = complete and base.columns_complete and base.constraints_complete
                attributes |= base.own_attributes
                if "__table_args__" in base.own_attributes:
                    schemas.append((base.schema, base.schema_known))
                redeclared |= _redeclared(base.columns)
                for column in base.columns:
                    # (a name the class body binds to something else overrides the column)
                    if column.attr not in names and column.attr not in cls.own_attributes:
                        names.add(column.attr)
                        columns.append(Declared(column, base_path, base.name))
                if base.kind != "base":
                    # a declarative base's __table_args__ apply to subclasses only as declared_attr
                    indexes.extend(Declared(ix, base_path, base.name) for ix in base.indexes)
            return TablePart(
                path, cls.name, tuple(columns), tuple(indexes), frozenset(attributes),
                bases_known, complete, tuple(schemas), frozenset(redeclared),
            )

        return self._memo("own_table_part", cls, compute)

    def _name_implicit_tables(self) -> None:
        """Write into each mapped class whose table name is not in its body the name its
        library gives the table (implicit_tablename), once, so that every rule reads one name."""
        flask = _flask_names_generated(self.files)
        named = {
            id(cls): name for path, cls in self.classes()
            if (name := self.implicit_tablename(path, cls, flask)) is not None
        }
        if not named:
            return
        self.files = [
            _named_file(facts, named) if any(id(c) in named for c in facts.classes) else facts
            for facts in self.files
        ]
        self.class_answers.pop("classes", None)
        by_name: dict[str, list[tuple[str, ClassFacts]]] = defaultdict(list)
        for path, class_facts in self.classes():
            by_name[class_facts.name].append((path, class_facts))
        self.classes_by_name = dict(by_name)

    def implicit_tablename(self, path: str, cls: ClassFacts, flask_names: bool) -> str | None:
        """The table name a mapped class without `__tablename__` in its body gets, when its
        library names it and this index can tell which name: Flask-SQLAlchemy's generated name
        (`flask_names`: the project leaves Flask-SQLAlchemy's naming on), SQLModel's
        `cls.__name__.lower()` for `table=True`, or a `declared_attr` of a base or mixin that
        returns `cls.__name__.lower()` (ClassFacts.lowered_name_tablename). None otherwise."""
        if cls.tablename is not None or cls.kind != "mapped" or cls.own_attributes & {
            "__tablename__", "__table__", "__init_subclass__",
        }:
            return None
        bases = []
        for found in self.ancestors(path, cls):
            if found is None or found[1].kind == "unknown" or "__init_subclass__" in found[1].own_attributes:
                return None
            bases.append(found[1])
        # Each library looks `__tablename__` up along the MRO: with more than one class above
        # that binds it, which one wins is the MRO's order, not followed here.
        binders = [b for b in bases if "__tablename__" in b.own_attributes]
        mapped = [b for b in bases if b.kind == "mapped"]
        computed = None
        if len(binders) == 1 and binders[0].kind != "mapped" and binders[0].lowered_name_tablename:
            prefix, suffix = binders[0].lowered_name_tablename
            computed = prefix + cls.name.lower() + suffix
        libraries = {b.library_root for b in (cls, *bases) if b.library_root}
        if not libraries:  # a declarative base of the project
            return computed
        if any(b.kind == "base" for b in bases):
            return None
        if libraries == {"sqlmodel.SQLModel"}:
            # (SQLModel maps no subclass of a table model)
            if not cls.sqlmodel_table or mapped:
                return None
            return computed if binders else cls.name.lower()
        if libraries == {"flask.Model"} and flask_names:
            if not mapped:
                return computed if binders else flask_sqlalchemy_tablename(cls.name)
            # Below a mapped class, Flask-SQLAlchemy generates a name when the nearest binder
            # is a mapped class, and keeps the table only with a primary key of its own.
            if any(b.kind != "mapped" or b.tablename is None for b in binders):
                return None
            if self.declares_primary_key(path, cls) is not True:
                return None
            return flask_sqlalchemy_tablename(cls.name)
        return None

    def declares_primary_key(self, path: str, cls: ClassFacts) -> bool | None:
        """A primary key column or constraint in what the class puts into its table (its body,
        its mixins and abstract bases): a subclass of a mapped class needs one for a table of its
        own. None: none is seen, and its columns are not all known."""
        part = self.class_part(path, cls)
        if any(d.fact.primary_key for d in part.columns) or any(d.fact.kind == "primary_key" for d in part.indexes):
            return True
        return False if part.complete else None

    def shares_parent_table(self, path: str, cls: ClassFacts) -> bool | None:
        """Single-table inheritance: the mapped class's columns go into its mapped parent's
        table. So for a class without a table name and primary key of its own
        (ClassFacts.shares_parent_table), and for a Flask-SQLAlchemy subclass of a mapped class
        without a primary key of its own, `__tablename__` or not (its `__table_cls__` drops
        the table). None: cannot be told."""
        if self.maps_table(path, cls) is False:
            return False
        if cls.shares_parent_table or not cls.tablename:
            return cls.shares_parent_table
        if self.declarative_root(path, cls) != ("", "flask.Model"):
            return False
        parents = self.mapped_bases(cls)
        if not parents:
            return None if parents is None else False
        has_key = self.declares_primary_key(path, cls)
        return None if has_key is None else not has_key

    def mapped_bases(self, cls: ClassFacts) -> list[tuple[str, ClassFacts]] | None:
        """The class's direct bases that are mapped; None when that cannot be told of one."""
        found_bases = []
        for ref in cls.project_bases:
            found = self.resolve_base(ref) if ref is not None else None
            mapped = self.maps_table(*found) if found is not None else None
            if mapped is None:
                return None
            if mapped:
                found_bases.append(found)
        return found_bases

    def _table_owner(self, path: str, cls: ClassFacts) -> tuple[str, ClassFacts] | None:
        """The mapped class whose own table the class is mapped to (itself, or up its chain of
        single-table parents); None when not mapped or not known."""
        def compute() -> tuple[str, ClassFacts] | None:
            if self.maps_table(path, cls) is not True:
                return None
            shared = self.shares_parent_table(path, cls)
            if shared is None:
                return None
            if not shared:
                return (path, cls) if cls.tablename else None
            parents = self.mapped_bases(cls)
            return self._table_owner(*parents[0]) if parents is not None and len(parents) == 1 else None

        return self._memo("table_owner", cls, compute)

    def table_of(self, path: str, cls: ClassFacts) -> MappedTable | None:
        """The table the class is mapped to: its name and schema, and the columns and indexes
        each class mapped to it puts in, with where they are declared. For a single-table
        subclass, its parent's table. None when the class is not mapped, or which table it is
        mapped to is not known (a computed name, `__table__`, a base outside the project)."""
        # (rules ask it for every class again and again: one look-up once it is known)
        answers = self.class_answers.get("table_of")
        if answers is None:
            answers = self.class_answers["table_of"] = {}
        known = answers.get(id(cls))
        if known is not None and known[0] is cls:
            return known[1]
        owner = self._table_owner(path, cls)
        table = None
        if owner is not None:
            tables = self.class_answers.setdefault("mapped_tables", {})
            if id(owner[1]) not in tables:
                tables[id(owner[1])] = (owner[1], self._mapped_table(*owner))
            table = tables[id(owner[1])][1]
        answers[id(cls)] = (cls, table)
        return table

    def _mapped_table(self, path: str, cls: ClassFacts) -> MappedTable:
        own = self.class_part(path, cls)
        parts = [own]
        declared_by = {(d.path, d.owner) for d in own.columns + own.indexes}
        for child_path, child in self._single_table_children().get(id(cls), ()):
            part = self.class_part(child_path, child)
            parts.append(replace(  # what the parent's part has already (its mixins, the base)
                part,
                columns=tuple(d for d in part.columns if (d.path, d.owner) not in declared_by),
                indexes=tuple(d for d in part.indexes if (d.path, d.owner) not in declared_by),
            ))
        # (a base outside the project is taken to set no schema, as SQLAlchemy's own bases do)
        schemas = own.table_args_schemas
        if not schemas or "__table_args__" in cls.own_attributes:
            schema: tuple[str | None, bool] = schemas[0] if schemas else (None, True)
        else:
            # several bases bind it: which one wins is the MRO's order, not followed here
            schema = schemas[0] if len(set(schemas)) == 1 else (None, False)
        return MappedTable(cls.tablename or "", schema[0], schema[1], path, cls.name, tuple(parts))

    def _single_table_children(self) -> dict[int, list[tuple[str, ClassFacts]]]:
        """id(table owner) -> the classes mapped to its table by single-table inheritance."""
        children = self.class_answers.get("single_table_children")
        if children is None:
            children = self.class_answers["single_table_children"] = defaultdict(list)
            for path, cls in self.classes():
                owner = self._table_owner(path, cls)
                if owner is not None and owner[1] is not cls:
                    children[id(owner[1])].append((path, cls))
        return children

    def passes_prefilter(self, path: str) -> bool:
        """Does the file surely pass the engine's prefilter: it declares a column, a relationship
        or a table, so its text names SQLAlchemy? A rule whose finding rests on a class of a file
        that may not (an STI subclass alone in its file) must not report it: with the prefilter
        on, that file's classes are opaque, and findings must not depend on the prefilter."""
        marked = self.derived.get("prefilter_passes")
        if marked is None:
            marked = self.derived["prefilter_passes"] = {
                f.path for f in self.files
                if f.parsed and not f.class_names_from_text
                and (f.tables or any(c.columns or c.relationships for c in f.classes))
            }
        return path in marked

    def table_part(self, path: str, cls: ClassFacts) -> TablePart | None:
        """What the class puts into the table it is mapped to (MappedTable.parts)."""
        table = self.table_of(path, cls)
        if table is None:
            return None
        return next((p for p in table.parts if p.path == path and p.class_name == cls.name), None)

    def tables(self) -> dict[str, list[tuple[str, str | None, tuple[ColumnFacts, ...]]]]:
        """Table name -> [(path, class name or None for Table(), columns)]: each table_of
        answer (its mixins' and single-table subclasses' columns included), and the class's own
        columns for a class with a table name whose table is not known."""
        found: dict[str, list] = defaultdict(list)
        for facts in self.files:
            for cls in facts.classes:
                table = self.table_of(facts.path, cls)
                if table is None and cls.tablename:
                    found[cls.tablename].append((facts.path, cls.name, cls.columns))
                elif table is not None and table.path == facts.path and table.class_name == cls.name:
                    found[table.name].append((facts.path, cls.name, tuple(d.fact for d in table.columns)))
            for table in facts.tables:
                found[table.name].append((facts.path, None, table.columns))
        return dict(found)

    @property
    def table_names_complete(self) -> bool:
        """Every mapped class names its table literally (no declared_attr `__tablename__`, no
        Flask-SQLAlchemy generated name, no `__table__`), so a table not found does not exist."""
        return not any(
            cls.tablename is None
            and cls.declares_mapping
            and cls.kind in ("mapped", "unknown")
            and (not cls.shares_parent_table or self._inherits_computed_tablename(path, cls))
            for path, cls in self.classes()
        )

    def _inherits_computed_tablename(self, path: str, cls: ClassFacts) -> bool:
        """Does the class get its table name from a base that computes it (a declared_attr
        `__tablename__` on the declarative base or a mixin), or from a base not in the project?
        Without a primary key of its own it looks like a single-table subclass, yet it has a
        table of its own, whose name is not written anywhere."""
        for found in self.ancestors(path, cls):
            if found is None:
                return True
            base = found[1]
            if base.tablename is not None:
                return False  # the nearest named table: single-table inheritance of it
            if "__tablename__" in base.own_attributes:
                return True
        return False

    def declarative_root(self, path: str, cls: ClassFacts) -> tuple[str, str] | None:
        """The declarative base (or library root) a mapped class belongs to, as (path, name),
        or ("", "flask.Model") / ("", "sqlmodel.SQLModel"): the one root found above it, along
        every base. A root is a declarative base, an `__abstract__` class with no base in the
        project (`class Model(DeclarativeBase): __abstract__ = True`), or a class deriving from
        the library's model class alone; abstract bases may meet again above (a diamond).
        Mixins lead to none, so a class whose bases in the project are all mixins belongs to
        the library it or they name (`class Post(TimestampMixin, db.Model)`). None when a base
        is not in the project, or there is no or more than one root."""
        def compute() -> tuple[str, str] | None:
            roots: set[tuple[str, str]] = set()
            libraries: set[str] = set()
            pending = [(path, cls)]
            seen: set[tuple[str, str]] = set()
            while pending:
                here_path, here = pending.pop()
                if (here_path, here.name) in seen:
                    continue
                seen.add((here_path, here.name))
                if here.kind == "base" or (
                    here.kind == "abstract" and not here.project_bases and not here.library_root
                ):
                    roots.add((here_path, here.name))
                    continue
                if here.library_root:
                    if not here.project_bases:
                        roots.add(("", here.library_root))
                        continue
                    libraries.add(here.library_root)
                for ref in here.project_bases:
                    found = self.resolve_base(ref) if ref is not None else None
                    if found is None:
                        return None
                    pending.append(found)
            if not roots and len(libraries) == 1:
                roots = {("", libraries.pop())}
            return roots.pop() if len(roots) == 1 else None

        return self._memo("declarative_root", cls, compute)

    def metadata_scope(self, path: str, root: tuple[str, str]) -> tuple[str, str]:
        """Where table and index names of classes under `root` (see declarative_root) must be
        unique. A declarative base of the project is one MetaData. A library's (SQLModel's
        global metadata, a Flask app's `db.Model`) is shared within one application only:
        separate applications in one repository (each its own top-level package, process and
        database) may reuse names, so the scope is the file's top-level package."""
        if root[0]:
            return root
        return _top_level_package(path, self.package_dirs()), root[1]

    def _unparsed_paths(self) -> frozenset[str]:
        paths = self.derived.get("unparsed_paths")
        if paths is None:
            paths = self.derived["unparsed_paths"] = frozenset(
                f.path for f in self.files if not f.parsed
            )
        return paths

    def package_dirs(self) -> frozenset[str]:
        """The directories of the project's files that hold an `__init__.py` (packages)."""
        dirs = self.derived.get("package_dirs")
        if dirs is None:
            dirs = self.derived["package_dirs"] = frozenset(
                os.path.dirname(f.path) for f in self.files if os.path.basename(f.path) == "__init__.py"
            )
        return dirs

    def classes(self) -> list[tuple[str, ClassFacts]]:
        """Every class of the project's files, with its file's path (listed once: most project
        rules go through them all)."""
        found = self.class_answers.get("classes")
        if found is None:
            found = self.class_answers["classes"] = [
                (facts.path, class_facts) for facts in self.files for class_facts in facts.classes
            ]
        return found

    def ancestors(
        self, path: str, cls: ClassFacts, through: Callable[[ClassFacts], bool] | None = None
    ) -> Iterator[tuple[str, ClassFacts] | None]:
        """The project classes above `cls`, nearest first (each once); None for a base that
        cannot be found. `through(base)` False: do not go on to that base's own bases."""
        seen = {(path, cls.name)}
        pending = deque(cls.project_bases)
        while pending:
            ref = pending.popleft()
            found = self.resolve_base(ref) if ref is not None else None
            if found is None:
                yield None
                continue
            if (found[0], found[1].name) in seen:
                continue
            seen.add((found[0], found[1].name))
            yield found
            if through is None or through(found[1]):
                pending.extend(found[1].project_bases)

    def attributes(self, path: str, cls: ClassFacts) -> frozenset[str] | None:
        """Every attribute the class has, its bases' included; None when some base is unknown."""
        names: set[str] = set(cls.own_attributes)
        for found in self.ancestors(path, cls):
            if found is None:
                return None
            names |= found[1].own_attributes
        return frozenset(names)

    def resolve_base(self, ref: BaseRef) -> tuple[str, ClassFacts] | None:
        """The class a base refers to: the one defined in its module; None when not in the
        project, ambiguous, or (the module unknown) not unique."""
        candidates = self.classes_by_name.get(ref.name, [])
        if ref.module is None:
            return candidates[0] if len(candidates) == 1 else None
        exact = [c for c in candidates if _same_module(c[0], ref.module)]
        if len(exact) == 1:
            return exact[0]
        # `from app.models import Base`, defined in app/models/base.py and re-exported: accept
        # the only class of that name when the module is a package of this project.
        if not exact and len(candidates) == 1 and _inside(candidates[0][0], ref.module):
            return candidates[0]
        return None

    def resolve_class(self, name: str, prefer_path: str | None = None) -> tuple[str, ClassFacts] | None:
        """The class a relationship names: the one in `prefer_path` if there is one, else the
        only one that declares something mapped (a pydantic `Role` beside the model `Role` is not
        in SQLAlchemy's registry), else the only one; None when ambiguous or absent."""
        found = self.classes_by_name.get(name, [])
        unparsed = self._unparsed_paths()  # their classes may declare anything
        for candidates in (
            [item for item in found if item[0] == prefer_path],
            [item for item in found if item[1].declares_mapping or item[0] in unparsed],
            found,
        ):
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                return None
        return None

    def mapped_class(self, name: str) -> tuple[str, ClassFacts] | None:
        """The one class of this name that is not a declarative base; None if absent or ambiguous."""
        found = [(p, c) for p, c in self.classes_by_name.get(name, ()) if c.kind != "base"]
        return found[0] if len(found) == 1 else None


def _redeclared(columns: Iterable[ColumnFacts]) -> set[str]:
    counts = Counter(c.attr for c in columns if c.attr)
    return {attr for attr, count in counts.items() if count > 1}


# Each file given its implicit table names, by the file's facts and the names: the same object
# at every build of a resident process while neither changes (ProjectIndex.carry_answers
# reuses the answers of the classes it holds).
_named_files = BoundedMemo(50_000)


def _named_file(facts: FileFacts, named: dict[int, str]) -> FileFacts:
    names = tuple(named.get(id(c)) for c in facts.classes)
    key = (id(facts), names)
    known = _named_files.get(key)
    if known is not None and known[0] is facts:
        return known[1]
    return _named_files.put(key, (facts, _with_tablenames(facts, named)))[1]


def _with_tablenames(facts: FileFacts, named: dict[int, str]) -> FileFacts:
    """The file's facts with the table names `named` (by id of ClassFacts) written in: into its
    classes, and into the index names of their tables (a class name defined twice: neither)."""
    classes = tuple(
        replace(c, tablename=named[id(c)], shares_parent_table=False, tablename_implicit=True)
        if id(c) in named else c for c in facts.classes
    )
    counts = defaultdict(int)
    for c in facts.classes:
        counts[c.name] += 1
    tables = {c.name: named[id(c)] for c in facts.classes if id(c) in named and counts[c.name] == 1}
    index_names = tuple(
        replace(n, table=tables[n.owner_class]) if n.owner_class in tables else n
        for n in facts.index_names
    )
    return replace(facts, classes=classes, index_names=index_names)


# The per-class answers `carry_answers` takes over (see its docstring for what they read).
_CARRIED_KINDS = ("maps_table", "own_table_part", "declarative_root", "table_owner")
# An index's files by id and its carried answers by kind (id of the class -> (class, answer)).
CarriedAnswers = tuple[dict[int, "FileFacts"], dict[str, dict[int, tuple[ClassFacts, Any]]]]


def _adds_no_class_answer(facts: FileFacts) -> bool:
    """Leaving the file out of an index changes no class's answers (ProjectIndex.without)."""
    return (
        facts.parsed and not facts.classes and not facts.tables and facts.flask_naming is None
        and os.path.basename(facts.path) != "__init__.py"
    )


def _flask_names_generated(files: Iterable[FileFacts]) -> bool:
    """Flask-SQLAlchemy is used, and no file may configure its model class otherwise."""
    namings = {f.flask_naming for f in files}
    return "default" in namings and "custom" not in namings


def _same_module(path: str, module: str) -> bool:
    own = _module_path(path.replace("\\", "/"))
    return own == module or own.endswith("/" + module)


def _inside(path: str, package: str) -> bool:
    posix = "/" + path.replace("\\", "/")
    return ("/" + package + "/") in posix
