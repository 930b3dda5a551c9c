"""The project index: what each file declares that other files may refer to.

Per file, `file_facts` turns the FileModel into small, picklable facts (`ormlint.facts`: no
syntax trees), located through the `ast` tree that the engine's syntax check produced anyway
(libcst positions cost a codegen pass). The index merges every file's facts; project rules read
only the index.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import dataclasses
from collections import deque
from typing import Iterable, Iterator

import libcst as cst

from ormlint.facts import (  # noqa: F401  (re-exported: the facts are part of this module's API)
    BaseRef, CheckFacts, ClassFacts, ColumnFacts, EnumFacts, FileFacts, IndexFacts, IndexNameFacts, Location, ProjectIndex,
    RelationshipFacts, TableFacts, _module_path, opaque_class, text_facts,
)
from ormlint.enum_labels import enum_call, enum_class_members, read_enum_type
from ormlint.generated_columns import NOT_GENERATED, UNKNOWN as GENERATED_UNKNOWN, generated_fields
from ormlint.model.extract import keyword_args
from ormlint.model.names import (
    BUILTIN_NAMES, bool_value, dotted_name, optional_core, string_value, syntax_children,
)
from ormlint.model.types import FileModel
from ormlint.table_args_columns import imported_class_columns
from ormlint.syntax import statements_breadth_first
from ormlint.unnamed_constraints import column_sites, item_sites


# -- building facts from one file ----------------------------------------------------------------


class _AstPositions:
    """Source positions of class-level declarations, from the `ast` tree."""

    def __init__(self, tree: ast.Module | None, class_names: Iterable[str] = ()) -> None:
        self._assignments: dict[str, dict[str, ast.AST]] = {}
        self._strings: dict[int, dict[str, ast.AST]] = {}  # id(scope) -> first node of each string
        # The first class statement of each name in `class_names`, in `ast.walk`'s order; the
        # search ends when all are found (module-level classes come first in that order).
        self.classes: dict[str, ast.ClassDef] = {}
        wanted = set(class_names)
        if tree is not None and wanted:
            for node in statements_breadth_first(tree):
                if type(node) is ast.ClassDef and node.name in wanted:
                    self.classes.setdefault(node.name, node)
                    if len(self.classes) == len(wanted):
                        break

    @staticmethod
    def located(node: ast.AST | None) -> Location | None:
        if node is None or not hasattr(node, "lineno"):
            return None
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None)
        return Location(
            node.lineno, node.col_offset + 1, end_line,
            (end_col + 1) if end_col is not None else node.col_offset + 1,
        )

    def assignment(self, cls: str, attr: str) -> ast.AST | None:
        table = self._assignments.get(cls)
        if table is None:
            table = self._assignments[cls] = {}
            node = self.classes.get(cls)
            stack = list(node.body) if node is not None else []
            while stack:  # the class body and its if/try/with blocks, not nested defs
                stmt = stack.pop()
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    for target in targets:
                        if isinstance(target, ast.Name):
                            table.setdefault(target.id, stmt)
                elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
                    for block in ("body", "orelse", "finalbody", "handlers"):
                        for child in getattr(stmt, block, ()):
                            stack.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
        return table.get(attr)

    @staticmethod
    def keyword(stmt: ast.AST | None, name: str) -> ast.AST | None:
        if stmt is None:
            return None
        for node in _walk(stmt):
            if type(node) is ast.keyword and node.arg == name:
                return node.value
        return None

    def first_string(self, scope: ast.AST | None, value: str) -> ast.AST | None:
        """The first string constant equal to `value` in `scope`, in `ast.walk` order (one walk
        per scope, however many strings are looked up in it)."""
        if scope is None:
            return None
        strings = self._strings.get(id(scope))
        if strings is None:
            strings = self._strings[id(scope)] = {}
            for node in _walk(scope):
                if type(node) is ast.Constant and isinstance(node.value, str):
                    strings.setdefault(node.value, node)
        return strings.get(value)


def _walk(root: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk`'s nodes in its order (breadth first), without the expression contexts (leaves:
    leaving them out changes no other node's place) and at about half its cost."""
    queue = deque((root,))
    while queue:
        node = queue.popleft()
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                queue.extend([item for item in value if isinstance(item, ast.AST)])
            elif isinstance(value, ast.AST) and name != "ctx":
                queue.append(value)




