"""ORM503, ORM602, ORM603 across files, with the shapes that must stay silent."""

from tests.helpers import lint_project

BASE = """
from sqlalchemy.orm import DeclarativeBase, declarative_base
class Base(DeclarativeBase):
    pass
class OtherBase(DeclarativeBase):
    pass
LegacyBase = declarative_base()
"""


def model(name: str, base: str, table: str, body: str = "", imports: str = "") -> str:
    return (
        "from sqlalchemy import ForeignKey, Integer, BigInteger, String, Uuid, Column\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        f"from app.base import {base}\n{imports}"
        f"class {name}({base}):\n"
        f"    __tablename__ = '{table}'\n"
        "    id = Column(Integer, primary_key=True)\n"
        f"{body}"
    )


def test_duplicate_tablename_across_files_same_base(tmp_path):
    files = {
        "app/__init__.py": "", "app/base.py": BASE,
        "app/a.py": model("A", "Base", "things"),
        "app/b.py": model("B", "Base", "things"),
        "app/c.py": model("C", "OtherBase", "things"),  # another MetaData: fine
        "app/d.py": model("D", "LegacyBase", "things"),
        "app/e.py": model("E", "LegacyBase", "things"),
    }
    assert lint_project(files, tmp_path) == [("app/b.py", 5, "ORM503"), ("app/e.py", 5, "ORM503")]


def test_duplicate_tablename_silent_cases(tmp_path):
    files = {
        "app/__init__.py": "", "app/base.py": BASE,
        "app/a.py": model("A", "Base", "things"),
        "app/b.py": model("B", "Base", "things").replace(
            "    id = Column", "    __table_args__ = {'extend_existing': True}\n    id = Column"),
        "app/c.py": model("C", "ExternalBase", "things", imports="").replace(
            "from app.base import ExternalBase", "from somewhere import ExternalBase"),
    }
    assert lint_project(files, tmp_path) == []


def test_flask_models_share_one_metadata(tmp_path):
    files = {
        "m.py": """
            from app import db
            class A(db.Model):
                __tablename__ = "t"
                id = db.Column(db.Integer, primary_key=True)
            class B(db.Model):
                __tablename__ = "t"
                id = db.Column(db.Integer, primary_key=True)
        """
    }
    assert lint_project(files, tmp_path) == [("m.py", 7, "ORM503")]


SQLMODEL_ACCOUNT = """
from typing import Optional
from sqlmodel import Field, SQLModel
class Account(SQLModel, table=True):
    __tablename__ = "account"
    id: Optional[int] = Field(default=None, primary_key=True)
"""


def test_library_metadata_is_shared_within_one_application(tmp_path):
    # SQLModel's global metadata (and each Flask app's db.Model) is one per process: two
    # applications of one repository, each its own top-level package, may reuse a table name.
    files = {
        "billing/billing/__init__.py": "", "billing/billing/models.py": SQLMODEL_ACCOUNT,
        "inventory/inventory/__init__.py": "", "inventory/inventory/models.py": SQLMODEL_ACCOUNT,
        "inventory/inventory/legacy/__init__.py": "",
        "inventory/inventory/legacy/models.py": SQLMODEL_ACCOUNT,
    }
    found = lint_project(files, tmp_path)
    assert found == [("inventory/inventory/legacy/models.py", 5, "ORM503")]


