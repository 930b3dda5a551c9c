"""One pass over a parsed module that builds its FileModel.

Only module-level statements, class bodies and ``declared_attr`` functions are walked: method bodies
(most of a model file) hold nothing the rules read, so they are never descended into.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import libcst as cst

from ormlint.facts import configures_type_map, flask_naming, names_naming_convention
from ormlint.model.blocks import blocks, function_statements
from ormlint.model.names import (
    syntax_children,
    BUILTIN_NAMES,
    Bindings,
    ImportTable,
    block_bindings,
    bool_value,
    build_import_table,
    canonical_symbol,
    dotted_name,
    function_bindings,
    statement_bindings,
    string_value,
    walrus_targets,
)
from ormlint.model.types import (
    BareMapped,
    BuiltinRef,
    ClassAssignment,
    ClassKind,
    ColumnDecl,
    FileModel,
    ForeignKeyDecl,
    IndexDecl,
    MappedAnnotation,
    ModelClass,
    ModuleFunction,
    RelationshipDecl,
    TableArgs,
    TableDecl,
)

COLUMN_CONSTRUCTORS = {"Column", "mapped_column"}
RELATIONSHIP_CONSTRUCTORS = {"relationship", "relation", "sqlmodel.Relationship"}
MAPPED_WRAPPERS = {"Mapped", "WriteOnlyMapped", "DynamicMapped"}
DECLARATIVE_BASE_CLASSES = {"DeclarativeBase", "DeclarativeBaseNoMeta"}
DECLARATIVE_BASE_FACTORIES = {"declarative_base"}
COLUMN_WRAPPERS = {"deferred", "column_property"}
# Outside class statements, a module gets tables, relationships, declarative bases and the
# columns of its functions only through these constructors (their last dotted part: an import
# alias still names them in its import). A text with neither a class statement nor one of these
# words has an empty model (prefilter.may_declare_models).
MODULE_DECLARATION_NAMES = frozenset(
    name.rpartition(".")[2]
    for name in (
        *COLUMN_CONSTRUCTORS, *RELATIONSHIP_CONSTRUCTORS, *DECLARATIVE_BASE_FACTORIES,
        "Table", "generate_base",
    )
)
# Relationship arguments evaluated as Python expressions in the class body.
RELATIONSHIP_EXPRESSION_ARGS = (
    "remote_side", "foreign_keys", "order_by", "primaryjoin", "secondaryjoin", "secondary",
)
# Index/constraint keywords that do not make the index different from a plain one.
_NEUTRAL_INDEX_KWARGS = {"name", "unique", "quote", "info", "comment", "_column_flag"}
_DEFAULT_IX_CONVENTIONS = {"ix_%(column_0_label)s", "ix_%(table_name)s_%(column_0_name)s"}


def keyword_args(call: cst.Call) -> dict[str, cst.Arg]:
    return {
        arg.keyword.value: arg for arg in call.args if arg.keyword is not None and not arg.star
    }


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def _unwrap_string_annotation(node: cst.BaseExpression) -> cst.BaseExpression | None:
    text = string_value(node)
    if text is None:
        return node
    try:
        return cst.parse_expression(text.strip())
    except Exception:
        return None


@dataclass
class _ClassScope:
    """What a class body has declared so far, while it is walked in order."""

    name: str
    bindings: Bindings = field(default_factory=Bindings)
    columns: list[ColumnDecl] = field(default_factory=list)
    relationships: list[RelationshipDecl] = field(default_factory=list)
    tablename: str | None = None
    is_abstract: bool = False
    table_args: TableArgs = TableArgs("absent")
    is_sqlmodel: bool = False
    # No bases: a plain mixin, whose `Field(sa_column=...)` SQLModel table models inherit (ORM508).
    plain: bool = False
    has_table: bool = False  # assigns __table__ itself
    assignments: list[ClassAssignment] = field(default_factory=list)
    bare_mapped: list[BareMapped] = field(default_factory=list)


class Extractor:
    def __init__(self, module: cst.Module, source: str, path: str) -> None:
        self.module = module
        self.path = path
        self.source = source
        self.imports: ImportTable = build_import_table(module, source)
        self.module_bindings = block_bindings(module.body)
        if ":=" in source:
            self.module_bindings.names |= walrus_targets(source)
        self.aliases = self._module_aliases(module.body)
        self.class_names = _class_names(module.body)
        self.declarative_names: set[str] = set()  # names bound to declarative_base() results
        self.registry_names: set[str] = set()  # names bound to registry()
        self.classes: dict[str, ModelClass] = {}
        self.class_order: list[ModelClass | None] = []
        self.tables: list[TableDecl] = []
        self.loose_columns: list[ColumnDecl] = []
        self.relationships: list[RelationshipDecl] = []
        self.module_indexes: list[tuple[str, IndexDecl]] = []  # (class or table variable, index)
        self.imperative: dict[str, str | None] = {}  # class name -> its table's variable
        self._function_names: dict[cst.FunctionDef, frozenset[str]] = {}  # see _local_names
        self.custom_index_naming = False

    # -- entry -------------------------------------------------------------------------------

    def extract(self) -> FileModel:
        self._walk_module_block(self.module.body)
        classes = []
        for cls in self.class_order:
            if cls is None:
                continue
            extra = tuple(
                ix for owner, ix in self.module_indexes
                if owner == cls.name and self.classes.get(cls.name) is cls
            )
            if extra:
                cls = _replace(cls, indexes=cls.indexes + extra)
            if cls.name in self.imperative and self.classes.get(cls.name) is cls:
                cls = _replace(
                    cls, imperative=True, imperative_table=self.imperative[cls.name], bare_mapped=()
                )
            classes.append(cls)
        tables = []
        for table in self.tables:
            extra = tuple(ix for owner, ix in self.module_indexes if owner == table.variable)
            tables.append(_replace(table, indexes=table.indexes + extra) if extra else table)
        return FileModel(
            path=self.path,
            module=self.module,
            imports=self.imports,
            classes=tuple(classes),
            tables=tuple(tables),
            relationships=tuple(self.relationships),
            loose_columns=tuple(self.loose_columns),
            custom_index_naming=self.custom_index_naming,
            functions=self._module_functions(),
            module_values=dict(self.aliases),
            module_bindings=self.module_bindings,
            custom_type_map=configures_type_map(self.source),
            flask_naming=flask_naming(self.source),
            names_naming_convention=names_naming_convention(self.source),
        )

    def _module_functions(self) -> dict[str, ModuleFunction]:
        """Module-level defs (under `if`/`try` too) whose name no other statement binds."""
        defs: dict[str, list[cst.FunctionDef]] = {}
        others = Bindings()

        def walk(stmts: Iterable[cst.CSTNode]) -> None:
            for stmt in stmts:
                if isinstance(stmt, cst.FunctionDef):
                    defs.setdefault(stmt.name.value, []).append(stmt)
                elif isinstance(stmt, (cst.If, cst.Try)):
                    for block in blocks(stmt):
                        walk(block)
                    for handler in getattr(stmt, "handlers", ()):
                        if handler.name is not None and isinstance(handler.name.name, cst.Name):
                            others.names.add(handler.name.name.value)
                else:
                    statement_bindings(stmt, others)

        walk(self.module.body)
        functions = {}
        for name, found in defs.items():
            if len(found) != 1 or name in others.names:
                continue
            func = found[0]
            functions[name] = ModuleFunction(
                name=name,
                decorated=bool(func.decorators),
                is_async=func.asynchronous is not None,
                node=func,
            )
        return functions

    # -- module level --------------------------------------------------------------------------

    def _module_aliases(self, stmts: Sequence[cst.CSTNode]) -> dict[str, cst.BaseExpression]:
        aliases: dict[str, cst.BaseExpression] = {}
        for stmt in stmts:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        target = small.targets[0].target
                        if isinstance(target, cst.Name):
                            aliases[target.value] = small.value
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        if isinstance(small.target, cst.Name):
                            aliases[small.target.value] = small.value
                    elif isinstance(small, cst.TypeAlias):
                        aliases[small.name.value] = small.value
            elif isinstance(stmt, cst.If):
                aliases.update(self._module_aliases(stmt.body.body))
        return aliases

    def _walk_module_block(self, stmts: Iterable[cst.CSTNode]) -> None:
        for stmt in stmts:
            if isinstance(stmt, cst.ClassDef):
                self._visit_class(stmt, ())
            elif isinstance(stmt, cst.FunctionDef):
                self._visit_function(stmt, stmt.name.value)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._visit_module_small(small)
            elif isinstance(stmt, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
                for block in blocks(stmt):
                    self._walk_module_block(block)

    def _visit_module_small(self, small: cst.CSTNode) -> None:
        value: cst.BaseExpression | None = None
        targets: list[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            value = small.value
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign):
            value = small.value
            targets = [small.target]
        elif isinstance(small, cst.Expr):
            value = small.value
        if value is None:
            return
        target_name = targets[0].value if len(targets) == 1 and isinstance(targets[0], cst.Name) else None
        if isinstance(value, cst.Call):
            symbol = self.imports.symbol(value.func)
            if symbol in DECLARATIVE_BASE_FACTORIES and target_name:
                self.declarative_names.add(target_name)
            elif symbol == "registry" and target_name:
                self.registry_names.add(target_name)
            elif (
                isinstance(value.func, cst.Attribute)
                and value.func.attr.value == "generate_base"
                and dotted_name(value.func.value) in self.registry_names
                and target_name
            ):
                self.declarative_names.add(target_name)
            elif symbol == "Table":
                self.tables.append(self._table(value, target_name))
            elif symbol == "Index":
                self._module_index(value)
            elif symbol == "MetaData":
                self._check_naming_convention(value)
            else:
                self._note_imperative_mapping(value, symbol)
        # `Parent.children = relationship(...)` after the class, or relationships inside
        # map_imperatively(properties={...}): module scope only.
        owner = attr = None
        if len(targets) == 1 and isinstance(targets[0], cst.Attribute):
            owner = dotted_name(targets[0].value)
            attr = targets[0].attr.value
        for call in calls_in(value):
            if self.imports.symbol(call.func) in RELATIONSHIP_CONSTRUCTORS:
                is_direct = call is value
                self.relationships.append(
                    self._relationship(
                        call,
                        attr if is_direct else None,
                        owner if is_direct else None,
                        None,
                        class_bindings=None,
                        func_scopes=(),
                    )
                )

    def _note_imperative_mapping(self, call: cst.Call, symbol: str | None) -> None:
        """`registry.map_imperatively(Cls, table, ...)`, or SQLAlchemy 1.x `mapper(Cls, table)`."""
        func = call.func
        if not (
            (isinstance(func, cst.Attribute) and func.attr.value == "map_imperatively")
            or symbol == "mapper"
        ):
            return
        args, kwargs = positional_args(call), keyword_args(call)
        mapped = args[0] if args else kwargs.get("class_")
        table = args[1] if len(args) > 1 else kwargs.get("local_table")
        name = dotted_name(mapped.value) if mapped is not None else None
        if name is not None and "." not in name:
            self.imperative[name] = dotted_name(table.value) if table is not None else None

    def _visit_function(
        self, func: cst.FunctionDef, qualname: str, enclosing: frozenset[str] = frozenset()
    ) -> None:
        """Columns a function builds each time it runs: Alembic's upgrade(), column and model
        factories, methods. `enclosing`: the names its enclosing functions bind."""
        self._runtime_columns(func.body, qualname, func, enclosing)

    def _runtime_columns(
        self,
        body: cst.BaseSuite,
        qualname: str,
        func: cst.FunctionDef,
        enclosing: frozenset[str],
        class_name: str | None = None,
    ) -> None:
        """Columns of `body`, which runs with each call of `func` (named `qualname`): the
        function's own body, or (`class_name`) the body of a class statement it runs. The classes
        it defines run with it; the functions it defines run later, under their own names,
        except a class's declared_attr functions (called when the class is mapped)."""
        for stmt in function_statements(body):
            for call in calls_in(stmt):
                symbol = self.imports.symbol(call.func)
                if symbol in COLUMN_CONSTRUCTORS:
                    column = self._column(call, symbol, None, None)
                    local_names = self._local_names(func, enclosing)
                    self.loose_columns.append(
                        _replace(column, built_in=qualname, local_names=local_names)
                    )
        for definition in _nested_definitions(body):
            if isinstance(definition, cst.ClassDef):
                self._runtime_columns(
                    definition.body, qualname, func, enclosing, definition.name.value
                )
                continue
            names = self._local_names(func, enclosing)
            if class_name is not None and self._is_declared_attr(definition):
                self._runtime_columns(definition.body, qualname, definition, names)
            else:
                owner = f"{qualname}.{class_name}" if class_name else qualname
                self._visit_function(definition, f"{owner}.{definition.name.value}", names)

    def _local_names(self, func: cst.FunctionDef, enclosing: frozenset[str]) -> frozenset[str]:
        """The names `func` and its enclosing functions bind (read once per function)."""
        names = self._function_names.get(func)
        if names is None:
            names = self._function_names[func] = frozenset(function_bindings(func).names)
        return names | enclosing

    def _check_naming_convention(self, call: cst.Call) -> None:
        arg = keyword_args(call).get("naming_convention")
        if arg is None:
            return
        if not isinstance(arg.value, cst.Dict):
            self.custom_index_naming = True
            return
        for element in arg.value.elements:
            if isinstance(element, cst.DictElement) and string_value(element.key) == "ix":
                if string_value(element.value) not in _DEFAULT_IX_CONVENTIONS:
                    self.custom_index_naming = True
            elif not isinstance(element, cst.DictElement):
                self.custom_index_naming = True

    def _module_index(self, call: cst.Call) -> None:
        """``Index("name", Model.col, ...)`` or ``Index("name", table.c.col)`` at module level."""
        owner: str | None = None
        columns: list[str] | None = []
        for arg in positional_args(call)[1:]:
            dotted = dotted_name(arg.value)
            if dotted is None or "." not in dotted:
                columns = None
                break
            parts = dotted.split(".")
            if len(parts) == 2:
                this_owner, column = parts
            elif len(parts) == 3 and parts[1] in ("c", "columns"):
                this_owner, column = parts[0], parts[2]
            else:
                columns = None
                break
            if owner not in (None, this_owner):
                columns = None
                break
            owner = this_owner
            columns.append(column)
        if owner is None:
            return
        index = self._index_from_call(call, "index", "module", lambda _: None)
        if index is None:
            return
        if columns is not None:
            cls = self.classes.get(owner)
            if cls is not None:
                columns = [(c.name if (c := cls.column(col)) else col) for col in columns]
            index = _replace(index, columns=tuple(columns))
        else:
            index = _replace(index, columns=None)
        self.module_indexes.append((owner, index))

    # -- classes --------------------------------------------------------------------------------

    def _class_kind(self, node: cst.ClassDef) -> tuple[ClassKind, tuple[str, ...], bool]:
        bases: list[str] = []
        kind: ClassKind = "mixin"
        table_kw = False
        is_sqlmodel = False
        for arg in node.keywords:
            if arg.keyword is not None and arg.keyword.value == "table":
                table_kw = bool_value(arg.value) is True
        for arg in node.bases:
            dotted = dotted_name(arg.value)
            if dotted is None:
                kind = _stronger(kind, "unknown")
                continue
            bases.append(dotted)
            symbol = self.imports.symbol(arg.value)
            if symbol in DECLARATIVE_BASE_CLASSES:
                kind = _stronger(kind, "base")
            elif symbol == "flask.Model" or dotted in self.declarative_names:
                kind = _stronger(kind, "mapped")
            elif symbol == "sqlmodel.SQLModel":
                is_sqlmodel = True
            elif dotted in self.classes:
                parent = self.classes[dotted]
                if parent.kind in ("base", "mapped", "abstract"):
                    kind = _stronger(kind, "mapped")
                elif parent.kind == "unknown":
                    kind = _stronger(kind, "unknown")
                is_sqlmodel = is_sqlmodel or parent.is_sqlmodel
            elif symbol is not None or dotted in ("object",) or dotted.startswith("typing."):
                pass  # a library class (e.g. MappedAsDataclass, Generic) that does not map
            else:
                kind = _stronger(kind, "unknown")
        if is_sqlmodel and table_kw:
            kind = _stronger(kind, "mapped")
        for decorator in node.decorators:
            dec = decorator.decorator
            func = dec.func if isinstance(dec, cst.Call) else dec
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in ("mapped", "mapped_as_dataclass")
                and dotted_name(func.value) in self.registry_names
            ):
                kind = _stronger(kind, "mapped")
        return kind, tuple(bases), is_sqlmodel

    def _visit_class(self, node: cst.ClassDef, func_scopes: tuple[Bindings, ...]) -> None:
        kind, bases, is_sqlmodel = self._class_kind(node)
        slot = len(self.class_order)
        self.class_order.append(None)  # keeps source order: nested classes come after this one
        scope = _ClassScope(node.name.value, is_sqlmodel=is_sqlmodel, plain=not node.bases)
        for stmt, declares, branch in _class_statements(node.body):
            if declares:
                self._visit_class_statement(stmt, scope, func_scopes, branch)
            statement_bindings(stmt, scope.bindings)
        if scope.is_abstract:
            kind = "abstract"
        indexes = self._class_indexes(scope, bases)
        model_class = ModelClass(
            name=scope.name,
            bases=bases,
            kind=kind,
            tablename=scope.tablename,
            is_abstract=scope.is_abstract,
            columns=tuple(scope.columns),
            relationships=tuple(scope.relationships),
            indexes=indexes,
            table_args=scope.table_args,
            is_sqlmodel=is_sqlmodel,
            shares_parent_table=(
                kind in ("mapped", "unknown")
                and scope.tablename is None
                and not scope.has_table
                and not any(c.primary_key for c in scope.columns)
                and not any(isinstance(s, cst.FunctionDef) and s.name.value == "__tablename__"
                            for s in _function_defs(node.body))
            ),
            node=node,
            assignments=tuple(scope.assignments),
            declared_attrs=frozenset(
                f.name.value for f in _function_defs(node.body) if self._is_declared_attr(f)
            ),
            bare_mapped=tuple(scope.bare_mapped),
            has_table=scope.has_table,
        )
        self.classes[node.name.value] = model_class  # later definitions shadow, as in Python
        self.class_order[slot] = model_class

    def _visit_class_statement(
        self,
        stmt: cst.CSTNode,
        scope: _ClassScope,
        func_scopes: tuple[Bindings, ...],
        branch: tuple[tuple[int, int], ...] = (),
    ) -> None:
        if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
            scope.assignments.append(ClassAssignment(stmt.name.value, "def", branch, stmt.name))
        if isinstance(stmt, cst.ClassDef):
            self._visit_class(stmt, func_scopes)
            return
        if isinstance(stmt, cst.FunctionDef):
            if self._is_declared_attr(stmt):
                self._visit_declared_attr(stmt, scope, func_scopes)
            else:  # a method: the columns it builds, when it runs
                self._visit_function(stmt, f"{scope.name}.{stmt.name.value}")
            return
        if not isinstance(stmt, cst.SimpleStatementLine):
            return
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, annotation, value = small.targets[0].target, None, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, annotation, value = small.target, small.annotation.annotation, small.value
            else:
                if isinstance(small, cst.AnnAssign) and branch == () and isinstance(small.target, cst.Name):
                    annotation = small.annotation.annotation
                    if names_mapped_wrapper(annotation, self.imports):
                        mapped = self.mapped_annotation(annotation)
                        default, known = (
                            self._annotation_server_default(mapped) if mapped else (None, True)
                        )
                        scope.bare_mapped.append(
                            BareMapped(small.target.value, small, mapped, default, known)
                        )
                if isinstance(small, cst.Assign):  # `a = b = value`: recorded, never extracted
                    for assign_target in small.targets:
                        for name in _target_name_nodes(assign_target.target):
                            scope.assignments.append(
                                ClassAssignment(name.value, "other", branch, name, small.value)
                            )
                continue
            if not isinstance(target, cst.Name):
                for name in _target_name_nodes(target):
                    scope.assignments.append(
                        ClassAssignment(name.value, "other", branch, name, value)
                    )
                continue
            columns_before = len(scope.columns)
            relationships_before = len(scope.relationships)
            self._visit_class_assignment(target.value, annotation, value, scope, func_scopes)
            column = scope.columns[-1] if len(scope.columns) > columns_before else None
            relationship = (
                scope.relationships[-1] if len(scope.relationships) > relationships_before else None
            )
            kind = "column" if column else "relationship" if relationship else "other"
            scope.assignments.append(
                ClassAssignment(
                    target.value, kind, branch, target, value, column=column,
                    relationship=relationship, annotation=annotation,
                )
            )

    def _visit_class_assignment(
        self,
        attr: str,
        annotation: cst.BaseExpression | None,
        value: cst.BaseExpression,
        scope: _ClassScope,
        func_scopes: tuple[Bindings, ...],
    ) -> None:
        if attr == "__tablename__":
            scope.tablename = string_value(value)
            return
        if attr == "__table__":
            scope.has_table = True
            return
        if attr == "__abstract__":
            scope.is_abstract = bool_value(value) is True
            return
        if attr == "__table_args__":
            scope.table_args = self._table_args(value)
            return
        mapped = self.mapped_annotation(annotation) if annotation is not None else None
        symbol = self.imports.symbol(value.func) if isinstance(value, cst.Call) else None
        if isinstance(value, cst.Call) and symbol in COLUMN_WRAPPERS:
            inner = positional_args(value)
            if inner and isinstance(inner[0].value, cst.Call):
                value, symbol = inner[0].value, self.imports.symbol(inner[0].value.func)
        if isinstance(value, cst.Call) and symbol in COLUMN_CONSTRUCTORS:
            scope.columns.append(self._column(value, symbol, attr, mapped))
        elif isinstance(value, cst.Call) and symbol == "sqlmodel.Field" and (
            scope.is_sqlmodel or (scope.plain and "sa_column" in keyword_args(value))
        ):
            column = self._sqlmodel_field(value, attr)
            if column is not None:
                scope.columns.append(column)
        # relationship() directly, or nested (backref, column_property(...)) is found by scanning.
        for call in calls_in(value):
            if self.imports.symbol(call.func) in RELATIONSHIP_CONSTRUCTORS:
                direct = call is value
                rel = self._relationship(
                    call,
                    attr if direct else None,
                    scope.name,
                    mapped if direct else None,
                    class_bindings=scope.bindings,
                    func_scopes=func_scopes,
                )
                self.relationships.append(rel)
                if direct:
                    scope.relationships.append(rel)

    def _is_declared_attr(self, func: cst.FunctionDef) -> bool:
        """``@declared_attr``, ``@declared_attr.directive``/``.cascading``, any import spelling."""
        for decorator in func.decorators:
            dec = decorator.decorator
            if isinstance(dec, cst.Call):
                dec = dec.func
            if self.imports.symbol(dec) == "declared_attr":
                return True
            if isinstance(dec, cst.Attribute) and self.imports.symbol(dec.value) == "declared_attr":
                return True
            # Re-exported under the same name (`from app.db import declared_attr`): believed,
            # since the rules that read this fact only become more careful.
            if "declared_attr" in (dotted_name(dec) or "").split("."):
                return True
        return False

    def _visit_declared_attr(
        self, func: cst.FunctionDef, scope: _ClassScope, func_scopes: tuple[Bindings, ...]
    ) -> None:
        name = func.name.value
        if name == "__tablename__":
            scope.tablename = None
            return
        if name == "__table_args__":
            scope.table_args = TableArgs("dynamic", node=func)
            return
        # Function scope: its locals, enclosing functions, the module; never the class body.
        inner_scopes = (*func_scopes, function_bindings(func))
        for stmt in function_statements(func.body):
            if isinstance(stmt, cst.Return) and isinstance(stmt.value, cst.Call):
                symbol = self.imports.symbol(stmt.value.func)
                if symbol in COLUMN_CONSTRUCTORS:
                    returns = func.returns.annotation if func.returns is not None else None
                    mapped = self.mapped_annotation(returns) if returns is not None else None
                    scope.columns.append(self._column(stmt.value, symbol, name, mapped))
            for call in calls_in(stmt):
                if self.imports.symbol(call.func) in RELATIONSHIP_CONSTRUCTORS:
                    self.relationships.append(
                        self._relationship(call, None, scope.name, None, None, inner_scopes)
                    )

    # -- declarations --------------------------------------------------------------------------

    def _column(
        self, call: cst.Call, constructor: str, attr: str | None, mapped: MappedAnnotation | None
    ) -> ColumnDecl:
        kwargs = keyword_args(call)
        positional = positional_args(call)
        sql_name = None
        type_expr = None
        foreign_keys: list[ForeignKeyDecl] = []
        if positional and string_value(positional[0].value) is not None:
            sql_name = string_value(positional[0].value)
            positional = positional[1:]
        for arg in positional:
            inner = arg.value
            symbol = self.imports.symbol(inner.func) if isinstance(inner, cst.Call) else None
            if symbol == "ForeignKey" and isinstance(inner, cst.Call):
                foreign_keys.append(self._foreign_key(inner))
            elif type_expr is None and symbol not in _SCHEMA_ITEMS:
                type_expr = inner
        if "type_" in kwargs and type_expr is None:
            type_expr = kwargs["type_"].value
        if "name" in kwargs and sql_name is None:
            sql_name = string_value(kwargs["name"].value)
        server_default, server_default_known = self._server_default(call, mapped)
        return ColumnDecl(
            attr=attr,
            sql_name=sql_name,
            constructor=constructor,
            annotation=mapped,
            type_expr=type_expr,
            nullable=_kw_bool(kwargs, "nullable"),
            primary_key=_kw_bool(kwargs, "primary_key"),
            index=_kw_bool(kwargs, "index"),
            unique=_kw_bool(kwargs, "unique"),
            foreign_keys=tuple(foreign_keys),
            kwargs=kwargs,
            node=call,
            server_default=server_default,
            server_default_known=server_default_known,
        )

    def _server_default(
        self, call: cst.Call, mapped: MappedAnnotation | None
    ) -> tuple[cst.BaseExpression | None, bool]:
        """The expression that gives a column its database default, and whether it can be read:
        `server_default=`, a positional `DefaultClause(...)` (FetchedValue, Computed, Identity
        and Sequence give one whose SQL is not read), else what an `Annotated` alias in the
        annotation gives (SQLAlchemy merges its mapped_column() into the column)."""
        for arg in call.args:
            if arg.star:
                return None, False  # *args / **kwargs may hold one
            if arg.keyword is not None and arg.keyword.value == "server_default":
                return arg.value, True
        for arg in positional_args(call):
            value = arg.value
            symbol = self.imports.symbol(value.func) if isinstance(value, cst.Call) else None
            if symbol == "DefaultClause" and isinstance(value, cst.Call):
                clause = positional_args(value)
                return (clause[0].value, True) if clause else (None, False)
            if symbol in _DATABASE_DEFAULT_ITEMS:
                return None, False
        if mapped is not None:
            return self._annotation_server_default(mapped)
        return None, True

    def _annotation_server_default(
        self, mapped: MappedAnnotation
    ) -> tuple[cst.BaseExpression | None, bool]:
        """The database default the `Annotated[T, mapped_column(...)]` alias in a Mapped[...]
        gives; unknown when the annotation may name such an alias from another module."""
        if mapped.column is not None:
            return self._server_default(mapped.column, None)
        return None, mapped.names_known

    def _annotated_mapped_column(self, expr: cst.BaseExpression | None, seen: frozenset[str]) -> cst.Call | None:
        """The mapped_column() call of `Annotated[T, mapped_column(...)]`, written in place or
        through this module's aliases, also inside Optional[...] / `X | None`."""
        expr = _unwrap_string_annotation(expr) if expr is not None else None
        if isinstance(expr, cst.Name):
            alias = self.aliases.get(expr.value)
            if alias is None or expr.value in seen or isinstance(alias, cst.Call):
                return None
            return self._annotated_mapped_column(alias, seen | {expr.value})
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            sides = [e for e in (expr.left, expr.right) if not (isinstance(e, cst.Name) and e.value == "None")]
            return self._annotated_mapped_column(sides[0], seen) if len(sides) == 1 else None
        if not isinstance(expr, cst.Subscript):
            return None
        symbol = self.imports.symbol(expr.value)
        elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
        if symbol == "typing.Optional" and len(elements) == 1:
            return self._annotated_mapped_column(elements[0], seen)
        if symbol != "typing.Annotated":
            return None
        for element in elements[1:]:
            if isinstance(element, cst.Call) and self.imports.symbol(element.func) == "mapped_column":
                return element
        return self._annotated_mapped_column(elements[0], seen) if elements else None

    def _names_known(self, inner: cst.BaseExpression) -> bool:
        """See MappedAnnotation.names_known."""
        for name in annotation_names(inner, self.imports):
            if name in BUILTIN_NAMES or name == "None" or name in self.class_names:
                continue
            qualified = self.imports.qualify(name)
            if qualified is None:
                if name in self.aliases:
                    continue  # a module-level alias: optionality and the alias's column follow it
                return False
            if qualified.partition(".")[0] in PLAIN_TYPE_MODULES or canonical_symbol(qualified):
                continue
            return False
        return True

    def _sqlmodel_field(self, call: cst.Call, attr: str) -> ColumnDecl | None:
        kwargs = keyword_args(call)
        sa_column = kwargs.get("sa_column")
        if sa_column is not None:
            inner = sa_column.value
            if isinstance(inner, cst.Call) and self.imports.symbol(inner.func) == "Column":
                return self._column(inner, "Column", attr, None)
            return None
        merged = _with_dict_kwargs(kwargs, "sa_column_kwargs")
        column = self._column(call, "sqlmodel.Field", attr, None)
        return _replace(
            column,
            kwargs=merged,
            nullable=_kw_bool(merged, "nullable"),
            type_expr=None,
            sql_name=string_value(merged["name"].value) if "name" in merged else None,
        )

    def _foreign_key(self, call: cst.Call) -> ForeignKeyDecl:
        kwargs = keyword_args(call)
        positional = positional_args(call)
        target = string_value(positional[0].value) if positional else None
        return ForeignKeyDecl(
            target=target,
            ondelete=string_value(kwargs["ondelete"].value) if "ondelete" in kwargs else None,
            onupdate=string_value(kwargs["onupdate"].value) if "onupdate" in kwargs else None,
            node=call,
        )

    def _relationship(
        self,
        call: cst.Call,
        attr: str | None,
        owner: str | None,
        mapped: MappedAnnotation | None,
        class_bindings: Bindings | None,
        func_scopes: tuple[Bindings, ...],
    ) -> RelationshipDecl:
        kwargs = keyword_args(call)
        if self.imports.symbol(call.func) == "sqlmodel.Relationship":
            kwargs = _with_dict_kwargs(kwargs, "sa_relationship_kwargs")
        positional = positional_args(call)
        target = None
        if positional:
            target = string_value(positional[0].value)
            if target is None and isinstance(positional[0].value, cst.Name):
                target = positional[0].value.value
        expressions: list[tuple[str, cst.BaseExpression]] = [
            (name, kwargs[name].value) for name in RELATIONSHIP_EXPRESSION_ARGS if name in kwargs
        ]
        backref = kwargs.get("backref")
        if backref is not None and isinstance(backref.value, cst.Call):
            if self.imports.symbol(backref.value.func) == "backref":
                inner = keyword_args(backref.value)
                expressions += [
                    (name, inner[name].value) for name in RELATIONSHIP_EXPRESSION_ARGS if name in inner
                ]
        refs: list[BuiltinRef] = []
        for argument, expr in expressions:
            for name_node in _free_names(expr):
                name = name_node.value
                if name not in BUILTIN_NAMES:
                    continue
                if class_bindings is not None and name in class_bindings:
                    continue
                if any(name in scope for scope in func_scopes) or name in self.module_bindings:
                    continue
                refs.append(BuiltinRef(argument, name, name_node))
        return RelationshipDecl(
            attr=attr,
            owner=owner,
            target=target,
            annotation=mapped,
            builtin_refs=tuple(refs),
            kwargs=kwargs,
            node=call,
        )

    def _table(self, call: cst.Call, variable: str | None) -> TableDecl:
        positional = positional_args(call)
        tablename = string_value(positional[0].value) if positional else None
        columns: list[ColumnDecl] = []
        items: list[cst.Call] = []
        for arg in positional[1:]:
            if isinstance(arg.value, cst.Call):
                symbol = self.imports.symbol(arg.value.func)
                if symbol == "Column":
                    columns.append(self._column(arg.value, "Column", None, None))
                elif symbol in ("Index", "UniqueConstraint"):
                    items.append(arg.value)
        by_name = {c.name: c for c in columns if c.name}
        indexes = [ix for c in columns for ix in _column_indexes(c, "column")]
        for item in items:
            index = self._index_from_call(
                item, "index", "table", lambda n: n if n in by_name else None
            )
            if index is not None:
                indexes.append(index)
        return TableDecl(variable, tablename, tuple(columns), tuple(indexes), call)

    def _table_args(self, value: cst.BaseExpression) -> TableArgs:
        if isinstance(value, cst.Tuple):
            return TableArgs(
                "tuple",
                tuple(e.value for e in value.elements),
                value,
                tuple(isinstance(e, cst.StarredElement) for e in value.elements),
            )
        if isinstance(value, (cst.Dict, cst.DictComp)):
            return TableArgs("dict", (), value)
        if isinstance(value, cst.Name) and value.value == "None":
            return TableArgs("none", (), value)
        if isinstance(value, _NOT_TABLE_ARGS):
            return TableArgs("other", (value,), value)
        if isinstance(value, cst.Call):
            callee = dotted_name(value.func)
            if callee in ("dict", "list", "set") and callee not in self.module_bindings:
                return TableArgs("dict" if callee == "dict" else "other", (value,), value)
            if self._is_table_item(value.func):
                return TableArgs("other", (value,), value)
        # A shared constant, a helper's result, `Base.__table_args__ + (...)`, a conditional:
        # its shape is not known here.
        return TableArgs("dynamic", (), value)

    def _is_table_item(self, func: cst.BaseExpression) -> bool:
        """`Index`, `sa.UniqueConstraint`, `db.CheckConstraint`..., by import; a bare name spelled
        like one counts too (a re-export from the project's own module) unless this module binds
        it to something else (its own helper, or an import from a non-SQLAlchemy library)."""
        if self.imports.symbol(func) in _TABLE_ITEMS:
            return True
        if not isinstance(func, cst.Name) or func.value not in _TABLE_ITEMS:
            return False
        return func.value not in self.aliases and func.value not in _defined_names(
            self.module.body
        )

    # -- indexes -------------------------------------------------------------------------------

    def _class_indexes(self, scope: _ClassScope, bases: tuple[str, ...]) -> tuple[IndexDecl, ...]:
        indexes: list[IndexDecl] = []
        # Columns inherited from mixins and abstract bases defined in this file land in this table.
        inherited: list[ColumnDecl] = []
        if scope.tablename is not None:
            for base in bases:
                parent = self.classes.get(base)
                if parent is not None and parent.kind in ("mixin", "abstract"):
                    inherited.extend(parent.columns)
        own_names = {c.attr for c in scope.columns}
        all_columns = [c for c in inherited if c.attr not in own_names] + scope.columns
        for column in all_columns:
            indexes.extend(_column_indexes(column, "column"))
        by_attr = {c.attr: c for c in all_columns if c.attr}
        by_sql = {c.sql_name: c for c in all_columns if c.sql_name}

        def column_name(reference: str) -> str:
            column = by_attr.get(reference) or by_sql.get(reference)
            return column.name if column is not None and column.name else reference

        def name_reference(name: str) -> str | None:
            column = by_attr.get(name)
            return column.name if column is not None else None

        if scope.table_args.shape == "tuple":
            for item in scope.table_args.items:
                if isinstance(item, cst.Call) and self.imports.symbol(item.func) in (
                    "Index",
                    "UniqueConstraint",
                ):
                    index = self._index_from_call(item, "index", "table_args", name_reference)
                    if index is not None:
                        if index.columns is not None:
                            index = _replace(
                                index, columns=tuple(column_name(c) for c in index.columns)
                            )
                        indexes.append(index)
        return tuple(indexes)

    def _index_from_call(self, call, kind, origin, resolve_name) -> IndexDecl | None:
        """Index(...) or UniqueConstraint(...): name, columns (None for expressions), plainness."""
        symbol = self.imports.symbol(call.func)
        kwargs = keyword_args(call)
        positional = positional_args(call)
        if any(arg.star for arg in call.args):
            return None
        name: str | None = None
        if symbol == "Index":
            if not positional:
                return None
            name = string_value(positional[0].value)
            column_args = positional[1:]
            unique = _kw_bool(kwargs, "unique")
            kind = "unique_index" if unique else "index"
            plain = ("unique" not in kwargs or unique is not None)
        else:
            column_args = positional
            kind = "unique_constraint"
            plain = True
            if "name" in kwargs:
                name = string_value(kwargs["name"].value)
        plain = plain and all(key in _NEUTRAL_INDEX_KWARGS for key in kwargs)
        columns: list[str] | None = []
        for arg in column_args:
            text = string_value(arg.value)
            if text is not None:
                columns.append(text)
                continue
            resolved = None
            if isinstance(arg.value, cst.Name):
                resolved = resolve_name(arg.value.value)
            elif isinstance(arg.value, cst.Attribute) and not self._names_another_table(arg.value):
                resolved = arg.value.attr.value
            if resolved is None:
                columns = None
                break
            columns.append(resolved)
        from ormlint.schema import index_predicates

        return IndexDecl(
            name=name,
            columns=tuple(columns) if columns is not None and columns else None,
            kind=kind,
            origin=origin,
            plain=plain,
            node=call,
            where=index_predicates({k: v.value for k, v in kwargs.items()}, self.imports),
        )

    def _names_another_table(self, reference: cst.Attribute) -> bool:
        """`User.email` (a mapped class of this file, defined above), `log.c.id`,
        `User.__table__.c.email`: a column of another table than the class body's own (which
        has no name in its own body yet), never a mixin's column copied into this table."""
        parts = (dotted_name(reference) or "").split(".")
        if len(parts) > 2:
            return True
        other = self.classes.get(parts[0])
        return other is not None and other.tablename is not None and other.kind in ("mapped", "unknown")

    # -- annotations ---------------------------------------------------------------------------

    def mapped_annotation(self, annotation: cst.BaseExpression) -> MappedAnnotation | None:
        expr = _unwrap_string_annotation(annotation)
        if not isinstance(expr, cst.Subscript) or len(expr.slice) != 1:
            return None
        wrapper = self.imports.symbol(expr.value)
        if wrapper not in MAPPED_WRAPPERS:
            return None
        element = expr.slice[0].slice
        if not isinstance(element, cst.Index):
            return None
        inner = _unwrap_string_annotation(element.value)
        if inner is None:
            return None
        optional = self.optionality(inner, set())
        column = self._annotated_mapped_column(inner, frozenset())
        known = self._names_known(inner)
        alias = keyword_args(column) if column is not None else {}
        primary_key = "primary_key" in alias and bool_value(alias["primary_key"].value) is True
        if "nullable" in alias:
            nullable = bool_value(alias["nullable"].value)  # None when not a literal
        elif primary_key:
            nullable = False
        else:
            nullable = optional if known else None
        return MappedAnnotation(
            wrapper, inner, optional, annotation, column, known, nullable, primary_key
        )

    def optionality(self, expr: cst.BaseExpression, seen: set[str]) -> bool | None:
        """Does the type admit None? True / False / None for "cannot tell"."""
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            inner = _unwrap_string_annotation(expr)
            return None if inner is None or inner is expr else self.optionality(inner, seen)
        if isinstance(expr, cst.Name):
            if expr.value == "None":
                return True
            symbol = self.imports.symbol(expr)
            if symbol in ("typing.Any", "typing.Optional", "typing.Union"):
                return None
            alias = self.aliases.get(expr.value)
            if alias is not None and expr.value not in seen:
                if isinstance(alias, cst.Call):
                    return None  # TypeVar(...), NewType(...), a factory: cannot tell
                return self.optionality(alias, seen | {expr.value})
            return False
        if isinstance(expr, cst.Attribute):
            return None if self.imports.symbol(expr) == "typing.Any" else False
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            return _any_optional(
                [self.optionality(expr.left, seen), self.optionality(expr.right, seen)]
            )
        if isinstance(expr, cst.Subscript):
            symbol = self.imports.symbol(expr.value)
            elements = [
                e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)
            ]
            if symbol == "typing.Optional":
                return True
            if symbol == "typing.Union":
                return _any_optional([self.optionality(e, seen) for e in elements])
            if symbol == "typing.Annotated":
                return self.optionality(elements[0], seen) if elements else None
            if symbol == "typing.Literal":
                return any(isinstance(e, cst.Name) and e.value == "None" for e in elements)
            return False  # list[...], dict[...], a generic class
        return None


