from tests.helpers import codes_and_lines, lint

HEADER = (
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column, Integer, JSON, MetaData, String\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, registry\n"
)  # a body's first line is line 4


def check(body: str, select: str = "ORM204"):
    return codes_and_lines(HEADER + body, select)


# -- ORM204 ------------------------------------------------------------------------------------------


def test_orm204_every_way_to_map_a_reserved_name():
    assert check(
        "class Doc(Base):\n"
        "    __tablename__ = 'doc'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    metadata: Mapped[dict] = mapped_column(JSON)\n"
        "    registry = Column(String)\n"
        "class Other(Base):\n"
        "    __tablename__ = 'other'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    metadata = relationship('Doc')\n"
        "class Bare(Base):\n"
        "    __tablename__ = 'bare'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    metadata: Mapped[str]\n"
    ) == [("ORM204", 7), ("ORM204", 8), ("ORM204", 12), ("ORM204", 16)]


def test_orm204_a_bare_annotation_in_a_one_line_body():
    # Read from the model like the others (a rule-side walk of the body's lines missed it).
    assert check("class Bare(Base): metadata: Mapped[str]\n") == [("ORM204", 4)]


def test_orm204_configuring_the_base_and_renamed_attributes_are_fine():
    assert check(
        "class Base(DeclarativeBase):\n"
        "    metadata = MetaData(schema='app')\n"
        "    registry = registry()\n"
        "class Doc(Base):\n"
        "    __tablename__ = 'doc'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    metadata_: Mapped[dict] = mapped_column('metadata', JSON)\n"
        "    meta = Column('registry', String)\n"
        "    def metadata_dict(self):\n"
        "        metadata = {}\n"
        "        return metadata\n"
        "class Plain:\n"
        "    metadata = {'a': 1}\n"
    ) == []


def test_orm204_flask_mixins_declared_attr_and_aliases():
    assert codes_and_lines(
        "import sqlalchemy.orm as so\n"
        "from app import db\n"
        "class Meta(db.Model):\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
        "    metadata = db.Column(db.JSON)\n"
        "class RegistryMixin:\n"
        "    registry: so.Mapped[str] = so.mapped_column()\n"
        "    @so.declared_attr\n"
        "    def metadata(cls) -> so.Mapped[dict]:\n"
        "        return so.mapped_column(sa.JSON)\n",
        "ORM204",
    ) == [("ORM204", 5), ("ORM204", 7), ("ORM204", 10)]


def test_orm204_sqlmodel_only_table_models():
    assert codes_and_lines(
        "from sqlmodel import Field, SQLModel\n"
        "from sqlalchemy import Column, JSON\n"
        "class DocBase(SQLModel):\n"
        "    metadata: dict = Field(default_factory=dict, sa_column=Column(JSON))\n"
        "class Doc(SQLModel, table=True):\n"
        "    id: int = Field(primary_key=True)\n"
        "    metadata: dict = Field(sa_column=Column(JSON))\n",
        "ORM204",
    ) == [("ORM204", 7)]


def test_orm204_message_keeps_the_column_name():
    column, relationship_, named = lint(
        HEADER + "class Doc(Base):\n"
        "    __tablename__ = 'doc'\n"
        "    metadata: Mapped[dict] = mapped_column(JSON)\n"
        "    registry = relationship('X')\n"
        "class Old(Base):\n"
        "    __tablename__ = 'old'\n"
        "    metadata = Column('meta', JSON)\n",
        "ORM204",
    )
    assert 'mapped_column("metadata", ...)' in column.message and "metadata_" in column.message
    assert "rename the relationship" in relationship_.message
    assert "rename the attribute" in named.message


# -- ORM206 ------------------------------------------------------------------------------------------

TC_HEADER = (
    "from __future__ import annotations\n"
    "from typing import TYPE_CHECKING, Literal, Optional\n"
    "import sqlalchemy as sa\n"
    "from sqlalchemy.orm import Mapped, mapped_column, relationship, declared_attr\n"
    "if TYPE_CHECKING:\n"
    "    from app.enums import Status\n"
    "    from app import enums\n"
    "    from app.models import Address\n"
)  # a body's first line is line 9


def check206(body: str, header: str = TC_HEADER):
    return codes_and_lines(header + body, "ORM206")


def test_orm206_column_annotations():
    assert check206(
        "class User(Base):\n"
        "    __tablename__ = 'user'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    a: Mapped[Status] = mapped_column(sa.String(10))\n"
        "    b: Mapped[Optional[Status]] = mapped_column()\n"
        "    c: Mapped['enums.Status'] = mapped_column()\n"
        "    d: Mapped[Status]\n"
        "    e: Mapped[list[Optional['Status']]] = mapped_column(sa.JSON)\n"
    ) == [("ORM206", n) for n in (12, 13, 14, 15, 16)]