def test_foreign_key_targets_across_files(tmp_path):
    files = {
        "app/__init__.py": "", "app/base.py": BASE,
        "app/parent.py": model("Parent", "Base", "parent", "    code = Column(String(10))\n"),
        "app/child.py": model("Child", "Base", "child", (
            "    a = Column(ForeignKey('parent.id'))\n"
            "    b = Column(ForeignKey('parnt.id'))\n"
            "    c = Column(ForeignKey('parent.nope'))\n"
            "    d = Column(ForeignKey('audit.id'))\n"
            "    e = Column(ForeignKey('other_schema.table.id'))\n"
            "    f = Column(ForeignKey('mixed.created_by'))\n"
        )),
        "app/mixed.py": (
            "from sqlalchemy import Column, Integer\n"
            "from app.base import Base\n"
            "from app.mixins import Audit\n"
            "class Mixed(Audit, Base):\n"
            "    __tablename__ = 'mixed'\n"
            "    id = Column(Integer, primary_key=True)\n"
        ),
        "app/mixins.py": "from sqlalchemy import Column, Integer\nclass Audit:\n    created_by = Column(Integer)\n",
        "pyproject.toml": '[tool.ormlint]\nexternal-tables = ["audit"]\n',
    }
    found = [f for f in lint_project(files, tmp_path) if f[2] != "ORM606"]  # (tests/rules/test_orm606.py)
    assert found == [("app/child.py", 8, "ORM602"), ("app/child.py", 9, "ORM602")]


def test_foreign_key_target_not_judged_on_partial_runs(tmp_path):
    files = {"m.py": model("Child", "Base", "child", "    b = Column(ForeignKey('parnt.id'))\n")}
    assert lint_project(files, tmp_path, whole_project=False) == []


def test_foreign_key_type_mismatch(tmp_path):
    files = {
        "app/__init__.py": "", "app/base.py": BASE,
        "app/parent.py": (
            "import uuid\n"
            "from sqlalchemy import BigInteger, String, Uuid\n"
            "from sqlalchemy.orm import Mapped, mapped_column\n"
            "from app.base import Base\n"
            "class Parent(Base):\n"
            "    __tablename__ = 'parent'\n"
            "    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)\n"
            "    uid: Mapped[uuid.UUID] = mapped_column(unique=True)\n"
            "    code: Mapped[str] = mapped_column(String(10), unique=True)\n"
            "    n: Mapped[int] = mapped_column(unique=True)\n"
        ),
        "app/child.py": (
            "import uuid\n"
            "from sqlalchemy import ForeignKey, Integer, BigInteger, String, Uuid\n"
            "from sqlalchemy.orm import Mapped, mapped_column\n"
            "from app.base import Base\n"
            "class Child(Base):\n"
            "    __tablename__ = 'child'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
            "    a: Mapped[int] = mapped_column(Integer, ForeignKey('parent.id'))\n"
            "    b: Mapped[int] = mapped_column(BigInteger, ForeignKey('parent.id'))\n"
            "    c: Mapped[str] = mapped_column(String(36), ForeignKey('parent.uid'))\n"
            "    d: Mapped[uuid.UUID] = mapped_column(ForeignKey('parent.uid'))\n"
            "    e: Mapped[str] = mapped_column(ForeignKey('parent.code'))\n"
            "    f: Mapped[int] = mapped_column(ForeignKey('parent.id'))\n"
            "    g = mapped_column(ForeignKey('parent.code'))\n"
            "    h: Mapped[int] = mapped_column(BigInteger, ForeignKey('parent.n'))\n"
        ),
    }
    # a: Integer -> BigInteger (explicit both); c: String -> Uuid. f and h involve a type from
    # an annotation (int may be mapped to BigInteger by the project): same family, not judged.
    assert lint_project(files, tmp_path) == [("app/child.py", 8, "ORM603"), ("app/child.py", 10, "ORM603")]


def test_a_typeless_foreign_key_column_takes_its_targets_type_whatever_the_annotation(tmp_path):
    # mapped_column(ForeignKey(...)) without a type copies the referenced column's type; the
    # annotation only types Python (SQLAlchemy's properties.py resolves it for typeless columns
    # without foreign keys only): `doc_id` is UUID in the DDL, not VARCHAR.
    files = {
        "m.py": """
            import uuid
            from sqlalchemy import ForeignKey, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
            class Base(DeclarativeBase):
                pass
            class Doc(Base):
                __tablename__ = "doc"
                id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
            class Tag(Base):
                __tablename__ = "tag"
                id: Mapped[int] = mapped_column(primary_key=True)
                doc_id: Mapped[str] = mapped_column(ForeignKey("doc.id"))
                other_id: Mapped[str] = mapped_column(String(36), ForeignKey("doc.id"))
        """
    }
    assert lint_project(files, tmp_path) == [("m.py", 14, "ORM603")]