def file_facts(model: FileModel, tree: ast.Module | None) -> FileFacts:
    positions = _AstPositions(tree, [cls.name for cls in model.classes])
    origins = _import_origins(model)
    classes = []
    for cls in model.classes:
        class_node = positions.classes.get(cls.name)
        location = Location(1, 1, 1, 1)
        if class_node is not None:  # the `class Name` part, not decorators and body
            start = class_node.col_offset + 1
            location = Location(class_node.lineno, start, class_node.lineno,
                                start + len("class ") + len(cls.name))
        columns = []
        for column in cls.columns:
            stmt = positions.assignment(cls.name, column.attr) if column.attr else None
            columns.append(_column_facts(model, column, positions, stmt, location, origins))
        columns += _bare_mapped_columns(model, cls, positions, location, origins)
        relationships = []
        for rel in cls.relationships:
            if not rel.attr:
                continue
            stmt = positions.assignment(cls.name, rel.attr)
            back = rel.kwargs.get("back_populates")
            relationships.append(
                RelationshipFacts(
                    attr=rel.attr,
                    target=(rel.target or _annotation_target(model, rel) or "").rpartition(".")[2] or None,
                    back_populates=string_value(back.value) if back is not None else None,
                    has_unknown_kwargs=any(arg.star == "**" for arg in rel.node.args),
                    keywords=frozenset(rel.kwargs),
                    location=positions.located(stmt) or location,
                    target_location=positions.located(
                        positions.first_string(stmt, rel.target) if rel.target else None
                    ),
                    back_populates_location=positions.located(positions.keyword(stmt, "back_populates")),
                    annotation_target_location=_annotation_target_location(model, rel, stmt, positions, tree),
                    **_relationship_literals(model, rel),
                )
            )
        table_keyword = any(
            arg.keyword is not None and arg.keyword.value == "table"
            and bool_value(arg.value) is True for arg in cls.node.keywords
        )
        library_root = next(
            (sym for base in cls.bases
             if (sym := model.imports.dotted_symbol(base)) in ("flask.Model", "sqlmodel.SQLModel")),
            None,
        )
        classes.append(
            ClassFacts(
                library_root=library_root,
                table_options=_table_options(cls.table_args),
                **_schema_fields_of(_table_args_schema(cls.table_args)),
                indexes=_index_facts(
                    model, cls.indexes, cls.table_args.items, positions,
                    positions.classes.get(cls.name), location,
                ),
                columns_complete=_columns_complete(model, cls),
                constraints_complete=_constraints_complete(model, cls.table_args),
                name=cls.name, kind=cls.kind, tablename=cls.tablename,
                shares_parent_table=cls.shares_parent_table,
                project_bases=tuple(
                    ref for base in cls.bases if (ref := _project_base(base, model, origins)) != ""
                ) + ((None,) if len(cls.bases) < len(cls.node.bases) else ()),
                columns=tuple(columns), relationships=tuple(relationships),
                own_attributes=frozenset(_class_attributes(cls.node)),
                location=location,
                tablename_location=positions.located(positions.assignment(cls.name, "__tablename__")),
                lowered_name_tablename=_lowered_name_tablename(model, cls),
                mapper_args=_mapper_args(cls.node),
                table_args_imported_columns=_table_args_imported_columns(model, cls, origins, positions),
                enum_members=enum_class_members(cls.node, model.imports),
                **_table_beyond_fields(
                    model, _table_args_items(cls.table_args), _table_args_comment(cls.table_args),
                    positions, positions.classes.get(cls.name), location,
                ),
                sqlmodel_table=cls.is_sqlmodel and table_keyword,
                unnamed_constraints=_table_args_sites(model, cls, positions),
                table_keyword=table_keyword,
            )
        )
    tables = []
    index_names = []
    statement_lines = [stmt.lineno for stmt in tree.body] if tree is not None and model.tables else []
    for table in model.tables:
        if not table.tablename:
            continue
        name_node = positions.first_string(tree, table.tablename)
        where = positions.located(name_node) or Location(1, 1, 1, 1)
        table_call = _ast_table_call(tree, name_node, statement_lines)
        column_calls = _table_column_calls(table, table_call)
        tables.append(TableFacts(
            name=table.tablename,
            columns=tuple(
                _column_facts(model, c, positions, None, where, ast_call=column_calls.get(id(c.node)))
                for c in table.columns
            ),
            unnamed_constraints=item_sites(
                [a.value for a in table.node.args[2:] if a.keyword is None],
                [a for a in table_call.args[2:]] if table_call is not None else [],
                model.imports, positions.located,
            ),
            location=where,
            indexes=_index_facts(
                model, table.indexes, [a.value for a in table.node.args[2:] if a.keyword is None],
                positions, tree, where,
            ),
            constraints_complete=_table_constraints_complete(model, table),
            metadata=_table_metadata(model, table),
            **_table_beyond_fields(
                model, [a.value for a in table.node.args[2:] if a.keyword is None and not a.star],
                _table_call_comment(table.node), positions, tree, where,
            ),
            **_schema_fields_of(_schema_value(
                next((a.value for a in table.node.args
                      if a.keyword is not None and a.keyword.value == "schema"), None),
                unpacked_kwargs=any(a.star == "**" for a in table.node.args),
            )),
        ))
        index_names += _index_names(table.tablename, table.indexes, positions, tree)
    for cls in model.classes:
        if cls.tablename:
            index_names += _index_names(cls.tablename, cls.indexes, positions, positions.classes.get(cls.name))
        elif cls.kind == "mapped":  # the index may name its table (ProjectIndex.implicit_tablename)
            index_names += _index_names(
                "", cls.indexes, positions, positions.classes.get(cls.name), owner_class=cls.name
            )
    # `Base = declarative_base()` / `registry().generate_base()`: a declarative base that is a
    # variable, not a class statement; recorded as a base class so that subclasses resolve to it.
    for name, value in model.module_values.items():
        if isinstance(value, cst.Call) and (
            model.imports.symbol(value.func) == "declarative_base"
            or (isinstance(value.func, cst.Attribute) and value.func.attr.value == "generate_base")
        ):
            # declarative_base(cls=Mixin) puts Mixin's columns on every model: unknown here
            extends = any(arg.keyword is not None and arg.keyword.value == "cls" for arg in value.args)
            base = dataclasses.replace(
                opaque_class(name), kind="base", project_bases=(None,) if extends else ()
            )
            classes.append(base)
    return FileFacts(
        path=model.path, classes=tuple(classes), tables=tuple(tables),
        index_names=tuple(index_names), custom_type_map=model.custom_type_map,
        is_revision=model.is_alembic_revision, flask_naming=model.flask_naming,
        names_naming_convention=model.names_naming_convention,
    )


def _table_args_sites(model: FileModel, cls, positions: "_AstPositions") -> tuple:
    """ClassFacts.unnamed_constraints: those of the class's own `__table_args__` tuple."""
    if cls.table_args.shape != "tuple":
        return ()
    stmt = positions.assignment(cls.name, "__table_args__")
    value = getattr(stmt, "value", None)
    if not isinstance(value, ast.Tuple):
        return ()
    return item_sites(cls.table_args.items, value.elts, model.imports, positions.located)


def _ast_table_call(
    tree: ast.Module | None, name_node: ast.AST | None, statement_lines: list[int]
) -> ast.Call | None:
    """The `Table("name", ...)` call whose name is the string constant `name_node`.
    `statement_lines`: the first line of each of the module's statements (a file of many
    tables looks each one's statement up, not through all of them)."""
    if tree is None or name_node is None:
        return None
    line = name_node.lineno
    number = bisect.bisect_right(statement_lines, line) - 1
    if number < 0:
        return None
    stmt = tree.body[number]
    if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
        for node in _walk(stmt):
            if type(node) is ast.Call and node.args and node.args[0] is name_node:
                return node
    return None


