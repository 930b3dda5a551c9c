"""Load a rule's example as a real module with SQLAlchemy and observe what it does."""

from __future__ import annotations

import itertools
import sys
import types
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import MetaData, create_engine
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, registry
from sqlalchemy.schema import CreateIndex, CreateTable

from ormlint.rules.base import strip_markers

_counter = itertools.count()


class Example:
    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def __getattr__(self, name: str):
        return getattr(self.module, name)

    @property
    def registries(self) -> list[registry]:
        found: dict[int, registry] = {}
        for value in vars(self.module).values():
            reg = getattr(value, "registry", None)
            if isinstance(value, type) and isinstance(reg, registry):
                found[id(reg)] = reg
        return list(found.values())

    @property
    def metadata(self) -> MetaData:
        (reg,) = self.registries
        return reg.metadata

    def configure(self) -> None:
        for reg in self.registries:
            reg.configure()

    def sqlite_session(self) -> Session:
        engine = create_engine("sqlite://")
        self.metadata.create_all(engine)
        return Session(engine)

    def postgresql_ddl(self) -> str:
        dialect = postgresql.dialect()
        statements = []
        for table in self.metadata.sorted_tables:
            statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
            for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
                statements.append(str(CreateIndex(index).compile(dialect=dialect)).strip())
        return ";\n".join(statements)


@contextmanager
def load(source: str) -> Iterator[Example]:
    """Execute an example as module `ormlint_example_N`; dispose of its mappers afterwards."""
    name = f"ormlint_example_{next(_counter)}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    example = Example(module)
    try:
        exec(compile(strip_markers(source), f"<{name}>", "exec"), module.__dict__)
        yield example
    finally:
        for reg in example.registries:
            reg.dispose()
        sys.modules.pop(name, None)
