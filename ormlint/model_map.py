"""The project's models as the language server navigates them: where a class, an attribute, a
table or a column named in a string (`relationship("X")`, `back_populates="y"`,
`ForeignKey("t.c")`, `secondary="t"`, a revision's `op.add_column("t", ...)`) is declared, where
a class, table or column is named across models and revisions, and each file's outline.

Built from the project index of the project lint (`ormlint.facts`: plain data, the checked code
is never imported); positions are ormlint's (1-based lines, columns in code points).
"""

from __future__ import annotations

import functools
import os
import re
import threading
from dataclasses import dataclass, field, replace
from typing import Iterable

from ormlint.facts import ClassFacts, FileFacts, Location, ProjectIndex, TableFacts
from ormlint.memo import BoundedMemo
from ormlint.revision_names import NameUse, argument_names, revision_names

# A one-line string literal (no prefix handling needed: names are plain words).
_STRING = re.compile(r"""(?P<quote>['"])(?P<value>[^'"\\\n]*)(?P=quote)""")


@dataclass(frozen=True)
class Place:
    path: str  # absolute
    location: Location


@dataclass(frozen=True)
class Symbol:
    """One entry of a file's outline: a class or Table() (kind "class" / "table") with its
    columns and relationships (kind "column" / "relationship")."""

    name: str
    kind: str
    location: Location
    children: tuple["Symbol", ...] = ()


@dataclass(frozen=True)
class Named:
    """What a name under the cursor stands for: a mapped class (`name`), a table (`table`) or
    one of its columns (`table`, `column`)."""

    kind: str  # "class", "table" or "column"
    name: str