def _table_column_calls(table, call: ast.Call | None) -> dict[int, ast.AST]:
    """The `ast` node of each positional argument of a Table() call, by id of its libcst node."""
    if call is None:
        return {}
    positional = [a.value for a in table.node.args if a.keyword is None]
    if len(positional) != len(call.args):
        return {}
    return {id(c): a for c, a in zip(positional, call.args)}


def _bare_mapped_columns(
    model: FileModel, cls, positions: "_AstPositions", fallback: Location, origins: dict[str, str],
) -> list[ColumnFacts]:
    """`name: Mapped[T]` without a value: a NOT NULL (or, for Optional, NULL) column of T's
    default SQL type (SQLAlchemy rejects one naming a class without a relationship()).
    WriteOnlyMapped/DynamicMapped are relationships."""
    from ormlint.schema import server_default_text

    found = []
    for bare in cls.bare_mapped:
        attr, mapped = bare.attr, bare.mapped
        if mapped is None or mapped.wrapper != "Mapped" or attr in cls.declared_attrs:
            continue
        db_type = _annotation_db_type(model, mapped)  # None: a custom type or an enum
        default, known = (
            server_default_text(bare.server_default, model.imports)
            if bare.server_default_known else (None, False)
        )
        found.append(ColumnFacts(
            attr=attr, name=attr, primary_key=mapped.primary_key, foreign_keys=(), sql_type=None,
            sql_type_from_annotation=True,
            location=positions.located(positions.assignment(cls.name, attr)) or fallback,
            db_type=db_type, nullable=mapped.nullable,
            server_default=default, server_default_known=known,
            primary_key_known=mapped.primary_key or mapped.names_known,
            annotation_class=_annotation_class(model, mapped, origins),
            enum=_annotation_enum(model, mapped, origins),
            **dict(zip(("comment", "comment_known"), _annotation_comment(mapped))),
            **_annotation_generated(model, mapped),
        ))
    return found


def _columns_complete(model: FileModel, cls) -> bool:
    """Every column of the class's own body is in its facts."""
    if cls.is_sqlmodel or cls.has_table:
        return False
    column_attrs = {c.attr for c in cls.columns}
    special = {"__tablename__", "__table_args__", "__mapper_args__"}
    if any(name not in column_attrs and name not in special for name in cls.declared_attrs):
        return False
    return not any(
        assignment.kind == "other" and not _dunder(assignment.attr)
        and _may_be_column(model, assignment.value)
        for assignment in cls.assignments
    )


def _mapper_args(node: cst.ClassDef) -> tuple[tuple[str, str | None], ...] | None:
    """ClassFacts.mapper_args of a class statement."""
    found = None
    for stmt in node.body.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                [small.target] if isinstance(small, cst.AnnAssign) else [])
            if not any(isinstance(t, cst.Name) and t.value == "__mapper_args__" for t in targets):
                continue
            if found is not None or not isinstance(small.value, cst.Dict):
                return None
            found = []
            for element in small.value.elements:
                key = string_value(element.key) if isinstance(element, cst.DictElement) else None
                if key is None:
                    return None  # `**other`, a computed key
                value = element.value
                text = string_value(value)
                literal = repr(text) if text is not None else (
                    value.value if isinstance(value, (cst.Integer, cst.Float)) else None
                )
                found.append((key, literal))
    if found is None:
        # bound otherwise: a declared_attr, inside an `if` or `try`
        return None if "__mapper_args__" in _class_attributes(node) else ()
    return tuple(found)


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _may_be_column(model: FileModel, value: cst.CSTNode | None) -> bool:
    """A class attribute's value that may put a column in the table although it is not a
    Column the model extracted: a call of a project helper (`id = primary_key()`,
    `Column = functools.partial(db.Column, ...)`), SQLAlchemy's `deferred(Column(...))`, or a
    module-level name bound to one of those."""
    if isinstance(value, cst.Name) and value.value in model.module_values:
        value = model.module_values[value.value]
        if isinstance(value, cst.Name):
            return False  # an alias of a class or a constant: not resolved further
    if not isinstance(value, cst.Call):
        return False
    symbol = model.imports.symbol(value.func)
    if symbol is None or symbol.startswith("flask.") or symbol in ("Column", "mapped_column"):
        return True  # not SQLAlchemy's, or a column the model did not extract
    # relationship(), association_proxy(), column_property(select(...)), synonym(), ...: no
    # column of their own, unless a Column is built inside (`deferred(Column(...))`)
    return any(
        isinstance(node, cst.Call) and model.imports.symbol(node.func) in ("Column", "mapped_column")
        for node in _calls_inside(value)
    )


def _calls_inside(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    pending = list(node.children)
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Call):
            found.append(current)
        pending.extend(current.children)
    return found


def _index_facts(
    model: FileModel, indexes, items, positions: "_AstPositions", scope, fallback: Location
) -> tuple[IndexFacts, ...]:
    """Explicit Index/UniqueConstraint declarations (column flags are on the ColumnFacts), and
    a PrimaryKeyConstraint among `items` (kind "primary_key": its columns are NOT NULL)."""
    found = [
        IndexFacts(
            name=index.name, columns=index.columns, unique=index.unique, kind=index.kind,
            location=(
                positions.located(positions.first_string(scope, index.name)) if index.name else None
            ) or fallback,
            where=index.where,
        )
        for index in indexes
        if index.origin != "column"
    ]
    for item in items:
        if isinstance(item, cst.Call) and model.imports.symbol(item.func) == "PrimaryKeyConstraint":
            names: list[str] | None = []
            for arg in item.args:
                if arg.keyword is not None:
                    continue
                name = string_value(arg.value) or (dotted_name(arg.value) or "").rpartition(".")[2]
                if arg.star or not name:
                    names = None
                    break
                names.append(name)
            named = next((a.value for a in item.args if a.keyword is not None and a.keyword.value == "name"), None)
            found.append(IndexFacts(
                string_value(named) if named is not None else None, tuple(names) if names else None,
                True, "primary_key", fallback,
            ))
    return tuple(found)


# Table-level items ormlint models (indexes, unique constraints) or that do not change what the
# drift rules compare (CHECK constraints, the primary key, which the columns already state).
_MODELLED_TABLE_ITEMS = {"Index", "UniqueConstraint", "CheckConstraint", "PrimaryKeyConstraint"}


