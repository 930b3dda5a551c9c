"""The text prefilter is sound: skipping files by their text never changes the findings.

Everything here is analysed twice, as shipped and with `prefilter.may_contain_models` and
`prefilter.may_declare_models` patched to keep every file, and the findings must be identical: the bundled fixtures and every rule's documented
examples (valid and invalid), each through `analyse_source` and as a one-file project through
`engine.run` (so project rules count too), and directories of them through `engine.run`.

Not covered on purpose: a file that does not parse *and* mentions no SQLAlchemy construct gets no
ORM999 with the prefilter (it is never parsed); see benchmarks/RESULTS.md.
"""

from __future__ import annotations

import multiprocessing
import shutil
import textwrap
from pathlib import Path

import pytest

import ormlint.analysis as analysis
import ormlint.engine as engine
import ormlint.prefilter as prefilter
from ormlint.codes import all_codes
from ormlint.config import load_settings
from ormlint.rules import RULES
from ormlint.rules.base import example_files
from ormlint.sources import decode

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))
EXAMPLES = [
    (f"{code}-{kind}-{i}", textwrap.dedent(source))
    for code, rule in RULES.items()
    for kind, sources in (("invalid", rule.invalid), ("valid", rule.valid))
    for i, source in enumerate(sources)
]
CODES = frozenset(all_codes())


def _findings(source: str, path: str) -> list:
    return analysis.analyse_source(source, path, CODES)


def _without_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both stages off: the text prefilter, and the second look after the syntax check."""
    monkeypatch.setattr(prefilter, "may_contain_models", lambda source: True)
    monkeypatch.setattr(prefilter, "may_declare_models", lambda source: True)


def _write(directory: Path, files: dict[str, str]) -> None:
    # An empty [tool.ormlint] table stops the configuration search at the temp directory.
    (directory / "pyproject.toml").write_text("[tool.ormlint]\n", encoding="utf-8")
    for name, source in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")


def _run(directory: Path, jobs: int = 1) -> engine.RunResult:
    # the example's own configuration (ORM730's target-dialect) applies
    settings = load_settings([directory]).with_overrides(select=("ALL",))
    return engine.run([directory], settings, jobs=jobs, cache_dir=None)


def _run_both(directory: Path, monkeypatch: pytest.MonkeyPatch, jobs: int = 1):
    with_prefilter = _run(directory, jobs)
    with monkeypatch.context() as patch:
        _without_prefilter(patch)
        without = _run(directory, jobs)
    return with_prefilter, without


def test_the_inputs_are_there():
    assert len(FIXTURE_FILES) >= 5
    assert len(EXAMPLES) >= 2 * len(RULES)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_do_not_depend_on_the_prefilter(path, monkeypatch):
    source = decode(path.read_bytes())
    with_prefilter = _findings(source, str(path))
    _without_prefilter(monkeypatch)
    assert _findings(source, str(path)) == with_prefilter


@pytest.mark.parametrize(("name", "source"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_rule_example_findings_do_not_depend_on_the_prefilter(name, source, monkeypatch, tmp_path):
    files = example_files(source)
    if files is not None:  # a project of models and migrations, run as one
        _write(tmp_path, files)
        project_with, project_without = _run_both(tmp_path, monkeypatch)
        assert project_without.findings == project_with.findings
        if "-invalid-" in name:
            assert name.partition("-")[0] in {f.code for f in project_with.findings}
        return
    # File rules, one file at a time (the editor, flake8 and stdin path).
    with_prefilter = _findings(source, "models.py")
    with monkeypatch.context() as patch:
        _without_prefilter(patch)
        assert _findings(source, "models.py") == with_prefilter
    # File and project rules, the example as a one-file project (the `ormlint check DIR` path).
    _write(tmp_path, {"models.py": source})
    project_with, project_without = _run_both(tmp_path, monkeypatch)
    assert project_without.findings == project_with.findings
    if "-invalid-" in name:  # the example really was analysed, not skipped both times
        code = name.partition("-")[0]
        assert code in {f.code for f in project_with.findings}


def test_every_file_with_findings_passes_the_prefilter():
    """The direct form of soundness for file rules: no flagged file is one the prefilter skips."""
    sources = [decode(p.read_bytes()) for p in FIXTURE_FILES] + [s for _, s in EXAMPLES]
    flagged = [s for s in sources if _findings(s, "models.py")]
    assert flagged
    assert all(prefilter.may_contain_models(s) for s in flagged)


def _populate(directory: Path) -> None:
    shutil.copytree(FIXTURES, directory / "fixtures")
    files = {}
    for name, source in EXAMPLES:
        stem = f"examples/{name.replace('-', '_').lower()}"
        parts = example_files(source)
        if parts is None:
            files[f"{stem}.py"] = source
        else:  # a project of its own, in its own directory
            files.update({f"{stem}/{path}": text for path, text in parts.items()})
    # Files the prefilter skips: plain Python, and Python that merely looks ORM-ish.
    files["examples/plain.py"] = "def add(a, b):\n    return a + b\n"
    files["examples/columns_word.py"] = (
        "class Sheet:\n    columns = ['id']\n\n    def relationship_count(self):\n        return 0\n"
    )
    _write(directory, files)


@pytest.mark.parametrize("jobs", [1, 2])
def test_directory_run_does_not_depend_on_the_prefilter(tmp_path, monkeypatch, jobs):
    if jobs > 1 and multiprocessing.get_start_method() != "fork":
        pytest.skip("workers would not inherit the patched prefilter")
    _populate(tmp_path)
    with_prefilter, without = _run_both(tmp_path, monkeypatch, jobs)
    assert with_prefilter.findings, "the directory holds flagged examples"
    assert without.files_checked == with_prefilter.files_checked
    assert without.findings == with_prefilter.findings


# A subclass in single-table inheritance needs no SQLAlchemy name at all: its file may mention
# none of the prefilter's markers, yet it declares a mapped class other files refer to.
STI_PROJECT = {
    "shop/__init__.py": "",
    "shop/models.py": """\
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


        class Base(DeclarativeBase):
            pass


        class User(Base):
            __tablename__ = "user"
            id: Mapped[int] = mapped_column(primary_key=True)
            kind: Mapped[str]
            __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "user"}


        class Team(Base):
            __tablename__ = "team"
            id: Mapped[int] = mapped_column(primary_key=True)
            admin_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
            admin = relationship("Admin")
            guests = relationship("Guest", viewonly=True)
        """,
    "shop/admin.py": """\
        from .models import User


        class Admin(User):
            __mapper_args__ = {"polymorphic_identity": "admin"}
        """,
    "shop/guest.py": """\
        from shop.models import User


        class Guest(User):
            def greeting(self) -> str:
                return "welcome"
        """,
}


# The same name for a model and for a plain class elsewhere (a pydantic schema `Role` beside the
# model `Role`): whether project rules see the plain class must not depend on the prefilter.
SAME_NAME_PROJECT = {
    "app/__init__.py": "",
    "app/base.py": """\
        from sqlalchemy.orm import DeclarativeBase


        class Base(DeclarativeBase):
            pass
        """,
    "app/role.py": """\
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from app.base import Base


        class Role(Base):
            __tablename__ = "role"
            id: Mapped[int] = mapped_column(primary_key=True)
            user_permissions = relationship("UserPermission", cascade="all, delete")
        """,
    "app/user_permission.py": """\
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from app.base import Base


        class UserPermission(Base):
            __tablename__ = "user_permission"
            id: Mapped[int] = mapped_column(primary_key=True)
            role_id: Mapped[int] = mapped_column(ForeignKey("role.id"))
            from_role = relationship("Role", back_populates="user_permissions")
        """,
    "app/generics.py": """\
        import pydantic


        class BaseModel(pydantic.BaseModel):
            model_config = {"from_attributes": True}
        """,
    "app/schemas.py": """\
        from app.generics import BaseModel


        class RoleBase(BaseModel):
            name: str


        class Role(RoleBase):
            id: int
        """,
}


@pytest.mark.parametrize(
    "project", [STI_PROJECT, SAME_NAME_PROJECT], ids=["sti-subclass", "same-name-plain-class"]
)
def test_a_skipped_file_still_declares_its_classes(project, tmp_path, monkeypatch):
    """Project rules see every file's classes whether or not its text names SQLAlchemy."""
    _write(tmp_path, project)
    with_prefilter, without = _run_both(tmp_path, monkeypatch)
    assert [(Path(f.path).name, f.line, f.code) for f in with_prefilter.findings] == [
        (Path(f.path).name, f.line, f.code) for f in without.findings
    ]


