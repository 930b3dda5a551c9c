"""ORM801 plaintext-credential-column (opt-in): credential names on plain string/binary types."""

import pytest

from ormlint.rules.security import credential_kind, name_words
from tests.helpers import codes_and_lines, lint, lint_project

HEADER = (
    "import sqlalchemy as sa\n"
    "from typing import Optional\n"
    "from sqlalchemy import CHAR, JSON, Column, Integer, LargeBinary, String, Text, Unicode\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
)  # a body's first line is line 7


def check(body: str, header: str = HEADER):
    return codes_and_lines(header + body, "ORM801")


@pytest.mark.parametrize(
    "name",
    [
        "password", "user_password", "smtp_password", "passwd", "db_pwd", "passphrase", "secret",
        "client_secret", "clientSecret", "webhook_secret", "apiKey", "APIKey", "api_key",
        "stripe_api_key", "apikey", "access_token", "refresh_token", "oauth_token", "private_key",
        "secret_key", "aws_secret_access_key", "bearer_token",
    ],
)
def test_orm801_credential_names(name):
    assert credential_kind(name) is not None, name_words(name)


@pytest.mark.parametrize(
    "name",
    [
        "password_hash", "hashed_password", "encrypted_secret", "enc_api_key", "secret_salt",
        "secret_id", "access_token_expires_at", "password_length", "password_count",
        "api_key_prefix", "masked_api_key", "password_reset_at", "secret_name", "token",
        "reset_token", "csrf_token", "password_hint", "api_key_digest", "secret_arn",
        "passwordHash", "refresh_token_expires", "key", "public_key", "access_key",
    ],
)
def test_orm801_names_that_are_not_the_credential(name):
    assert credential_kind(name) is None, name_words(name)


def test_orm801_plain_types_in_every_spelling():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    password: Mapped[str] = mapped_column(String(128))\n"  # 10
        "    api_key: Mapped[Optional[str]]\n"  # 11
        "    client_secret: Mapped[str] = mapped_column()\n"  # 12
        "    private_key = Column(LargeBinary)\n"  # 13
        "    access_token = sa.Column(sa.Text, nullable=False)\n"  # 14
        "    totp_secret: Mapped[str] = mapped_column(CHAR(32))\n"  # 15
        "    pwd = mapped_column('login_password', Unicode(64))\n"  # 16
    ) == [("ORM801", n) for n in range(10, 17)]


def test_orm801_hashing_encrypting_custom_and_non_string_types_are_fine():
    assert check(
        "from sqlalchemy_utils import PasswordType, StringEncryptedType\n"
        "from sqlalchemy.types import TypeDecorator\n"
        "class Encrypted(TypeDecorator):\n"
        "    impl = String\n"
        "    cache_ok = True\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    password = Column(PasswordType(schemes=['pbkdf2_sha512']))\n"
        "    api_key: Mapped[str] = mapped_column(StringEncryptedType(String, 'k'))\n"
        "    client_secret: Mapped[str] = mapped_column(Encrypted(200))\n"
        "    secret: Mapped[dict] = mapped_column(JSON)\n"
        "    refresh_token: Mapped[int] = mapped_column(Integer)\n"
        "    has_secret: Mapped[bool]\n"
        "    password_hash: Mapped[str] = mapped_column(String(128))\n"
        "    hashed_password: Mapped[str]\n"
        "    access_token_expires_at: Mapped[str] = mapped_column(String(32))\n"
    ) == []


def test_orm801_values_the_class_hashes_or_encrypts_itself():
    assert check(
        "import bcrypt\n"
        "from sqlalchemy.ext.hybrid import hybrid_property\n"
        "from werkzeug.security import generate_password_hash\n"
        "class Validated(Base):\n"
        "    __tablename__ = 'validated'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    password = Column(String(128))\n"
        "    @validates('password')\n"
        "    def _check(self, key, value):\n"
        "        return make_digest(value)\n"
        "class Setter(Base):\n"
        "    __tablename__ = 'setter'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    password = Column(LargeBinary, nullable=False)\n"
        "    def set_password(self, raw):\n"
        "        self.password = bcrypt.hashpw(raw.encode(), bcrypt.gensalt())\n"
        "class Hybrid(Base):\n"
        "    __tablename__ = 'hybrid'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    _password: Mapped[str] = mapped_column('password', String(120))\n"
        "    @hybrid_property\n"
        "    def password(self):\n"
        "        return self._password\n"
        "    @password.setter\n"
        "    def password(self, value):\n"
        "        self._password = generate_password_hash(value)\n"
    ) == []


def test_orm801_hashing_one_attribute_does_not_excuse_another():
    assert check(
        "class Team(Base):\n"
        "    __tablename__ = 'team'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    password = Column(String(128))\n"
        "    secret = Column(String(128))\n"  # 11
        "    @validates('password')\n"
        "    def validate_password(self, key, plaintext):\n"
        "        from app.crypto import hash_password\n"
        "        return hash_password(plaintext)\n"
        "    def __hash__(self):\n"  # a dunder named hash hashes nothing
        "        return hash(self.secret)\n"
    ) == [("ORM801", 11)]