def _constraints_complete(model: FileModel, table_args) -> bool:
    if table_args.shape in ("absent", "none", "dict"):
        return True
    if table_args.shape != "tuple" or any(table_args.starred):
        return False
    return all(_modelled_item(model, item) for item in table_args.items[:-1]) and (
        not table_args.items
        or isinstance(table_args.items[-1], cst.Dict)
        or _modelled_item(model, table_args.items[-1])
    )


def _modelled_item(model: FileModel, item: cst.BaseExpression) -> bool:
    return isinstance(item, cst.Call) and model.imports.symbol(item.func) in _MODELLED_TABLE_ITEMS


def _table_constraints_complete(model: FileModel, table) -> bool:
    """A `Table(name, metadata, Column(...), ...)` lists only columns and items ormlint models."""
    for arg in table.node.args[2:]:
        if arg.star:
            return False  # `*columns()`: columns and constraints not listed here
        if arg.keyword is not None:
            continue
        if isinstance(arg.value, cst.Call) and model.imports.symbol(arg.value.func) == "Column":
            continue
        if not _modelled_item(model, arg.value):
            return False
    return True


def _table_metadata(model: FileModel, table) -> tuple[str, str] | None:
    """Which MetaData `Table(name, <metadata>, ...)` is on (see TableFacts.metadata)."""
    args = [a for a in table.node.args if a.keyword is None and not a.star]
    if len(args) < 2:
        return None
    expr = args[1].value
    if isinstance(expr, cst.Attribute) and expr.attr.value == "metadata":
        owner = dotted_name(expr.value)
        if owner is None:
            return None
        if owner in model.imports.flask_handles:
            return ("library", "flask.Model")
        if model.imports.symbol(expr.value) == "sqlmodel.SQLModel":
            return ("library", "sqlmodel.SQLModel")
        return ("class", owner.rpartition(".")[2])
    if isinstance(expr, cst.Name):
        value = model.module_values.get(expr.value)
        if isinstance(value, cst.Call) and model.imports.symbol(value.func) == "MetaData":
            return ("variable", expr.value)
    return None


def _table_options(table_args) -> frozenset[str]:
    """Keys of the options dict of `__table_args__` (the dict itself, or a tuple's last item)."""
    node = table_args.node
    if isinstance(node, cst.Tuple) and node.elements:
        node = node.elements[-1].value
    if isinstance(node, cst.Dict):
        return frozenset(
            key for e in node.elements if isinstance(e, cst.DictElement)
            if (key := string_value(e.key)) is not None
        )
    if table_args.shape in ("dynamic", "other"):
        return frozenset({"?"})  # unknown options
    return frozenset()


def _table_args_schema(table_args) -> tuple[str | None, bool]:
    """The `schema` of `__table_args__`' options dict, and whether it is known."""
    node = table_args.node
    if isinstance(node, cst.Tuple) and node.elements:
        node = node.elements[-1].value
    if table_args.shape in ("dynamic", "other"):
        return None, False
    if not isinstance(node, cst.Dict):
        return None, True
    value = None
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None, False  # `**options`
        if string_value(element.key) == "schema":
            value = element.value
    return _schema_value(value)


def _schema_value(value: cst.BaseExpression | None, unpacked_kwargs: bool = False) -> tuple[str | None, bool]:
    """A `schema=` value: (its name, or None for the MetaData's default: absent or `None`;
    whether it is known: a literal, and no `**kwargs` that may pass one)."""
    if value is None:
        return None, not unpacked_kwargs
    if isinstance(value, cst.Name) and value.value == "None":
        return None, True
    text = string_value(value)
    return text, text is not None


def _schema_fields_of(schema: tuple[str | None, bool]) -> dict:
    return {"schema": schema[0], "schema_known": schema[1]}


def _index_names(
    table: str, indexes, positions: "_AstPositions", scope, owner_class: str | None = None
) -> list[IndexNameFacts]:
    found = []
    for index in indexes:
        if index.name and index.origin != "column":
            where = positions.located(positions.first_string(scope, index.name))
            found.append(IndexNameFacts(index.name, table, where or Location(1, 1, 1, 1), owner_class))
    return found


# Python annotation -> the SQL type SQLAlchemy's default type_annotation_map gives it. A project
# may map these differently (int -> BigInteger): such types are marked as from the annotation.
_ANNOTATION_TYPES = {
    "int": "Integer", "str": "String", "bool": "Boolean", "float": "Float", "bytes": "LargeBinary",
    "decimal.Decimal": "Numeric", "datetime.datetime": "DateTime", "datetime.date": "Date",
    "datetime.time": "Time", "datetime.timedelta": "Interval", "uuid.UUID": "Uuid",
}


def _column_facts(
    model: FileModel, column, positions: "_AstPositions", stmt, fallback: Location,
    origins: dict[str, str] | None = None, ast_call: ast.AST | None = None,
) -> ColumnFacts:
    return ColumnFacts(
        attr=column.attr,
        name=column.name,
        primary_key=bool(column.primary_key) or bool(column.annotation and column.annotation.primary_key),
        foreign_keys=tuple(
            (fk.target, positions.located(positions.first_string(stmt, fk.target)) or fallback)
            for fk in column.foreign_keys
            if fk.target
        ),
        sql_type=_sql_type(model, column),
        sql_type_from_annotation=column.type_expr is None,
        location=positions.located(stmt) or fallback,
        python_default="default" in column.kwargs or (
            column.constructor == "sqlmodel.Field" and "default_factory" in column.kwargs
        ),
        class_foreign_keys=tuple(
            ref for fk in column.foreign_keys
            if not fk.target and fk.node.args and fk.node.args[0].keyword is None
            and (ref := dotted_name(fk.node.args[0].value)) is not None and ref.count(".") == 1
        ),
        primary_key_known=_primary_key_known(column),
        annotation_class=_annotation_class(model, column.annotation, origins) if origins is not None else None,
        enum=_column_enum(model, column, origins or {}),
        **_schema_fields(model, column),
        **_column_beyond_fields(model, column, positions, stmt, positions.located(stmt) or fallback),
        **_column_constraint_fields(model, column, positions, stmt, ast_call),
    )