def names_mapped_wrapper(annotation: cst.BaseExpression, imports: ImportTable) -> bool:
    """Does the annotation name `Mapped`/`WriteOnlyMapped`/`DynamicMapped`, subscripted or not,
    as a string or not?"""
    expr = _unwrap_string_annotation(annotation)
    if isinstance(expr, cst.Subscript):
        expr = expr.value
    return expr is not None and imports.symbol(expr) in MAPPED_WRAPPERS


def calls_in(node: cst.CSTNode, into_lambdas: bool = False) -> Iterator[cst.Call]:
    """Calls in an expression or simple statement, in source order, outside nested functions
    and classes, and outside lambdas unless `into_lambdas` (a lambda's body runs later)."""
    # Exact types (these libcst classes have no subclasses): isinstance() would go through ABCMeta.
    skipped = _SCOPES if into_lambdas else _SCOPES_AND_LAMBDAS
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind in skipped:
            continue
        if kind is cst.Call:
            yield current
        stack.extend(reversed(syntax_children(current)))


_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef})
_SCOPES_AND_LAMBDAS = _SCOPES | {cst.Lambda}


# Positional Column arguments that give the column a database default whose SQL is not read.
_DATABASE_DEFAULT_ITEMS = {"FetchedValue", "Computed", "Identity", "Sequence"}
# Modules whose names in an annotation are plain types, never an alias of `Optional[...]` or an
# `Annotated` alias with a mapped_column().
PLAIN_TYPE_MODULES = {
    "builtins", "datetime", "decimal", "uuid", "typing", "typing_extensions", "enum",
    "ipaddress", "pathlib", "collections", "sqlalchemy",
}


