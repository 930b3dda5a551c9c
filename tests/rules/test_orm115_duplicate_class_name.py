"""ORM115 duplicate-class-name: which duplicates and which targets count."""

from __future__ import annotations

from tests.helpers import lint_project

BASE = """
from sqlalchemy.orm import DeclarativeBase
class Base(DeclarativeBase):
    pass
class OtherBase(DeclarativeBase):
    pass
"""
ACCOUNT = """
from sqlalchemy.orm import Mapped, mapped_column
from app.base import {base}
class Account({base}):
    __tablename__ = "{table}"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
INVOICE = """
{future}
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship
from app.base import Base
from app.billing import Account
class Invoice(Base):
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_account.id"))
    account: {annotation} = relationship({target})
"""


def project(target: str, annotation: str = "Mapped[Account]", future: str = "", auth: str = "Base",
            auth_account: str | None = None) -> dict[str, str]:
    return {
        "app/__init__.py": "",
        "app/base.py": BASE,
        "app/billing.py": ACCOUNT.format(base="Base", table="billing_account"),
        "app/auth.py": auth_account or ACCOUNT.format(base=auth, table="auth_account"),
        "app/invoice.py": INVOICE.format(target=target, annotation=annotation, future=future),
    }


def orm115(files, tmp_path) -> list[tuple[str, int]]:
    return [(path, line) for path, line, code in lint_project(files, tmp_path) if code == "ORM115"]


def test_a_bare_string_target_is_reported(tmp_path):
    assert orm115(project('"Account"'), tmp_path) == [("app/invoice.py", 11)]


def test_an_annotation_looked_up_by_name_is_reported(tmp_path):
    assert orm115(project("", 'Mapped["Account"]'), tmp_path) == [("app/invoice.py", 11)]
    future = "from __future__ import annotations"
    assert orm115(project("", "Mapped[Account]", future), tmp_path) == [("app/invoice.py", 11)]


def test_targets_that_name_one_class_are_not(tmp_path):
    for target in ("Account", '"app.billing.Account"', "lambda: Account"):
        assert orm115(project(target), tmp_path) == [], target
    assert orm115(project(""), tmp_path) == []  # Mapped[Account]: the class object


def test_duplicates_outside_the_registry_are_not(tmp_path):
    assert orm115(project('"Account"', auth="OtherBase"), tmp_path) == []
    mixin = "class Account:\n    pass\n"
    assert orm115(project('"Account"', auth_account=mixin), tmp_path) == []
    abstract = (
        "from app.base import Base\n"
        "class Account(Base):\n    __abstract__ = True\n"
    )
    assert orm115(project('"Account"', auth_account=abstract), tmp_path) == []


def test_flask_applications_in_two_packages_are_two_registries(tmp_path):
    model = """
from app{n}.ext import db
class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    owner = db.relationship("Account")
"""
    ext = "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n"
    files = {
        "app1/__init__.py": "", "app1/ext.py": ext, "app1/models.py": model.format(n=1),
        "app2/__init__.py": "", "app2/ext.py": ext, "app2/models.py": model.format(n=2),
    }
    assert orm115(files, tmp_path) == []
    files["app1/more.py"] = model.format(n=1)
    assert sorted(orm115(files, tmp_path)) == [("app1/models.py", 5), ("app1/more.py", 5)]


def test_the_message_names_both_classes_and_the_module_paths(tmp_path):
    from ormlint.config import load_settings
    from ormlint.engine import run

    for name, text in {**project('"Account"'), "pyproject.toml": "[tool.ormlint]\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = run([tmp_path], load_settings([tmp_path]), jobs=1, whole_project=True)
    [message] = [f.message for f in result.findings if f.code == "ORM115"]
    at = f"{tmp_path}/app"  # paths as the run names the files
    assert message.startswith(
        '`relationship("Account")` names `Account` by a string, and the declarative base `Base` '
        f"({at}/base.py) maps two classes of that name ({at}/auth.py:4, {at}/billing.py:4)"
    )
    assert '(`"app.auth.Account"` or `"app.billing.Account"`)' in message