def _column_constraint_fields(
    model: FileModel, column, positions: "_AstPositions", stmt, ast_call: ast.AST | None
) -> dict:
    """ColumnFacts' `unnamed_constraints` and `sa_column` (ORM407, ORM508). `ast_call`: the
    column's call in the `ast` tree when known (a Table()'s column), else read from `stmt`."""
    sa_column = None
    if ast_call is None and isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call):
        ast_call = stmt.value
        inner = next((k.value for k in ast_call.keywords if k.arg == "sa_column"), None)
        if column.constructor == "Column" and isinstance(inner, ast.Call):
            ast_call, sa_column = inner, positions.located(inner)
    return {
        "unnamed_constraints": column_sites(column, ast_call, model.imports, positions.located),
        "sa_column": sa_column,
    }


def _column_enum(model: FileModel, column, origins: dict[str, str]) -> EnumFacts | None:
    """ColumnFacts.enum: the named enum type of its explicit type, or (a mapped_column with
    none) of its `Mapped[...]` annotation."""
    if column.constructor == "sqlmodel.Field" or any(a.star for a in column.node.args):
        return None
    if column.type_expr is None:
        return _annotation_enum(model, column.annotation, origins) if column.constructor == "mapped_column" and not column.foreign_keys else None
    call = enum_call(column.type_expr, model.imports)
    found = read_enum_type(call, model.imports) if call is not None else None
    if found is None:
        return None
    name, labels, dotted, by_value = found
    if dotted is None:
        return EnumFacts(name, labels)
    ref = _project_base(dotted, model, origins)
    return EnumFacts(name, None, ref, by_value) if isinstance(ref, BaseRef) else None


def _annotation_enum(model: FileModel, mapped, origins: dict[str, str]) -> EnumFacts | None:
    """`Mapped[Status]` of a project class with no type of its own: `Enum(Status)` when the
    class is an enum (SQLAlchemy's default type_annotation_map)."""
    if mapped is None or mapped.column is not None:
        return None  # an Annotated alias may give it a type
    ref = _annotation_class(model, mapped, origins)
    return EnumFacts(None, None, ref) if ref is not None else None


def _annotation_class(model: FileModel, mapped, origins: dict[str, str]) -> BaseRef | None:
    """The class a `Mapped[...]` annotation names as its one type, to look up in the project
    (ColumnFacts.annotation_class); None for a builtin, a library's type or anything else."""
    if mapped is None or mapped.wrapper != "Mapped":
        return None
    inner = optional_core(mapped.inner, model.imports)
    name = dotted_name(inner) if isinstance(inner, (cst.Name, cst.Attribute)) else None
    if name is None or name in BUILTIN_NAMES:
        return None
    qualified = model.imports.qualify(name)
    if qualified is not None and qualified.partition(".")[0] in _LIBRARY_TYPE_MODULES:
        return None
    ref = _project_base(name, model, origins)
    return ref if isinstance(ref, BaseRef) else None


# modules whose classes are never the project's own
_LIBRARY_TYPE_MODULES = frozenset({
    "typing", "typing_extensions", "datetime", "decimal", "uuid", "enum", "sqlalchemy", "sqlmodel",
    "builtins", "collections", "ipaddress", "pathlib",
})


def _primary_key_known(column) -> bool:
    if "primary_key" in column.kwargs:
        return column.primary_key is not None  # None: `primary_key=<expression>`
    return column.annotation is None or column.annotation.primary_key or column.annotation.names_known


def _schema_fields(model: FileModel, column) -> dict:
    """The ColumnFacts fields the drift rules read: the column as the database gets it."""
    from ormlint.schema import server_default_text, sql_type

    sqlmodel = column.constructor == "sqlmodel.Field"
    if column.type_expr is not None:
        db_type = sql_type(column.type_expr, model.imports)
    elif column.constructor == "mapped_column" and column.annotation is not None and not column.foreign_keys:
        db_type = _annotation_db_type(model, column.annotation)
    else:
        db_type = None  # a ForeignKey column copies its target's type; SQLModel's own types
    if "nullable" in column.kwargs:
        nullable = column.nullable  # None when not a literal
    elif column.primary_key:
        nullable = False
    elif sqlmodel:
        nullable = None
    elif column.constructor == "mapped_column" and column.annotation is not None:
        nullable = column.annotation.nullable
    else:
        nullable = True  # Column() and an unannotated mapped_column() default to NULL
    if column.primary_key is None and "primary_key" in column.kwargs:
        nullable = None  # primary_key=<expression>
    default, known = (
        server_default_text(column.server_default, model.imports)
        if column.server_default_known else (None, False)
    )
    targets: list[tuple[str, str | None, bool]] | None = []
    for fk in column.foreign_keys:
        target, names_class = fk.target, False
        if target is None and fk.node.args and fk.node.args[0].keyword is None:
            target, names_class = dotted_name(fk.node.args[0].value), True
        readable = "ondelete" not in keyword_args(fk.node) or fk.ondelete is not None
        if target is None or target.count(".") != 1 or not readable:
            targets = None
            break
        targets.append((target, fk.ondelete.upper() if fk.ondelete else None, names_class))
    return {
        "db_type": db_type,
        "nullable": nullable,
        "server_default": default,
        "server_default_known": known,
        "index": bool(column.index),
        "unique": bool(column.unique),
        "foreign_key_targets": tuple(targets) if targets is not None else None,
    }


# -- what autogenerate does not compare (ORM711+) -------------------------------------------------

_UNKNOWN_COMMENT = (None, False)


def _check_facts(
    model: FileModel, items, positions: "_AstPositions", scope, fallback: Location
) -> tuple[CheckFacts, ...]:
    """The `CheckConstraint(sqltext, name=...)` calls among `items`."""
    found = []
    for item in items:
        if not (isinstance(item, cst.Call) and model.imports.symbol(item.func) == "CheckConstraint"):
            continue
        positional = [a for a in item.args if a.keyword is None and not a.star]
        keywords = keyword_args(item)
        sql_node = keywords["sqltext"].value if "sqltext" in keywords else (
            positional[0].value if positional else None)
        name_node = keywords["name"].value if "name" in keywords else (
            positional[1].value if len(positional) > 1 else None)
        sql = string_value(sql_node) if sql_node is not None else None
        if any(a.star for a in item.args):
            sql = None
        name = string_value(name_node) if name_node is not None else None
        where = positions.located(positions.first_string(scope, sql)) if sql is not None else None
        found.append(CheckFacts(name, sql, where or fallback))
    return tuple(found)