def test_computed_table_names_silence_missing_tables(tmp_path):
    files = {
        "m.py": """
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import DeclarativeBase, declared_attr
            class Base(DeclarativeBase):
                @declared_attr.directive
                def __tablename__(cls):
                    return cls.__name__.lower()
            class Station(Base):
                id = Column(Integer, primary_key=True)
            class Visit(Base):
                id = Column(Integer, primary_key=True)
                station_id = Column(ForeignKey("station.id"))
        """
    }
    assert lint_project(files, tmp_path) == []


def test_columns_from_bare_annotations_and_the_declarative_base(tmp_path):
    files = {
        "m.py": """
            from typing import Annotated
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, declarative_base
            intpk = Annotated[int, mapped_column(primary_key=True)]
            class Base(DeclarativeBase):
                id: Mapped[int] = mapped_column(primary_key=True)
            class Company(Base):
                __tablename__ = "company"
                name: Mapped[str]
            class Team(Base):
                __tablename__ = "team"
                code: Mapped[intpk]
                company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
                company_name: Mapped[str] = mapped_column(ForeignKey("company.name"))
            class Player(Base):
                __tablename__ = "player"
                team_code: Mapped[int] = mapped_column(ForeignKey("team.code"))
        """,
        "legacy.py": """
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base
            class Common:
                uid = Column(Integer, primary_key=True)
            Legacy = declarative_base(cls=Common)
            class Old(Legacy):
                __tablename__ = "old"
            class Older(Legacy):
                __tablename__ = "older"
                old_uid = Column(ForeignKey("old.uid"))
        """,
    }
    # (ORM606 judges whether those keys are unique: tests/rules/test_orm606.py)
    assert [f for f in lint_project(files, tmp_path) if f[2] != "ORM606"] == []


SCHEMAS = """
    from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Uuid
    from sqlalchemy.orm import DeclarativeBase
    class Base(DeclarativeBase):
        pass
    class InUsersSchema:
        __table_args__ = {"schema": "users"}
    class Identity(Base):
        __tablename__ = "identities"
        __table_args__ = {"schema": "users"}
        id = Column(Integer, primary_key=True)
    class Profile(InUsersSchema, Base):
        __tablename__ = "profiles"
        id = Column(Integer, primary_key=True)
    class AuthUser(Base):
        __tablename__ = "users"
        __table_args__ = (Index("ix_auth_email", "email"), {"schema": "auth"})
        id = Column(Uuid, primary_key=True)
        email = Column(String(200))
    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
    events = Table("events", Base.metadata, Column("id", Integer, primary_key=True), schema="audit")
"""


def test_foreign_keys_to_schema_qualified_tables(tmp_path):
    files = {"m.py": SCHEMAS + """
    class Ref(Base):
        __tablename__ = "ref"
        id = Column(Integer, primary_key=True)
        a = Column(ForeignKey("users.identities.id"))
        b = Column(ForeignKey("users.identities.nope"))
        c = Column(ForeignKey("users.identitys.id"))
        d = Column(ForeignKey("users.profiles.id"))
        e = Column(ForeignKey("audit.events.id"))
        f = Column(ForeignKey("audit.events.nope"))
        g = Column(ForeignKey("billing.invoices.id"))
        h = Column(ForeignKey("users.email"))
        i = Column(ForeignKey("auth.users.email"))
        j = Column(ForeignKey("auth.users.nope"))
    """}
    # b, f, j: no such column in that schema's table; c: no such table in a schema the project
    # declares; g: a schema the project does not declare (Supabase's "auth", say) is not judged;
    # h: `users` of the default schema has no email (auth.users has: another table).
    assert lint_project(files, tmp_path) == [
        ("m.py", 29, "ORM602"), ("m.py", 30, "ORM602"), ("m.py", 33, "ORM602"),
        ("m.py", 35, "ORM602"), ("m.py", 37, "ORM602"),
    ]