def test_orm801_flask_mixins_and_imperative_tables():
    source = (
        "from app import db\n"
        "class CredentialsMixin:\n"
        "    smtp_password = db.Column(db.String(100))\n"  # 3
        "class Settings(CredentialsMixin, db.Model):\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
        "    stripe_secret_key = db.Column(db.String)\n"  # 6
        "class Other(CredentialsMixin, db.Model):\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
        "legacy = db.Table('legacy', db.Column('api_key', db.String(40)))\n"  # 9
    )
    assert codes_and_lines(source, "ORM801") == [("ORM801", 3), ("ORM801", 6), ("ORM801", 9)]


def test_orm801_classes_mapped_imperatively():
    # The table declares the columns: the class's annotations are for the type checker, and
    # a method of the class that hashes the value covers the table's column.
    source = (
        "from typing import Optional\n"
        "from sqlalchemy import Column, Integer, Table, Text\n"
        "from sqlalchemy.orm import Mapped, registry\n"
        "reg = registry()\n"
        "account = Table('account', reg.metadata, Column('id', Integer, primary_key=True),\n"
        "    Column('password', Text), Column('api_key', Text))\n"  # 6: api_key, not hashed
        "class Account:\n"
        "    api_key: Mapped[Optional[str]]\n"  # 8: no column here
        "    def set_password(self, raw):\n"
        "        self._password = bcrypt.hashpw(raw, bcrypt.gensalt())\n"
        "reg.map_imperatively(Account, account, properties={'_password': account.c.password})\n"
    )
    assert codes_and_lines(source, "ORM801") == [("ORM801", 6)]
    unmapped = source.replace("reg.map_imperatively(Account, account, ", "dict(")
    assert codes_and_lines(unmapped, "ORM801") == [("ORM801", 6), ("ORM801", 6), ("ORM801", 8)]


def test_orm801_alembic_revisions_are_snapshots_of_the_past():
    # A revision that hashes the old plaintext column works on the table as it was then.
    revision = (
        "import sqlalchemy as sa\n"
        "from alembic import op\n"
        "revision = '0002'\n"
        "down_revision = '0001'\n"
        "club = sa.Table('club', sa.MetaData(), sa.Column('password', sa.String(256)))\n"
        "def upgrade():\n"
        "    op.alter_column('club', 'password', new_column_name='password_hash')\n"
    )
    assert codes_and_lines(revision, "ORM801") == []
    not_a_revision = revision.replace("down_revision = '0001'\n", "")
    assert codes_and_lines(not_a_revision, "ORM801") == [("ORM801", 4)]


def test_orm801_sqlmodel_tables_only():
    source = (
        "from typing import Optional\n"
        "from sqlalchemy import Column, LargeBinary\n"
        "from sqlmodel import Field, SQLModel\n"
        "class UserCreate(SQLModel):\n"
        "    password: str\n"  # a request body, not a table
        "class User(SQLModel, table=True):\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    hashed_password: str\n"
        "    password: str\n"  # 9
        "    api_key: Optional[str] = Field(default=None, max_length=64)\n"  # 10
        "    private_key: bytes = Field(sa_column=Column(LargeBinary))\n"  # 11
        "    client_secret: str = Field(sa_column=Column(Vault()))\n"
    )
    assert codes_and_lines(source, "ORM801") == [("ORM801", 9), ("ORM801", 10), ("ORM801", 11)]


def test_orm801_message_advice_depends_on_the_kind():
    findings = lint(
        HEADER
        + "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    password: Mapped[str]\n"
        "    webhook_secret: Mapped[str]\n",
        "ORM801",
    )
    password, secret = (f.message for f in findings)
    assert "`password_hash`" in password and "PasswordType" in password
    assert "StringEncryptedType" in secret and "`webhook_secret_hash`" in secret


def test_orm801_is_opt_in(tmp_path):
    source = HEADER + (
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    password: Mapped[str]\n"
    )
    assert lint_project({"models.py": source}, tmp_path / "default") == []
    enabled = {"models.py": source, "pyproject.toml": '[tool.ormlint]\nextend-select = ["ORM801"]\n'}
    assert lint_project(enabled, tmp_path / "enabled") == [("models.py", 10, "ORM801")]


def test_orm801_is_listed_as_opt_in_and_enabled_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from ormlint.cli import main

    runner = CliRunner()
    listing = runner.invoke(main, ["rules"]).output
    (line,) = [row for row in listing.splitlines() if row.startswith("ORM801")]
    assert "(opt-in)" in line
    model = tmp_path / "models.py"
    model.write_text(HEADER + "class User(Base):\n    __tablename__ = 'u'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    password: Mapped[str]\n")
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    default = runner.invoke(main, ["check", str(tmp_path), "--no-cache"])
    assert default.exit_code == 0 and "ORM801" not in default.output
    extended = runner.invoke(main, ["check", str(tmp_path), "--no-cache", "--extend-select", "ORM801"])
    assert extended.exit_code == 1 and "ORM801" in extended.output