def _comment_value(node: cst.BaseExpression | None) -> tuple[str | None, bool]:
    """(the comment, known): a string literal, None (no comment), else not known."""
    if node is None or (isinstance(node, cst.Name) and node.value == "None"):
        return None, True
    text = string_value(node)
    return (text, True) if text is not None else _UNKNOWN_COMMENT


def _column_beyond_fields(model: FileModel, column, positions: "_AstPositions", stmt, fallback: Location) -> dict:
    """ColumnFacts' `checks`, `comment` and `comment_known` (the drift rules ORM711, ORM712)."""
    call = column.node
    items = [a.value for a in call.args if a.keyword is None and not a.star]
    checks = _check_facts(model, items, positions, stmt, fallback)
    if any(a.star for a in call.args) or (
        column.constructor == "sqlmodel.Field" and ({"sa_column_kwargs", "sa_column"} & set(column.kwargs))
    ):
        comment, known = _UNKNOWN_COMMENT  # **kwargs, or SQLModel's own column arguments
    elif "comment" in column.kwargs:
        comment, known = _comment_value(column.kwargs["comment"].value)
    elif column.annotation is not None:
        comment, known = _annotation_comment(column.annotation)
    else:
        comment, known = None, True
    if column.constructor == "sqlmodel.Field" and ({"sa_column_kwargs", "sa_column"} & set(column.kwargs)):
        generated = dict(GENERATED_UNKNOWN)
    else:
        generated = generated_fields(call, model.imports)
        if {**generated, "autoincrement": True} == NOT_GENERATED and column.annotation is not None:
            aliased = _annotation_generated(model, column.annotation)
            generated = {**aliased, "autoincrement": generated["autoincrement"] and aliased["autoincrement"]}
    return {"checks": checks, "comment": comment, "comment_known": known, **generated}


def _annotation_generated(model: FileModel, mapped) -> dict:
    """What the mapped_column() of an `Annotated` alias in a Mapped[...] generates values from."""
    if mapped.column is not None:
        return generated_fields(mapped.column, model.imports)
    return dict(NOT_GENERATED if mapped.names_known else GENERATED_UNKNOWN)


def _annotation_comment(mapped) -> tuple[str | None, bool]:
    """The comment the `Annotated[T, mapped_column(comment=...)]` alias in a Mapped[...] gives;
    unknown when the annotation may name such an alias from another module."""
    if mapped.column is not None:
        given = keyword_args(mapped.column).get("comment")
        return _comment_value(given.value) if given is not None else (None, True)
    return (None, True) if mapped.names_known else _UNKNOWN_COMMENT


def _table_args_items(table_args) -> list:
    return list(table_args.items) if table_args.shape == "tuple" else []


def _table_args_comment(table_args) -> tuple[str | None, bool]:
    """The `comment` of `__table_args__`' options dict."""
    node = table_args.node
    if isinstance(node, cst.Tuple) and node.elements:
        node = node.elements[-1].value
    if table_args.shape in ("dynamic", "other"):
        return _UNKNOWN_COMMENT
    if not isinstance(node, cst.Dict):
        return None, True
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return _UNKNOWN_COMMENT  # `**options`
        if string_value(element.key) == "comment":
            return _comment_value(element.value)
    return None, True


def _table_call_comment(call: cst.Call) -> tuple[str | None, bool]:
    if any(a.star == "**" for a in call.args):
        return _UNKNOWN_COMMENT
    given = keyword_args(call).get("comment")
    return _comment_value(given.value) if given is not None else (None, True)


def _table_beyond_fields(
    model: FileModel, items, comment: tuple[str | None, bool], positions: "_AstPositions", scope,
    fallback: Location,
) -> dict:
    """ClassFacts' / TableFacts' `checks`, `comment` and `comment_known`."""
    return {
        "checks": _check_facts(model, items, positions, scope, fallback),
        "comment": comment[0], "comment_known": comment[1],
    }


def _annotation_db_type(model: FileModel, mapped) -> str | None:
    """`Mapped[str]` -> "VARCHAR" through SQLAlchemy's default type_annotation_map."""
    from ormlint.schema import type_family

    core = optional_core(mapped.inner, model.imports)
    name = dotted_name(core) if core is not None else None
    if name is None:
        return None
    symbol = _ANNOTATION_TYPES.get(model.imports.qualify(name) or name)
    return type_family(symbol, ((), {})) if symbol else None


def _sql_type(model: FileModel, column) -> str | None:
    expr = column.type_expr
    if expr is None:
        mapped = column.annotation
        if mapped is None or column.constructor != "mapped_column" or column.foreign_keys:
            return None  # a typeless foreign-key column copies its target's type, whatever the annotation
        name = dotted_name(optional_core(mapped.inner, model.imports))
        if name is None:
            return None
        return _ANNOTATION_TYPES.get(model.imports.qualify(name) or name)
    head = expr.func if isinstance(expr, cst.Call) else expr
    symbol = model.imports.symbol(head)
    if symbol is None or "." in symbol:  # not SQLAlchemy's (a TypeDecorator of the project, ...)
        return None
    if isinstance(expr, cst.Call) and expr.args:
        args = ", ".join(model.module.code_for_node(a.value).strip() for a in expr.args if a.keyword is None)
        return f"{symbol}({args})" if args else symbol
    return symbol


_COLLECTIONS = {"list", "List", "set", "Set", "dict", "Dict", "Sequence", "Collection",
                "Optional", "Union", "typing.List", "typing.Set", "typing.Optional"}


def _annotation_target(model: FileModel, rel) -> str | None:
    """`Mapped[list["Child"]]`, `Mapped[Optional[Child]]`, `Mapped["Child | None"]` -> "Child"."""
    if rel.annotation is None:
        return None
    core = optional_core(rel.annotation.inner, model.imports)
    if isinstance(core, cst.Subscript):
        if dotted_name(core.value) not in _COLLECTIONS:
            return None
        elements = [e.slice.value for e in core.slice if isinstance(e.slice, cst.Index)]
        core = optional_core(elements[-1], model.imports) if elements else None
    return dotted_name(core) if core is not None else None