def test_orm206_a_class_mapped_imperatively_is_not_read_for_annotations():
    body = (
        "reg = sa.orm.registry()\n"
        "users = sa.Table('users', reg.metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
        "class User:\n"
        "    id: Mapped[int]\n"
        "    status: Mapped[Status]\n"  # 13
        "{mapping}\n"
    )
    assert check206(body.format(mapping="reg.map_imperatively(User, users)")) == []
    assert check206(body.format(mapping="sa.orm.mapper(User, users)")) == []
    assert check206(body.format(mapping="print(User)")) == [("ORM206", 13)]  # a mixin, maybe


def test_orm206_relationships_literals_columns_and_runtime_imports_are_fine():
    assert check206(
        "from app.enums import Kind\n"
        "class User(Base):\n"
        "    __tablename__ = 'user'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    addresses: Mapped[list[Address]] = relationship()\n"
        "    main: Mapped[Optional['Address']] = relationship()\n"
        "    kind: Mapped[Kind] = mapped_column()\n"
        "    mode: Mapped[Literal['Status']] = mapped_column(sa.String)\n"
        "    legacy: Mapped[Status] = sa.Column(sa.Integer)\n"
        "    def method(self, s: Status) -> Status:\n"
        "        return s\n"
    ) == []


def test_orm206_name_imported_again_at_run_time_is_fine():
    assert check206(
        "from app.enums import Status\n"
        "class User(Base):\n"
        "    status: Mapped[Status] = mapped_column()\n"
    ) == []


def test_orm206_class_defined_in_the_module_is_fine():
    assert check206(
        "class Status(str):\n"
        "    pass\n"
        "class User(Base):\n"
        "    status: Mapped[Status] = mapped_column()\n"
    ) == []


def test_orm206_without_future_import_quoted_and_in_mixins_and_declared_attr():
    header = TC_HEADER.replace("from __future__ import annotations\n", "")
    assert check206(
        "class StatusMixin:\n"
        "    status: Mapped['Status'] = mapped_column(sa.String(5))\n"
        "    @declared_attr\n"
        "    def previous(cls) -> Mapped['Status']:\n"
        "        return mapped_column(sa.String(5))\n",
        header,
    ) == [("ORM206", 9), ("ORM206", 11)]


def test_orm206_mapped_itself_under_type_checking_breaks_every_attribute():
    assert codes_and_lines(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import sqlalchemy as sa\n"
        "from sqlalchemy.orm import mapped_column, relationship\n"
        "if TYPE_CHECKING:\n"
        "    from sqlalchemy.orm import Mapped\n"
        "class User(Base):\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    name: Mapped[str] = sa.Column(sa.String)\n"
        "    addresses: Mapped[list[Address]] = relationship()\n",
        "ORM206",
    ) == [("ORM206", 8), ("ORM206", 9), ("ORM206", 10)]


def test_orm206_sqlmodel_and_flask():
    assert codes_and_lines(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "from app import db\n"
        "from sqlalchemy.orm import Mapped\n"
        "if TYPE_CHECKING:\n"
        "    from app.enums import Status\n"
        "class User(db.Model):\n"
        "    id: Mapped[int] = db.mapped_column(primary_key=True)\n"
        "    status: Mapped[Status] = db.mapped_column(db.String(5))\n",
        "ORM206",
    ) == [("ORM206", 9)]


def test_orm206_message_names_the_import():
    (finding,) = lint(
        TC_HEADER + "class User(Base):\n"
        "    status: Mapped[Optional[Status]] = mapped_column()\n",
        "ORM206",
    )
    assert "`Status`" in finding.message and "if TYPE_CHECKING:" in finding.message
    assert "MappedAnnotationError" in finding.message


def test_orm206_declared_attr_on_the_mapped_class_itself_is_not_evaluated():
    # Regression (polar, benefit.py): `@declared_attr def properties(cls) -> Mapped["Props"]`
    # on a mapped class; SQLAlchemy ignores that return annotation. With an imported base the
    # class may be a mixin or mapped: not reported either.
    assert check206(
        "class Base(sa.orm.DeclarativeBase):\n"
        "    pass\n"
        "class User(Base):\n"
        "    __tablename__ = 'user'\n"
        "    @declared_attr\n"
        "    def status(cls) -> Mapped['Status']:\n"
        "        return mapped_column(sa.String(5))\n"
        "from app.db import RecordModel\n"
        "class Benefit(RecordModel):\n"
        "    __tablename__ = 'benefit'\n"
        "    @declared_attr\n"
        "    def properties(cls) -> Mapped['Status']:\n"
        "        return mapped_column('properties', sa.JSON, nullable=False)\n"
        "    plain: Mapped['Status'] = mapped_column(sa.JSON)\n"
        "class Abstract(Base):\n"
        "    __abstract__ = True\n"
        "    @declared_attr\n"
        "    def status(cls) -> Mapped['Status']:\n"
        "        return mapped_column(sa.String(5))\n"
    ) == [("ORM206", 22), ("ORM206", 26)]