def annotation_names(node: cst.CSTNode, imports: ImportTable) -> Iterator[str]:
    """Names an annotation reads when evaluated (heads of dotted names, inside strings too),
    except the contents of `Literal[...]`."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.SimpleString, cst.ConcatenatedString)):
            text = string_value(current)
            if text is not None:
                try:
                    stack.append(cst.parse_expression(text.strip()))
                except Exception:
                    pass
            continue
        if isinstance(current, cst.Name):
            yield current.value
            continue
        if isinstance(current, cst.Attribute):
            stack.append(current.value)
            continue
        if isinstance(current, cst.Subscript) and imports.symbol(current.value) == "typing.Literal":
            stack.append(current.value)
            continue
        stack.extend(syntax_children(current))


def _class_names(stmts: Iterable[cst.CSTNode]) -> set[str]:
    """Names of the classes the extractor visits: at module level and nested in class bodies,
    under if/try/with/for/while too (known before the walk, for annotations that name a class
    defined further down)."""
    names: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, cst.ClassDef):
            names.add(stmt.name.value)
            if isinstance(stmt.body, cst.IndentedBlock):
                names |= _class_names(stmt.body.body)
        elif isinstance(stmt, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
            for block in blocks(stmt):
                names |= _class_names(block)
    return names


_SCHEMA_ITEMS = {
    "ForeignKey", "Sequence", "Identity", "Computed", "CheckConstraint", "DefaultClause",
    "FetchedValue", "UniqueConstraint", "Index",
}


def _stronger(current: ClassKind, new: ClassKind) -> ClassKind:
    order = {"mixin": 0, "unknown": 1, "mapped": 2, "base": 3}
    return new if order.get(new, 0) > order.get(current, 0) else current


def _any_optional(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def _with_dict_kwargs(kwargs: dict[str, cst.Arg], name: str) -> dict[str, cst.Arg]:
    """The keyword arguments plus the string-keyed entries of a literal dict argument `name`
    (SQLModel's sa_column_kwargs / sa_relationship_kwargs), as if they had been passed directly.
    The synthesised Arg wraps the original value node, which keeps its source position."""
    merged = dict(kwargs)
    extra = kwargs.get(name)
    if extra is not None and isinstance(extra.value, cst.Dict):
        for element in extra.value.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key is not None:
                    merged[key] = cst.Arg(keyword=cst.Name(key), value=element.value)
    return merged


def _kw_bool(kwargs, name: str) -> bool | None:
    arg = kwargs.get(name)
    return bool_value(arg.value) if arg is not None else None


def _column_indexes(column: ColumnDecl, origin: str) -> list[IndexDecl]:
    """The index or unique constraint that ``index=True`` / ``unique=True`` create."""
    if column.name is None:
        return []
    if column.index:
        kind = "unique_index" if column.unique else "index"
        node = column.kwargs["index"]
    elif column.unique:
        kind = "unique_constraint"
        node = column.kwargs["unique"]
    else:
        return []
    return [IndexDecl(None, (column.name,), kind, origin, True, node, column)]


# Values that are certainly not a tuple, dict or None (SQLAlchemy rejects them at import).
_NOT_TABLE_ARGS = (
    cst.List, cst.ListComp, cst.Set, cst.SetComp, cst.GeneratorExp, cst.SimpleString,
    cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary, cst.Lambda,
)
# Schema items: `__table_args__ = UniqueConstraint(...)` (or `(Index(...))`, no trailing comma).
_TABLE_ITEMS = {
    "Index", "UniqueConstraint", "PrimaryKeyConstraint", "CheckConstraint",
    "ForeignKeyConstraint", "Column", "ExcludeConstraint",
}


Branch = tuple[tuple[int, int], ...]


def _class_statements(
    body: cst.BaseSuite, branch: Branch = (), counter: Iterator[int] | None = None
) -> Iterator[tuple[cst.CSTNode, bool, Branch]]:
    """Class-body statements in order as (statement, declares, branch): the statements inside
    ``if``/``try``/``with`` blocks declare too; the compound statement itself only adds bindings.
    `branch` locates the block (see ClassAssignment.branch)."""
    if counter is None:
        counter = itertools.count()
    if isinstance(body, cst.SimpleStatementSuite):
        yield cst.SimpleStatementLine(body=body.body), True, branch
        return
    for stmt in body.body:
        if isinstance(stmt, (cst.If, cst.Try, cst.With)):
            number = next(counter)
            for index, block in enumerate(blocks(stmt)):
                yield from _class_statements(
                    cst.IndentedBlock(body=block), branch + ((number, index),), counter
                )
            yield stmt, False, branch
        else:
            yield stmt, True, branch


def _target_name_nodes(target: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(target, cst.Name):
        yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_name_nodes(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_name_nodes(target.value)


def _defined_names(stmts: Sequence[cst.CSTNode]) -> set[str]:
    """Names of the defs and classes of a block (and of its `if`/`try` blocks)."""
    names: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
        elif isinstance(stmt, (cst.If, cst.Try)):
            for block in blocks(stmt):
                names |= _defined_names(block)
    return names


def _nested_definitions(body: cst.BaseSuite) -> Iterator[cst.FunctionDef | cst.ClassDef]:
    """The defs and classes a block defines, in its compound statements too, outside them."""
    if not isinstance(body, cst.IndentedBlock):
        return
    stack: list[Sequence[cst.CSTNode]] = [body.body]
    while stack:
        for stmt in stack.pop():
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                yield stmt
            elif not isinstance(stmt, cst.SimpleStatementLine):
                stack.extend(blocks(stmt))


def _function_defs(body: cst.BaseSuite) -> Iterator[cst.FunctionDef]:
    if isinstance(body, cst.IndentedBlock):
        yield from (stmt for stmt in body.body if isinstance(stmt, cst.FunctionDef))


def _free_names(expr: cst.CSTNode) -> Iterator[cst.Name]:
    """Names read by an expression, outside lambdas, attribute tails, keywords and callee names."""
    comprehension_targets: set[str] = set()
    stack: list[cst.CSTNode] = [expr]
    found: list[cst.Name] = []
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, cst.Name):
            found.append(node)
            continue
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
            continue
        if isinstance(node, cst.Arg):
            stack.append(node.value)
            continue
        if isinstance(node, cst.Call):
            if not isinstance(node.func, cst.Name):
                stack.append(node.func)
            stack.extend(node.args)
            continue
        if isinstance(node, cst.CompFor):
            comprehension_targets.update(
                n.value for n in _names_in_target(node.target)
            )
        stack.extend(syntax_children(node))
    for name in found:
        if name.value not in comprehension_targets:
            yield name


def _names_in_target(target: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(target, cst.Name):
        yield target
    else:
        for child in syntax_children(target):
            yield from _names_in_target(child)


_replace = dataclasses.replace


def extract(module: cst.Module, source: str, path: str) -> FileModel:
    return Extractor(module, source, path).extract()