def test_foreign_key_types_are_compared_within_the_target_schema(tmp_path):
    files = {"m.py": SCHEMAS + """
    class Ref(Base):
        __tablename__ = "ref"
        id = Column(Integer, primary_key=True)
        a = Column(Integer, ForeignKey("users.id"))
        b = Column(Uuid, ForeignKey("auth.users.id"))
        c = Column(Integer, ForeignKey("auth.users.id"))
        d = Column(Uuid, ForeignKey("users.id"))
    """}
    # a and b match their own schema's `users`; c and d do not.
    assert lint_project(files, tmp_path) == [("m.py", 30, "ORM603"), ("m.py", 31, "ORM603")]


def test_a_foreign_key_without_schema_to_a_table_only_in_other_schemas(tmp_path):
    files = {"m.py": SCHEMAS + """
    class Ref(Base):
        __tablename__ = "ref"
        id = Column(Integer, primary_key=True)
        a = Column(ForeignKey("identities.nope"))
        b = Column(Uuid, ForeignKey("profiles.id"))
        c = Column(Integer, ForeignKey("profiles.id"))
    """}
    # No table of the default schema has the name: it resolves only when the MetaData's own
    # `schema=` is theirs, and then to one of them, so a column none of them has is missing
    # in every reading, as is a type none of them has.
    assert lint_project(files, tmp_path) == [("m.py", 28, "ORM602"), ("m.py", 29, "ORM603")]


def test_a_foreign_key_to_a_column_of_a_single_table_subclass(tmp_path):
    files = {"m.py": """
        from sqlalchemy import Column, ForeignKey, Integer, String
        from sqlalchemy.orm import DeclarativeBase
        class Base(DeclarativeBase):
            pass
        class Employee(Base):
            __tablename__ = "employee"
            id = Column(Integer, primary_key=True)
            kind = Column(String(20))
            __mapper_args__ = {"polymorphic_on": kind}
        class Engineer(Employee):
            badge = Column(String(20), unique=True)
        class Badge(Base):
            __tablename__ = "badge"
            id = Column(Integer, primary_key=True)
            code = Column(String(20), ForeignKey("employee.badge"))
            other = Column(Integer, ForeignKey("employee.nope"))
    """}
    # Engineer's columns are in the employee table (it has no polymorphic_identity: ORM506)
    found = [f for f in lint_project(files, tmp_path) if f[2] != "ORM506"]
    assert found == [("m.py", 17, "ORM602")]


def test_duplicate_tablename_is_per_schema(tmp_path):
    files = {"m.py": """
        from sqlalchemy import Column, Integer
        from sqlalchemy.orm import DeclarativeBase
        class Base(DeclarativeBase):
            pass
        class InArchive:
            __table_args__ = {"schema": "archive"}
        class Thing(Base):
            __tablename__ = "things"
            id = Column(Integer, primary_key=True)
        class ArchivedThing(InArchive, Base):
            __tablename__ = "things"
            id = Column(Integer, primary_key=True)
        class OldThing(Base):
            __tablename__ = "things"
            __table_args__ = {"schema": "archive"}
            id = Column(Integer, primary_key=True)
    """}
    # `archive.things` twice (SQLAlchemy: "Table 'archive.things' is already defined"); the
    # default schema's `things` is another table.
    assert lint_project(files, tmp_path) == [("m.py", 15, "ORM503")]


def test_external_tables_of_a_schema(tmp_path):
    files = {
        "m.py": SCHEMAS + """
    class Ref(Base):
        __tablename__ = "ref"
        id = Column(Integer, primary_key=True)
        a = Column(ForeignKey("users.accounts.id"))
        b = Column(ForeignKey("users.others.id"))
    """,
        "pyproject.toml": '[tool.ormlint]\nexternal-tables = ["users.accounts", "others"]\n',
    }
    # "others" names the default schema's table, not users.others
    assert lint_project(files, tmp_path) == [("m.py", 29, "ORM602")]