# -- the second look: files that pass the prefilter but can declare nothing ----------------------

MODULE_LEVEL_DECLARATIONS = {
    "table": "import sqlalchemy as sa\nusers = sa.Table('users', sa.MetaData(), sa.Column('id', sa.Integer))\n",
    "aliased table": "from sqlalchemy import MetaData\nfrom sqlalchemy import Table as T\nt = T('t', MetaData())\n",
    "declarative base": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "registry base": "from sqlalchemy.orm import registry\nBase = registry().generate_base()\n",
    "late relationship": "from sqlalchemy.orm import relationship\nUser.parent = relationship('User', remote_side=[id])\n",
    "column helper": "from sqlalchemy import Column, DateTime\ndef created():\n    return Column(DateTime, server_default='now()')\n",
    "a class": "import sqlalchemy\nif True:\n    class Row:\n        pass\n",
}
NOTHING_DECLARED = {
    "query": "from sqlalchemy import select\ndef active(session):\n    return session.scalars(select(User))\n",
    "endpoint": "from sqlalchemy.ext.asyncio import AsyncSession\n@router.get('/')\nasync def index(s: AsyncSession):\n    return []\n",
    "type map word": "import sqlalchemy\nsettings = {'type_annotation_map': None}\n",
}


@pytest.mark.parametrize("name", sorted(MODULE_LEVEL_DECLARATIONS))
def test_module_level_declarations_get_a_look(name):
    source = MODULE_LEVEL_DECLARATIONS[name]
    assert prefilter.may_contain_models(source) and prefilter.may_declare_models(source)
    result = analysis.analyse_file(source, "m.py", CODES)
    assert result.findings or result.facts.classes or result.facts.tables


@pytest.mark.parametrize("name", sorted(NOTHING_DECLARED))
def test_files_that_declare_nothing_are_not_parsed_by_libcst(name, monkeypatch):
    source = NOTHING_DECLARED[name]
    assert prefilter.may_contain_models(source) and not prefilter.may_declare_models(source)
    skipped = analysis.analyse_file(source, "m.py", CODES)
    with monkeypatch.context() as patch:
        patch.setattr(prefilter, "may_declare_models", lambda source: True)
        whole = analysis.analyse_file(source, "m.py", CODES)
    assert (skipped.findings, skipped.facts) == (whole.findings, whole.facts)
    assert skipped.facts.custom_type_map == (name == "type map word")


def test_a_constructor_spelled_in_other_unicode_forms_gets_a_look():
    # Python reads identifiers NFKC-normalised: this is `Table`.
    source = "import sqlalchemy as sa\nt = sa.\uff34able('t', sa.MetaData())\n"
    assert prefilter.may_declare_models(source)