@dataclass
class ModelMap:
    """The model files of a project (those declaring a class or a Table()) and its Alembic
    revisions, by absolute path."""

    files: dict[str, FileFacts]
    revisions: frozenset[str] = field(init=False)
    # revision path -> (its text, or its file's size and mtime; its names): handed from one map
    # of the project to the next, so that a new lint does not read every revision again.
    revision_cache: dict[str, tuple[object, list[NameUse]]] = field(default_factory=dict)
    # The index and its tables are built at the first request that needs them, or by `build`
    # (the server calls it after publishing a project lint's diagnostics: 70 ms on polar's
    # 1,078 model files, which the diagnostics need not wait for).
    _built: tuple[ProjectIndex, dict] | None = field(default=None, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.revisions = frozenset(path for path, facts in self.files.items() if facts.is_revision)

    def build(self) -> tuple[ProjectIndex, dict[str, list[tuple[str, str | None, tuple]]]]:
        """The project index of the files and its `tables()`, built once (by whichever thread
        asks first; the others wait for it)."""
        built = self._built
        if built is None:
            with self._lock:
                if self._built is None:
                    index = ProjectIndex.build(self.files.values(), whole_project=True)
                    self._built = (index, index.tables())
                built = self._built
        return built

    @property
    def index(self) -> ProjectIndex:
        return self.build()[0]

    @property
    def tables(self) -> dict[str, list[tuple[str, str | None, tuple]]]:
        """ProjectIndex.tables(), computed once, not per request."""
        return self.build()[1]

    @classmethod
    def from_index(cls, index: ProjectIndex) -> "ModelMap":
        return cls(model_files(index.files))

    # -- go to definition -------------------------------------------------------------------------

    def definition(
        self, path: str, line: int, column: int, line_text: str, source: str | None = None
    ) -> list[Place]:
        """Where the name in the string literal at (line, column) of `path` is declared, when
        that string is a relationship's target, back_populates or secondary, a column's
        foreign key, or a table or column a revision's operation names; [] otherwise.
        `line_text`: the text of that line; `source`: the whole text (needed for a revision)."""
        if os.path.abspath(path) in self.revisions and source is not None:
            use = _use_at(self.revision_names(os.path.abspath(path), source), line, column)
            if use is None:
                return []
            return (use.column is not None and self.table(use.table, use.column)) or self.table(use.table)
        facts = self.files.get(os.path.abspath(path))
        value = string_at(line_text, column)
        if facts is None or value is None:
            return []
        for cls in facts.classes:
            for relationship in cls.relationships:
                if not _spans(relationship.location, line, column):
                    continue
                target = self._classes(relationship.target, facts.path) if relationship.target else []
                if value == relationship.target:
                    return [Place(p, c.location) for p, c in target]
                if value == relationship.back_populates:
                    return [place for p, c in target for place in self._attribute(p, c, value)]
                if value in (relationship.secondary_name, relationship.secondary_table):
                    return self.table(value)
            for column_facts in cls.columns:
                places = self._foreign_key(column_facts.foreign_keys, line, column)
                if places is not None:
                    return places
        table = self._table_around(facts, line)
        if table is not None:
            # A Table()'s facts place its columns at its name: the literal is matched by value.
            for column_facts in table.columns:
                for target, _ in column_facts.foreign_keys:
                    if target == value:
                        return self._referenced_column(target)
        return []

    @staticmethod
    def _table_around(facts: FileFacts, line: int) -> TableFacts | None:
        """The Table() whose statement may hold `line`: the last one named at or above it, when
        no class or Table() of the file starts between them."""
        starts = sorted(
            [(t.location.line, t) for t in facts.tables]
            + [(c.location.line, None) for c in facts.classes],
            key=lambda item: item[0],
        )
        above = [table for start, table in starts if start <= line]
        return above[-1] if above else None

    def _foreign_key(
        self, foreign_keys: Iterable[tuple[str, Location]], line: int, column: int
    ) -> list[Place] | None:
        for target, location in foreign_keys:
            if _spans(location, line, column):
                return self._referenced_column(target)
        return None

    def _referenced_column(self, target: str) -> list[Place]:
        """Where a foreign key's "table.column" (or "schema.table.column") is declared."""
        table, _, column_name = target.rpartition(".")
        places = self.table(table, column_name)
        if not places and "." in table:
            places = self.table(table.rpartition(".")[2], column_name)
        return places

    def _classes(self, name: str, prefer_path: str) -> list[tuple[str, ClassFacts]]:
        """The classes a relationship's target may be (SQLAlchemy's registry: one per name;
        the one of the same file first, else those that map something)."""
        found = self.index.classes_by_name.get(name.rpartition(".")[2], [])
        for candidates in (
            [item for item in found if item[0] == prefer_path],
            [item for item in found if item[1].declares_mapping],
        ):
            if candidates:
                return candidates
        return list(found)

    def _attribute(self, path: str, cls: ClassFacts, name: str) -> list[Place]:
        """Where attribute `name` of the class is declared: its own, else its bases'."""
        for owner_path, owner in [(path, cls), *filter(None, self.index.ancestors(path, cls))]:
            for relationship in owner.relationships:
                if relationship.attr == name:
                    return [Place(owner_path, relationship.location)]
            for column_facts in owner.columns:
                if column_facts.attr == name and column_facts.location is not None:
                    return [Place(owner_path, column_facts.location)]
        return []

    def table(self, name: str, column: str | None = None) -> list[Place]:
        """Where table `name` (or its `column`) is declared: the class mapped to it (its
        column's line), or the Table() (its column's line)."""
        places = []
        for path, class_name, columns in self.tables.get(name, []):
            if column is not None:
                places += [
                    Place(path, c.location) for c in columns
                    if c.location is not None and (c.name or c.attr) == column
                ]
                continue
            if class_name is None:
                facts = self.files[path]
                places += [Place(path, t.location) for t in facts.tables if t.name == name]
            else:
                places += [
                    Place(path, c.location) for c in self.files[path].classes if c.name == class_name
                ]
        return list(dict.fromkeys(places))

    # -- find references --------------------------------------------------------------------------

    def named_at(self, path: str, line: int, column: int, line_text: str, source: str | None = None) -> Named | None:
        """The class, table or column named at (line, column) of `path`: a class's name in its
        `class` line or in a relationship's target, a `__tablename__`, `secondary=`, `Table()`
        or revision operation's table, a column's attribute, a `ForeignKey("t.c")`."""
        path = os.path.abspath(path)
        if path in self.revisions and source is not None:
            use = _use_at(self.revision_names(path, source), line, column)
            if use is None:
                return None
            return Named("table", use.table) if use.column is None else Named("column", f"{use.table}.{use.column}")
        facts = self.files.get(path)
        if facts is None:
            return None
        word = _word_at(line_text, column)
        for cls in facts.classes:
            if cls.location.line == line and word == cls.name:
                return Named("class", cls.name)
            if cls.tablename_location is not None and _spans(cls.tablename_location, line, column):
                return Named("table", cls.tablename or "")
            for relationship in cls.relationships:
                if not _spans(relationship.location, line, column):
                    continue
                value = string_at(line_text, column) or word
                if value and value == relationship.target:
                    return Named("class", value.rpartition(".")[2])
                if value and value == relationship.secondary_table:
                    return Named("table", value)
            for column_facts in cls.columns:
                for target, at in column_facts.foreign_keys:
                    if _spans(at, line, column):
                        return _column_named(target)
                at = column_facts.location
                if at is not None and at.line == line and word and word == column_facts.attr:
                    table = self.index.table_of(path, cls)
                    if table is not None:
                        return Named("column", f"{table.name}.{column_facts.name or column_facts.attr}")
        table = self._table_around(facts, line)
        value = string_at(line_text, column)
        if table is not None and value:
            if table.location.line == line and value == table.name:
                return Named("table", value)
            for column_facts in table.columns:
                if any(target == value for target, _ in column_facts.foreign_keys):
                    return _column_named(value)
        return None

    def references(
        self, named: Named, texts: dict[str, str] | None = None, include_declaration: bool = True
    ) -> list[Place]:
        """Where `named` is named (and declared, with `include_declaration`) across the model
        files and the revisions (their editor text from `texts`, by absolute path, when open;
        else the file's), in path order."""
        places: list[Place] = []
        table, _, column = named.name.partition(".") if named.kind == "column" else (named.name, "", "")
        if include_declaration and named.kind == "class":
            places += [Place(p, c.location) for p, c in self.index.classes_by_name.get(named.name, [])]
        elif include_declaration:
            places += self.table(table, column or None)
        for path, facts in self.files.items():
            for cls in facts.classes:
                for relationship in cls.relationships:
                    target = relationship.target and relationship.target.rpartition(".")[2]
                    if named.kind == "class" and target == named.name:
                        at = relationship.target_location or relationship.annotation_target_location
                        places.append(Place(path, at or relationship.location))
                    if named.kind == "table" and table in (relationship.secondary_table, relationship.secondary_name):
                        places.append(Place(path, relationship.location))
                if named.kind == "table" and cls.tablename == table and cls.tablename_location is not None:
                    places.append(Place(path, cls.tablename_location))
            if named.kind != "class":
                for cls_or_table in (*facts.classes, *facts.tables):
                    for column_facts in cls_or_table.columns:
                        for target, at in column_facts.foreign_keys:
                            referred = _column_named(target)
                            if referred.name == named.name or (named.kind == "table" and referred.name.partition(".")[0] == table):
                                places.append(Place(path, at))
        if named.kind != "class":
            for path in sorted(self.revisions):
                source = (texts or {}).get(path)
                for use in self.revision_names(path, source):
                    same = (use.column or "") == column or (named.kind == "table" and use.foreign_key)
                    if use.table == table and same:
                        places.append(Place(path, use.location))
        places = list(dict.fromkeys(places))
        places.sort(key=lambda p: (p.path, p.location.line, p.location.column))
        return places

    def revision_names(self, path: str, source: str | None = None) -> list[NameUse]:
        """The names a revision's operations write (`ormlint.revision_names`), kept per text
        (a file on disk: per size and modification time, so a request reads only what changed)."""
        stamp: object = source
        if source is None:
            try:
                status = os.stat(path)
            except OSError:
                return []
            stamp = (status.st_size, status.st_mtime_ns)
        kept = self.revision_cache.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        if source is None:
            try:
                with open(path, encoding="utf-8", errors="replace", newline="") as file:
                    source = file.read()
            except OSError:
                return []
        self.revision_cache[path] = (stamp, revision_names(source))
        return self.revision_cache[path][1]

    # -- outline ----------------------------------------------------------------------------------

    def symbols(self, path: str) -> list[Symbol]:
        """The file's classes and Table()s with their columns and relationships, in file order."""
        facts = self.files.get(os.path.abspath(path))
        if facts is None:
            return []
        found = []
        for cls in facts.classes:
            members = [
                Symbol(c.attr, "column", c.location) for c in cls.columns
                if c.attr and c.location is not None
            ] + [Symbol(r.attr, "relationship", r.location) for r in cls.relationships]
            members.sort(key=lambda symbol: (symbol.location.line, symbol.location.column))
            found.append(Symbol(cls.name, "class", cls.location, tuple(members)))
        for table in facts.tables:
            found.append(Symbol(table.name, "table", table.location, tuple(
                Symbol(c.name, "column", c.location) for c in table.columns
                if c.name and c.location is not None
            )))
        found.sort(key=lambda symbol: (symbol.location.line, symbol.location.column))
        return found


    # -- completion -------------------------------------------------------------------------------

    def completions(self, before: str, statement: str) -> tuple[int, list[Completion]]:
        """What may be typed in the string literal that `before` (the line up to the cursor)
        ends inside: `back_populates="` -> the relationships of the target class that
        `statement` (the text of the statement so far) names; `ForeignKey("` -> every known
        "table.column" starting with what is typed. Returns the 0-based column where the literal's text starts in
        `before`, and the candidates ([] when the cursor is elsewhere)."""
        match = _BACK_POPULATES.search(before)
        if match is not None:
            target = _relationship_target(statement)
            if target is None:
                return 0, []
            names = dict.fromkeys(
                (name, detail)
                for path, cls in self._classes(target, "")
                for name, detail in self._relationship_names(path, cls)
            )
            return match.start("typed"), [Completion(name, "relationship", detail) for name, detail in names]
        match = _FOREIGN_KEY.search(before)
        if match is not None:
            typed = match.group("typed")
            return match.start("typed"), [c for c in self.foreign_key_targets if c.label.startswith(typed)]
        named = _operation_argument(statement)
        if named is not None:
            kind, table, typed = named
            start = len(before) - len(typed)
            if kind == "table":
                return start, [
                    Completion(name, "table", ", ".join(c or "Table()" for _, c, _ in self.tables[name]))
                    for name in sorted(self.tables) if name.startswith(typed)
                ]
            columns = dict.fromkeys(
                c.name or c.attr for _, _, cs in self.tables.get(table, []) for c in cs if c.name or c.attr
            )
            return start, [Completion(c, "column", table) for c in columns if c.startswith(typed)]
        return 0, []

    @functools.cached_property
    def foreign_key_targets(self) -> list[Completion]:
        """Every "table.column" of the project, sorted (computed at the first completion)."""
        found = dict.fromkeys(
            (f"{table}.{column_facts.name or column_facts.attr}", class_name or f"Table({table!r})")
            for table, entries in self.tables.items()
            for _, class_name, columns in entries
            for column_facts in columns
            if column_facts.name or column_facts.attr
        )
        return [Completion(label, "column", detail) for label, detail in sorted(found)]

    def _relationship_names(self, path: str, cls: ClassFacts) -> list[tuple[str, str]]:
        owners = [(path, cls), *filter(None, self.index.ancestors(path, cls))]
        return [
            (relationship.attr, f"{owner.name}.{relationship.attr} -> {relationship.target or '?'}")
            for _, owner in owners
            for relationship in owner.relationships
        ]


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # "relationship", "column" or "table"
    detail: str


_BACK_POPULATES = re.compile(r"""\bback_populates\s*=\s*['"](?P<typed>\w*)$""")
_FOREIGN_KEY = re.compile(r"""\bForeignKey\(\s*['"](?P<typed>[\w.]*)$""")
# The class a relationship statement names: relationship("X") / relationship(X), else its
# annotation's innermost name (Mapped["X"], Mapped[list["X"]], Mapped[Optional[X]]).
_RELATIONSHIP_TARGET = re.compile(
    r"""\brelationship\(\s*(?:['"](?P<name>[\w.]+)|(?P<bare>[A-Za-z_][\w.]*)\b(?!\s*=))"""
)
_ANNOTATION_TARGET = re.compile(
    r"""\bMapped\[\s*(?:(?:typing\.)?(?:list|List|set|Set|Optional|WriteOnlyMapped|DynamicMapped)\[\s*)?['"]?(?P<name>[\w.]+)"""
)


# Inside a string argument of an Alembic operation: `op.add_column("`, `op.create_index("ix", "`,
# `op.drop_column("user", "`, `table_name="` (the arguments before it are literals or None).
_OPERATION_ARGUMENT = re.compile(
    r"""\bop\.(?P<method>\w+)\(\s*(?P<before>(?:(?:None|op\.f\(\s*['"][^'"\n]*['"]\s*\)|['"][^'"\n]*['"])\s*,\s*)*)"""
    r"""['"](?P<typed>[\w.]*)$"""
)
_PREVIOUS_ARGUMENT = re.compile(r"""None|op\.f\(\s*['"][^'"\n]*['"]\s*\)|['"](?P<value>[^'"\n]*)['"]""")
_TABLE_KEYWORD = re.compile(r"""\b(?:table_name|source_table|referent_table)\s*=\s*['"](?P<typed>[\w.]*)$""")


def _operation_argument(statement: str) -> tuple[str, str, str] | None:
    """("table", "", typed) or ("column", its table, typed) when `statement` ends inside the
    string argument of an `op.*` call that names a table or a column; None otherwise."""
    match = _TABLE_KEYWORD.search(statement)
    if match is not None:
        return "table", "", match.group("typed")
    match = _OPERATION_ARGUMENT.search(statement)
    if match is None:
        return None
    previous = list(_PREVIOUS_ARGUMENT.finditer(match.group("before")))
    kind = argument_names(match.group("method"), len(previous))
    if kind is None:
        return None
    table = (previous[0].group("value") or "") if previous else ""
    return kind, table, match.group("typed")


def _relationship_target(statement: str) -> str | None:
    for pattern in (_RELATIONSHIP_TARGET, _ANNOTATION_TARGET):
        match = pattern.search(statement)
        name = match and (match.group("name") or match.groupdict().get("bare"))
        if name:
            return name.rpartition(".")[2]
    return None


def model_files(files: Iterable[FileFacts]) -> dict[str, FileFacts]:
    """The files declaring a class or a Table(), and the revisions, by absolute path (the rest
    cannot be a target)."""
    found = {}
    for facts in files:
        if facts.classes or facts.tables or facts.is_revision:
            absolute = _absolute_facts(facts)
            found[absolute.path] = absolute
    return found


# id(facts) -> (facts, the same with an absolute path), from the language server's last project
# lint: most files' facts come back as the same objects from the cache at the next one.
_absolute_memo = BoundedMemo(50_000)  # id -> (facts, facts with an absolute path)


def _absolute_facts(facts: FileFacts) -> FileFacts:
    known = _absolute_memo.get(id(facts))
    if known is not None and known[0] is facts:
        return known[1]
    path = os.path.abspath(facts.path)
    absolute = facts if path == facts.path else replace(facts, path=path)
    _absolute_memo.put(id(facts), (facts, absolute))
    return absolute


def _use_at(uses: list[NameUse], line: int, column: int) -> NameUse | None:
    return next((use for use in uses if _spans(use.location, line, column)), None)


def _column_named(target: str) -> Named:
    """A foreign key's "table.column" (or "schema.table.column")."""
    table, _, column = target.rpartition(".")
    return Named("column", f"{table.rpartition('.')[2]}.{column}")


_WORD = re.compile(r"\w+")


def _word_at(line_text: str, column: int) -> str | None:
    """The identifier at 1-based `column` (or just before it: a cursor at a word's end)."""
    for match in _WORD.finditer(line_text):
        if match.start() < column <= match.end() + 1:
            return match.group()
    return None


def string_at(line_text: str, column: int) -> str | None:
    """The value of the one-line string literal at 1-based `column` (quotes included)."""
    for match in _STRING.finditer(line_text):
        if match.start() < column <= match.end():
            return match.group("value")
    return None


def _spans(location: Location, line: int, column: int) -> bool:
    start, end = (location.line, location.column), (location.end_line, location.end_column)
    return start <= (line, column) <= end
