"""Oracle for ORM115: two mapped classes of one name under one declarative base."""

from __future__ import annotations

import importlib
import itertools
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import exc

from ormlint.rules import RULES
from ormlint.rules.base import example_files

_packages = itertools.count()


@contextmanager
def imported(source: str, tmp_path: Path, replace: tuple[str, str] | None = None) -> Iterator[dict]:
    """Write a multi-file example's package `app` under a name of its own, import every module
    of it, and dispose of its mappers afterwards."""
    package = f"orm115_app_{next(_packages)}"
    modules = {}
    for path, text in example_files(source).items():
        if replace is not None and path == "app/invoice.py":
            text = text.replace(*replace)
        target = tmp_path / path.replace("app/", f"{package}/", 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace("from app.", f"from {package}.").replace('"app.', f'"{package}.'))
    sys.path.insert(0, str(tmp_path))
    try:
        for name in ("base", "billing", "auth", "invoice"):
            modules[name] = importlib.import_module(f"{package}.{name}")
        yield modules
    finally:
        if "base" in modules:
            modules["base"].Base.registry.dispose()
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def test_orm115_a_string_target_fails_at_configuration(tmp_path):
    with imported(RULES["ORM115"].invalid[0], tmp_path) as modules:  # every module imports
        with pytest.raises(exc.InvalidRequestError, match='Multiple classes found for path "Account"'):
            modules["base"].Base.registry.configure()


def test_orm115_an_annotation_alone_fails_too(tmp_path):
    replace = ('relationship("Account")  # ORM115:21', "relationship()")
    with imported(RULES["ORM115"].invalid[0], tmp_path, replace) as modules:
        with pytest.raises(exc.InvalidRequestError, match='Multiple classes found for path "Account"'):
            modules["base"].Base.registry.configure()


def test_orm115_the_module_path_configures(tmp_path):
    with imported(RULES["ORM115"].valid[0], tmp_path) as modules:
        modules["base"].Base.registry.configure()
        invoice = modules["invoice"].Invoice
        assert invoice.account.property.mapper.class_ is modules["billing"].Account