def _annotation_target_location(
    model: FileModel, rel, stmt: ast.AST | None, positions: _AstPositions, tree: ast.Module | None,
) -> Location | None:
    """Where `Mapped[list["Address"]]` names the target of a `relationship()` given no target
    argument; None when the module binds the name (SQLAlchemy's resolver reads the module too)."""
    if stmt is None or "argument" in rel.kwargs or any(arg.keyword is None for arg in rel.node.args):
        return None
    name = _annotation_target(model, rel)
    if not name or name.partition(".")[0] in model.module_bindings or hasattr(builtins, name):
        return None
    if tree is None or any(type(n) is ast.ClassDef and n.name == name for n in ast.walk(tree)):
        return None  # a class statement of the file, maybe inside a function: the registry may hold it
    node = positions.first_string(stmt, name) or next(
        (n for n in _walk(stmt) if type(n) is ast.Name and n.id == name), getattr(stmt, "annotation", None)
    )  # the whole annotation when the name is inside a longer string ("Address | None")
    return positions.located(node)


def _relationship_literals(model: FileModel, rel) -> dict:
    """The RelationshipFacts fields read from literal arguments (backref, cascade, ...)."""
    fields: dict = {"annotation_shape": annotation_shape(model, rel)}
    cascade = rel.kwargs.get("cascade")
    fields["cascade"] = string_value(cascade.value) if cascade is not None else None
    backref = rel.kwargs.get("backref")
    if backref is not None:
        value = backref.value
        if isinstance(value, cst.Call) and model.imports.symbol(value.func) == "backref":
            args = [a for a in value.args if a.keyword is None and not a.star]
            fields["backref"] = string_value(args[0].value) if args else None
            inner = {a.keyword.value: a.value for a in value.args if a.keyword is not None}
            if not any(a.star for a in value.args):
                fields["backref_keywords"] = frozenset(inner)
                fields["backref_cascade"] = string_value(inner.get("cascade"))
            else:
                fields["backref_keywords"] = frozenset({"**"})
        else:
            fields["backref"] = string_value(value)
    refs = rel.kwargs.get("foreign_keys")
    if refs is not None:
        fields["foreign_keys_refs"] = _column_refs(refs.value)
    secondary = rel.kwargs.get("secondary")
    if secondary is not None:
        fields.update(_secondary(model, secondary.value))
    fields["target_by_name"] = _target_by_name(model, rel)
    return fields


def _target_by_name(model: FileModel, rel) -> bool:
    """RelationshipFacts.target_by_name."""
    positional = [arg for arg in rel.node.args if arg.keyword is None and not arg.star]
    given = positional[0] if positional else rel.kwargs.get("argument")
    if given is not None:
        text = string_value(given.value)
        return text is not None and text.strip().isidentifier()
    if rel.annotation is None or not _annotation_target(model, rel):
        return False
    return model.imports.aliases.get("annotations") == "__future__.annotations" or any(
        isinstance(node, (cst.SimpleString, cst.ConcatenatedString))
        for node in _nodes(rel.annotation.node)
    )


def _nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(syntax_children(current))


def _secondary(model: FileModel, expr: cst.BaseExpression) -> dict:
    """RelationshipFacts.secondary_table / secondary_name of a `secondary=` value."""
    text = string_value(expr)
    if text is not None:  # SQLAlchemy looks a string up as a table and as a class
        return {"secondary_table": text.strip(), "secondary_name": text.strip()}
    if not isinstance(expr, cst.Name):
        return {}
    value = model.module_values.get(expr.value)
    if value is None:
        return {"secondary_name": expr.value}
    if isinstance(value, cst.Call) and model.imports.symbol(value.func) == "Table" and value.args:
        table = string_value(value.args[0].value)
        return {"secondary_table": table} if table else {}
    return {}


def _column_refs(expr: cst.BaseExpression) -> tuple[str, ...] | None:
    """`[a_id]`, `a_id`, `"A.a_id"`, `"[A.a_id, A.b_id]"`, `(A.a_id,)` -> ("a_id",) / ("A.a_id", ...)."""
    text = string_value(expr)
    if text is not None:
        try:
            expr = cst.parse_expression(text.strip())
        except Exception:
            return None
    items = [e.value for e in expr.elements] if isinstance(expr, (cst.List, cst.Tuple, cst.Set)) else [expr]
    refs = []
    for item in items:
        if isinstance(item, cst.StarredElement):
            return None
        name = dotted_name(item) or string_value(item)
        if name is None or name.count(".") > 1:
            return None
        refs.append(name)
    return tuple(refs) or None


_BUILTIN_COLLECTIONS = {"list", "set", "dict", "frozenset"}
_TYPING_COLLECTIONS = {"typing.List", "typing.Set", "typing.Dict", "typing.FrozenSet"}


def annotation_shape(model: FileModel, rel) -> str | None:
    """What a relationship's `Mapped[...]` annotation makes it (SQLAlchemy derives `uselist`
    from it): "collection" (`list[X]`, `Set[X]`, ...), "scalar" (`X`, `"X"`, `Optional[X]`,
    `X | None`, where X is a string, the relationship's target or a class of this file), or
    None (no `Mapped` annotation, WriteOnly/Dynamic, an alias, anything unclear)."""
    mapped = rel.annotation
    if mapped is None or mapped.wrapper != "Mapped":
        return None
    expr: cst.BaseExpression | None = mapped.inner
    for _ in range(5):
        text = string_value(expr)
        if text is not None:
            try:
                inner = cst.parse_expression(text.strip())
            except Exception:
                return None
            if isinstance(inner, (cst.Name, cst.Attribute)):
                # a forward reference, resolved to a class (unless it names a type alias)
                return None if dotted_name(inner) in model.module_values else "scalar"
            expr = inner
            continue
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            sides = [e for e in (expr.left, expr.right) if not (isinstance(e, cst.Name) and e.value == "None")]
            if len(sides) != 1:
                return None
            expr = sides[0]
            continue
        if isinstance(expr, cst.Subscript):
            elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
            symbol = model.imports.symbol(expr.value)
            if symbol in ("typing.Optional", "typing.Union"):
                rest = [e for e in elements if not (isinstance(e, cst.Name) and e.value == "None")]
                if len(rest) != 1:
                    return None
                expr = rest[0]
                continue
            head = dotted_name(expr.value)
            if (head in _BUILTIN_COLLECTIONS and head not in model.module_bindings) or symbol in _TYPING_COLLECTIONS:
                return "collection"
            return None
        name = dotted_name(expr) if expr is not None else None
        if name is None:
            return None
        last = name.rpartition(".")[2]
        if name in model.module_values:
            return None  # a type alias
        if model.class_named(name) is not None or (rel.target and rel.target.rpartition(".")[2] == last):
            return "scalar"
        return None
    return None


