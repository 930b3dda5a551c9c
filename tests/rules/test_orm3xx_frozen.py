"""ORM302 frozen-default, ORM303 invalid-default-value, ORM304 mutable-default: unit tests with the
tricky negatives (aliases, Flask-SQLAlchemy, SQLModel, mixins, SQL function classes, migrations)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from ormlint.model.extract import extract
from tests.helpers import lint


def marked(source: str, code: str) -> tuple[list[int], list[int]]:
    """(lines reported for `code`, lines marked `# !` in the source)."""
    source = textwrap.dedent(source)
    expected = [n for n, line in enumerate(source.splitlines(), 1) if line.rstrip().endswith("# !")]
    found = [f.line for f in lint(source) if f.code == code]
    return found, expected


def assert_marked(source: str, code: str) -> None:
    found, expected = marked(source, code)
    assert found == expected


def messages(source: str, code: str) -> list[str]:
    return [f.message for f in lint(textwrap.dedent(source)) if f.code == code]


# -- the model facts ORM302 reads ------------------------------------------------------------------


def test_model_records_module_functions_bound_only_by_their_def():
    source = textwrap.dedent(
        """
        import functools
        from datetime import datetime

        def now():
            return datetime.now()

        @functools.cache
        def cached():
            return datetime.now()

        async def later():
            return datetime.now()

        def ids():
            yield 1

        def rebound():
            return 1
        rebound = 2

        if True:
            def twice(): return 1
        else:
            def twice(): return 2
        """
    )
    model = extract(cst.parse_module(source), source, "m.py")
    facts = {
        name: (f.decorated, f.is_async, f.is_generator, len(f.returns))
        for name, f in model.functions.items()
    }
    assert facts == {
        "now": (False, False, False, 1),
        "cached": (True, False, False, 1),
        "later": (False, True, False, 1),
        "ids": (False, False, True, 0),
    }
    assert "rebound" in model.module_values and "datetime" in model.module_bindings


# -- ORM302 ----------------------------------------------------------------------------------------


def test_orm302_producers_through_every_import_spelling():
    assert_marked(
        """
        import datetime
        import datetime as dt
        import secrets, random, time, uuid
        from datetime import date, timedelta, timezone
        from datetime import datetime as DateTime
        from uuid import uuid4

        import sqlalchemy as sa
        from sqlalchemy import Column, DateTime as SADateTime, String
        from sqlalchemy.orm import mapped_column

        class A(Base):
            __tablename__ = "a"
            a = Column(SADateTime, default=DateTime.utcnow())  # !
            b = mapped_column(default=datetime.datetime.now(datetime.timezone.utc))  # !
            c = sa.Column(sa.Date, default=dt.date.today())  # !
            d = Column(sa.Date, default=date.today() + timedelta(days=30))  # !
            e = Column(String, default=uuid.uuid4())  # !
            f = Column(String, default=uuid4().hex)  # !
            g = Column(String, default=str(uuid4()))  # !
            h = Column(String, default=uuid.uuid4().hex[:8])  # !
            i = Column(String, default=f"key-{uuid4()}")  # !
            j = Column(sa.Float, default=time.time())  # !
            k = Column(sa.Integer, default=int(time.time()))  # !
            l = Column(String, default=secrets.token_hex(16))  # !
            m = Column(sa.Integer, default=random.randint(0, 9))  # !
            n = Column(SADateTime, onupdate=DateTime.utcnow())  # !
            o = Column(String, default=DateTime.now().isoformat())  # !
        """,
        "ORM302",
    )


def test_orm302_correct_forms_are_not_reported():
    assert_marked(
        """
        import uuid
        from datetime import datetime, timezone
        from functools import partial

        import sqlalchemy as sa
        from sqlalchemy import Column, DateTime, String, func, text
        from sqlalchemy.orm import mapped_column

        class A(Base):
            __tablename__ = "a"
            a = Column(DateTime, default=datetime.utcnow)
            b = Column(DateTime, default=lambda: datetime.now(timezone.utc))
            c = Column(DateTime, default=func.now())
            d = Column(DateTime, default=sa.func.now(), onupdate=sa.func.now())
            e = Column(DateTime, server_default=text("now()"))
            f = Column(sa.Integer, default=0)
            g = Column(String, default="x")
            h = Column(DateTime, default=datetime(2000, 1, 1))
            i = Column(String, default=uuid.UUID(int=0))
            j = Column(DateTime, default=partial(datetime.now, timezone.utc))
            k = Column(String, default=uuid.uuid4)
            l = mapped_column(default=datetime.min)
        """,
        "ORM302",
    )


def test_orm302_sql_function_class_named_utcnow_is_correct():
    assert_marked(
        """
        from sqlalchemy import Column, DateTime
        from sqlalchemy.ext.compiler import compiles
        from sqlalchemy.sql import expression

        class utcnow(expression.FunctionElement):
            type = DateTime()
            inherit_cache = True

        @compiles(utcnow, "postgresql")
        def pg_utcnow(element, compiler, **kw):
            return "TIMEZONE('utc', CURRENT_TIMESTAMP)"

        class A(Base):
            __tablename__ = "a"
            created = Column(DateTime, default=utcnow(), onupdate=utcnow())
        """,
        "ORM302",
    )


def test_orm302_names_ormlint_cannot_resolve_are_not_reported():
    assert_marked(
        """
        from sqlalchemy import Column, DateTime, String
        from app.sql import utcnow
        from app.ids import new_id

        class A(Base):
            __tablename__ = "a"
            a = Column(DateTime, default=utcnow())
            b = Column(String, default=new_id())
            c = Column(DateTime, default=datetime.now())  # `datetime` is not imported
            d = Column(DateTime, default=make_default(datetime.now()))
        """,
        "ORM302",
    )


def test_orm302_module_helpers_one_level():
    assert_marked(
        """
        import functools
        import uuid
        from datetime import datetime, timezone

        from sqlalchemy import Column, DateTime, String

        def utcnow():
            return datetime.now(timezone.utc)

        def new_id() -> str:
            \"\"\"A fresh identifier.\"\"\"
            return str(uuid.uuid4())

        def maybe_id(flag):
            if flag:
                return uuid.uuid4().hex
            return None

        def factory():
            return lambda: datetime.now(timezone.utc)

        def bare():
            return datetime.utcnow

        def indirect():
            return utcnow()

        @functools.lru_cache
        def decorated():
            return datetime.now()

        def gen():
            yield datetime.now()

        class A(Base):
            __tablename__ = "a"
            a = Column(DateTime, default=utcnow())  # !
            b = Column(String, primary_key=True, default=new_id())  # !
            c = Column(DateTime, default=utcnow, onupdate=utcnow)
            d = Column(String, default=maybe_id(True))
            e = Column(DateTime, default=factory())
            f = Column(DateTime, default=bare())
            g = Column(DateTime, default=indirect())
            h = Column(DateTime, default=decorated())
            i = Column(DateTime, default=gen())
        """,
        "ORM302",
    )


def test_orm302_flask_sqlalchemy_mixins_declared_attr_and_tables():
    assert_marked(
        """
        from datetime import datetime

        from app import db
        from sqlalchemy import Column, DateTime, MetaData, Table
        from sqlalchemy.orm import Mapped, declared_attr, mapped_column

        class TimestampMixin:
            created = Column(DateTime, default=datetime.utcnow())  # !

            @declared_attr
            def updated(cls) -> Mapped[datetime]:
                return mapped_column(onupdate=datetime.utcnow())  # !

        class Post(TimestampMixin, db.Model):
            id = db.Column(db.Integer, primary_key=True)
            posted = db.Column(db.DateTime, default=datetime.utcnow())  # !

        log = Table("log", MetaData(), Column("at", DateTime, default=datetime.now()))  # !

        def created_column():
            return Column(DateTime, default=datetime.utcnow())  # !
        """,
        "ORM302",
    )


def test_orm302_alembic_migrations_are_not_reported():
    assert_marked(
        """
        from datetime import datetime

        import sqlalchemy as sa
        from alembic import op

        def upgrade():
            op.add_column("post", sa.Column("at", sa.DateTime, default=datetime.utcnow()))
        """,
        "ORM302",
    )


def test_orm302_sqlmodel_field_suggests_default_factory():
    source = """
        from datetime import datetime
        from sqlmodel import Field, SQLModel

        class Hero(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            created: datetime = Field(default=datetime.utcnow())  # !
            updated: datetime = Field(sa_column_kwargs={"onupdate": datetime.utcnow()})  # !
            ok: datetime = Field(default_factory=datetime.utcnow)
    """
    assert_marked(source, "ORM302")
    first, second = messages(source, "ORM302")
    assert "`default_factory=datetime.utcnow`" in first
    assert "`onupdate=datetime.utcnow`" in second and "every UPDATE" in second


def test_orm302_messages_say_what_to_write():
    source = """
        import uuid
        from datetime import datetime, timezone
        from sqlalchemy import Column, DateTime, String

        class A(Base):
            id = Column(String, primary_key=True, default=str(uuid.uuid4()))
            at = Column(DateTime, default=datetime.now(timezone.utc))
            plain = Column(DateTime, default=datetime.utcnow())
    """
    pk, tz, plain = messages(source, "ORM302")
    assert "`default=str(uuid.uuid4())` is evaluated once" in pk
    assert "second insert fails" in pk and "`default=lambda: str(uuid.uuid4())`" in pk
    assert "`default=lambda: datetime.now(timezone.utc)`" in tz
    assert plain.endswith("`default=datetime.utcnow`")


def test_orm302_columns_built_when_a_function_runs():
    # Model and table factories, methods, nested functions and the declared_attr functions
    # of a class defined in a function: the value is taken when that code runs.
    assert_marked(
        """
        from datetime import datetime, timezone
        import uuid

        from sqlalchemy import Column, DateTime, Integer, String, Table
        from sqlalchemy.orm import declared_attr, mapped_column

        def audit_model(name):
            class Audit(Base):
                __tablename__ = name
                id = Column(Integer, primary_key=True)
                at = Column(DateTime, default=datetime.now(timezone.utc))  # !

                @declared_attr
                def key(cls):
                    return Column(String, default=uuid.uuid4().hex)  # !

                def touch(self):
                    return Column(DateTime, onupdate=datetime.utcnow())  # !
            return Audit

        class Tenant:
            def events(self, metadata):
                if metadata is not None:
                    return Table("e", metadata, Column("at", DateTime, default=datetime.now()))  # !

            @staticmethod
            def column():
                return mapped_column(default=datetime.now(timezone.utc))  # !

        def outer():
            def inner():
                return Column(DateTime, default=datetime.utcnow())  # !
            return inner

        def correct():
            return Column(DateTime, default=lambda: datetime.now(timezone.utc))
        """,
        "ORM302",
    )


def test_orm302_a_name_the_function_binds_is_not_the_import():
    assert_marked(
        """
        import uuid
        from datetime import datetime

        from sqlalchemy import Column, DateTime, String

        def from_clock(datetime):
            return Column(DateTime, default=datetime.now())

        def outer(uuid):
            def inner():
                return Column(String, default=uuid.uuid4().hex)
            return inner

        def rebinding():
            datetime = FakeClock()
            return Column(DateTime, default=datetime.now())

        def real():
            return Column(DateTime, default=datetime.now())  # !
        """,
        "ORM302",
    )


def test_orm302_message_says_when_the_value_is_taken():
    source = """
        from datetime import datetime, timezone
        from sqlalchemy import Column, DateTime, String

        class Tenant:
            def table_columns(self):
                return [
                    Column("at", DateTime, default=datetime.now(timezone.utc)),
                    Column("key", String, unique=True, default=str(datetime.now())),
                ]

        class A(Base):
            at = Column(DateTime, default=datetime.utcnow())
    """
    at, key, module = messages(source, "ORM302")
    assert at.startswith(
        "`default=datetime.now(timezone.utc)` is evaluated once per call of "
        "`Tenant.table_columns()`, when it builds the column: every row of that column gets "
        "that same value;"
    )
    assert "second insert fails" in key
    assert "is evaluated once, when the module is imported: every row gets" in module


def test_orm302_functions_of_alembic_revisions_are_not_reported():
    assert_marked(
        """
        from datetime import datetime

        import sqlalchemy as sa
        from alembic import op

        def upgrade():
            def stamped(name):
                return sa.Column(name, sa.DateTime, default=datetime.utcnow())
            op.add_column("post", stamped("at"))
        """,
        "ORM302",
    )


# -- ORM303 ----------------------------------------------------------------------------------------


def test_orm303_non_string_server_defaults():
    assert_marked(
        """
        import sqlalchemy as sa
        from sqlalchemy import Boolean, Column, FetchedValue, Integer, text
        from sqlalchemy.orm import mapped_column

        DEFAULT = "0"

        class A(Base):
            __tablename__ = "a"
            a = Column(Integer, server_default=0)  # !
            b = Column(Integer, server_default=-1)  # !
            c = Column(sa.Float, server_default=1.5)  # !
            d = Column(Boolean, server_default=True)  # !
            e = mapped_column(server_default=False)  # !
            f = Column(sa.JSON, server_default=[])  # !
            g = Column(sa.JSON, server_default={})  # !
            ok1 = Column(Integer, server_default="0")
            ok2 = Column(Integer, server_default=None)
            ok3 = Column(Integer, server_default=text("0"))
            ok4 = Column(Boolean, server_default=sa.false())
            ok5 = Column(Integer, server_default=DEFAULT)
            ok6 = Column(Integer, server_default=str(0))
            ok7 = Column(Integer, server_default=FetchedValue())
            ok8 = Column(Integer, default=0, onupdate=False)
        """,
        "ORM303",
    )


def test_orm303_uncalled_sql_functions_any_spelling():
    assert_marked(
        """
        import sqlalchemy as sa
        from app import db
        from sqlalchemy import Column, DateTime, func
        from sqlalchemy.sql import functions
        from app.sql import func as app_func

        class A(db.Model):
            a = Column(DateTime, server_default=func.now)  # !
            b = Column(DateTime, default=sa.func.now)  # !
            c = db.Column(db.DateTime, onupdate=db.func.current_timestamp)  # !
            d = Column(DateTime, server_onupdate=func.now)  # !
            ok1 = Column(DateTime, server_default=func.now(), default=sa.func.now())
            ok2 = Column(DateTime, default=app_func.now)
            ok3 = Column(DateTime, default=functions.now)
        """,
        "ORM303",
    )


def test_orm303_sqlmodel_and_migrations():
    assert_marked(
        """
        import sqlalchemy as sa
        from alembic import op
        from sqlmodel import Field, SQLModel

        class Hero(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            power: int = Field(sa_column_kwargs={"server_default": 0})  # !
            level: int = Field(default=0)

        def upgrade():
            op.add_column("hero", sa.Column("rank", sa.Integer(), server_default=0))  # !
        """,
        "ORM303",
    )


def test_orm303_messages():
    source = """
        import sqlalchemy as sa
        from sqlalchemy import Column, func

        class A(Base):
            a = Column(sa.Integer, server_default=0)
            b = Column(sa.Boolean, server_default=False)
            c = Column(sa.DateTime, default=func.now)
    """
    zero, false, now = messages(source, "ORM303")
    assert "Python int" in zero and "ArgumentError" in zero and '`server_default="0"`' in zero
    assert "`server_default=sa.false()`" in false
    assert "every INSERT fails" in now and "`default=func.now()`" in now


# -- ORM304 ----------------------------------------------------------------------------------------


def test_orm304_mutable_defaults_on_known_types():
    assert_marked(
        """
        import collections

        import sqlalchemy as sa
        from app import db
        from sqlalchemy import JSON, Column, PickleType, TypeDecorator
        from sqlalchemy.dialects.postgresql import ARRAY, JSONB
        from sqlalchemy.orm import Mapped, mapped_column

        class JSONEncoded(TypeDecorator):
            impl = sa.Text

        PortableJSON = JSON().with_variant(JSONB(), "postgresql")

        class A(db.Model):
            a = Column(JSON, default=[])  # !
            b = Column(JSONB, default={})  # !
            c = sa.Column(sa.JSON, default=dict())  # !
            d = Column(ARRAY(sa.String), default=list())  # !
            e = db.Column(db.JSON, default={"theme": "light"})  # !
            f = Column(PickleType, default=set())  # !
            g = Column(JSON, onupdate=[])  # !
            h = Column(JSONEncoded, default={})  # !
            i = Column(PortableJSON, default=[])  # !
            j: Mapped[dict] = mapped_column(JSONB(astext_type=sa.Text()), default={})  # !
            k = Column(JSON, default=collections.defaultdict(list))  # !
            l = Column(sa.JSON().with_variant(JSONB, "postgresql"), default=[])  # !
        """,
        "ORM304",
    )


def test_orm304_factories_immutables_and_copying_types_are_fine():
    assert_marked(
        """
        import sqlalchemy as sa
        from sqlalchemy import JSON, Column
        from sqlalchemy.dialects.postgresql import ARRAY, JSONB
        from sqlalchemy.ext.mutable import MutableDict, MutableList
        from sqlalchemy.orm import Mapped, mapped_column
        from sqlalchemy_utils import JSONType
        from sqlmodel import Field, SQLModel

        from app.types import JSONDict as ImportedJSONDict

        JSONDict = MutableDict.as_mutable(JSONB)

        class A(Base):
            a = Column(JSON, default=list)
            b = Column(JSON, default=dict)
            c = Column(JSON, default=())
            d = Column(sa.String, default="")
            e = Column(MutableDict.as_mutable(JSON), default={})
            f = Column(MutableList.as_mutable(ARRAY(sa.String)), default=[])
            g = Column(JSONDict, default={})
            h = Column(ImportedJSONDict, default={})
            i = Column(JSONType, default={})
            j: Mapped[dict] = mapped_column(default={})

        class Hero(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            tags: list = Field(default=[], sa_type=JSON)
        """,
        "ORM304",
    )


def test_orm304_shadowed_builtins_and_migrations():
    assert_marked(
        """
        import sqlalchemy as sa
        from alembic import op

        def dict():
            return {}

        def upgrade():
            op.add_column("t", sa.Column("x", sa.JSON, default=[]))
            op.add_column("t", sa.Column("y", sa.JSON, default=dict()))
        """,
        "ORM304",
    )


@pytest.mark.parametrize(
    ("default", "fix"),
    [("[]", "`default=list`"), ("{}", "`default=dict`"), ("set()", "`default=set`"),
     ("[1, 2]", "`default=lambda: [1, 2]`")],
)
def test_orm304_message_suggests_a_factory(default, fix):
    (message,) = messages(
        f"from sqlalchemy import Column, JSON\nclass A(Base):\n    x = Column(JSON, default={default})\n",
        "ORM304",
    )
    assert f"`default={default}` is one" in message and message.endswith(fix)


def test_orm302_string_methods_building_from_a_frozen_value():
    assert_marked(
        """
        import random
        import string
        import uuid

        from sqlalchemy import Column, String

        class Voucher(Base):
            __tablename__ = "voucher"
            code = Column(String, default="".join(random.choices(string.ascii_uppercase, k=6)))  # !
            ref = Column(String, default="ref-{}".format(uuid.uuid4().hex))  # !
            label = Column(String, default="-".join(["a", "b"]))
            other = Column(String, default="x".join(make_parts()))
        """,
        "ORM302",
    )


def test_orm303_uncalled_func_in_a_migration_is_only_reported_for_server_default():
    assert_marked(
        """
        import sqlalchemy as sa
        from alembic import op

        def upgrade():
            op.create_table(
                "t",
                sa.Column("a", sa.DateTime, default=sa.func.now),
                sa.Column("b", sa.DateTime, server_default=sa.func.now),  # !
            )
        """,
        "ORM303",
    )