def _lowered_name_tablename(model: FileModel, cls) -> tuple[str, str] | None:
    """(prefix, suffix) when the class's one binding of `__tablename__` is a `declared_attr`
    (or `declared_attr.directive`) whose body is exactly `return cls.__name__.lower()`, with
    a string literal added before or after; None for anything else it may compute."""
    if cls.tablename is not None:
        return None
    bindings = [a for a in cls.assignments if a.attr == "__tablename__"]
    if len(bindings) != 1 or bindings[0].kind != "def" or bindings[0].branch:
        return None
    func = next((s for s in _body(cls.node) if isinstance(s, cst.FunctionDef)
                 and s.name.value == "__tablename__"), None)
    if func is None or len(func.decorators) != 1 or func.asynchronous is not None:
        return None
    decorator = func.decorators[0].decorator
    if not (
        model.imports.symbol(decorator) == "declared_attr"
        or (isinstance(decorator, cst.Attribute) and decorator.attr.value == "directive"
            and model.imports.symbol(decorator.value) == "declared_attr")
    ):
        return None
    params = func.params
    if (len(params.params) != 1 or params.posonly_params or params.kwonly_params
            or isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None or params.params[0].default is not None):
        return None
    body = func.body.body if isinstance(func.body, cst.IndentedBlock) else ()
    if (len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine)
            or len(body[0].body) != 1 or not isinstance(body[0].body[0], cst.Return)):
        return None
    value = body[0].body[0].value
    cls_name = params.params[0].name.value
    if _is_lowered_class_name(value, cls_name):
        return "", ""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        if _is_lowered_class_name(value.left, cls_name) and (suffix := string_value(value.right)) is not None:
            return "", suffix
        if _is_lowered_class_name(value.right, cls_name) and (prefix := string_value(value.left)) is not None:
            return prefix, ""
    return None


def _is_lowered_class_name(node: cst.BaseExpression | None, cls_name: str) -> bool:
    """`cls.__name__.lower()`."""
    return (
        isinstance(node, cst.Call) and not node.args
        and isinstance(node.func, cst.Attribute) and node.func.attr.value == "lower"
        and isinstance(node.func.value, cst.Attribute) and node.func.value.attr.value == "__name__"
        and isinstance(node.func.value.value, cst.Name) and node.func.value.value.value == cls_name
    )


def _body(node: cst.ClassDef) -> list[cst.CSTNode]:
    return list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []


def _table_args_imported_columns(model: FileModel, cls, origins: dict[str, str], positions: "_AstPositions") -> tuple:
    """ClassFacts.table_args_imported_columns (ormlint.table_args_columns)."""
    value = getattr(positions.assignment(cls.name, "__table_args__"), "value", None)
    items = list(value.elts) if isinstance(value, ast.Tuple) else None
    return imported_class_columns(model, cls, origins, items, positions.located)


def _class_attributes(node: cst.ClassDef) -> set[str]:
    from ormlint.model.names import block_bindings

    bindings = block_bindings(_body(node))
    names = set(bindings.names)
    # annotation-only declarations (`name: Mapped[str]`) are mapped attributes too
    for stmt in _body(node):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    names.add(small.target.value)
    return names


_LIBRARY_BASES = {
    "DeclarativeBase", "DeclarativeBaseNoMeta", "MappedAsDataclass", "flask.Model",
    "sqlmodel.SQLModel", "AsyncAttrs",
}


def _project_base(base: str, model: FileModel, origins: dict[str, str]) -> BaseRef | None | str:
    """A base to look up, "" for SQLAlchemy's own bases (nothing to look up), None if unknowable."""
    if base in ("object", "Generic", "typing.Generic"):
        return ""
    symbol = model.imports.dotted_symbol(base)
    if symbol in _LIBRARY_BASES:
        return ""
    head, _, rest = base.partition(".")
    qualified = model.imports.qualify(base)
    if qualified is not None and qualified.partition(".")[0] in ("sqlalchemy", "sqlmodel", "flask_sqlalchemy"):
        return None  # a SQLAlchemy class this index does not model
    if not rest and model.class_named(base) is not None:
        return BaseRef(base, _module_path(model.path))
    if head in origins:
        module = origins[head] + ("/" + rest.rpartition(".")[0].replace(".", "/") if "." in rest else "")
        return BaseRef(base.rpartition(".")[2], module.rstrip("/"))
    return BaseRef(base.rpartition(".")[2], None)


def _import_origins(model: FileModel) -> dict[str, str]:
    """Local name -> module path of the module-level `from X import name` that bound it."""
    origins: dict[str, str] = {}
    here = _module_path(model.path).replace("\\", "/").split("/")[:-1]
    if model.path.endswith("__init__.py"):
        here = _module_path(model.path).split("/")
    for stmt in model.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            module = dotted_name(small.module) if small.module is not None else ""
            if module is None:
                continue
            level = len(small.relative)
            if level:
                base = here[: len(here) - (level - 1)] if level > 1 else here
                parts = base + (module.split(".") if module else [])
            else:
                parts = module.split(".")
            for alias in small.names:
                if isinstance(alias.name, cst.Name):
                    local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else alias.name.value
                    # `from pkg import mod` binds a module, `from mod import Class` a class:
                    # record the module the class would be defined in for the latter.
                    origins[local] = "/".join(parts)
    return origins

