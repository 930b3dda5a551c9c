from tests.helpers import codes_and_lines, lint

HEADER = (
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, Integer, String\n"
    "from sqlalchemy import CheckConstraint, PrimaryKeyConstraint, UniqueConstraint, func, text\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
)  # a body's first line is line 7


def check(body: str, select: str = "ORM404"):
    return codes_and_lines(HEADER + body, select)


# -- ORM404 ------------------------------------------------------------------------------------------


def test_orm404_each_constraint_kind():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    __table_args__ = (\n"
        "        Index('ix_a', 'emial'),\n"
        "        sa.Index('ix_b', 'email', 'nam'),\n"
        "        UniqueConstraint('login_name', name='uq_login'),\n"
        "        PrimaryKeyConstraint('idd'),\n"
        "        ForeignKeyConstraint(['team'], ['team.id']),\n"
        "        Index('ix_c', 'lower(email)'),\n"
        "        {'schema': 'app'},\n"
        "    )\n"
        "    idd_attr: Mapped[int] = mapped_column('id')\n"
        "    email: Mapped[str]\n"
        "    name = Column(String)\n"
        "    login_name: Mapped[str] = mapped_column('login')\n"
    ) == [("ORM404", n) for n in (10, 11, 12, 13, 14, 15)]


def test_orm404_column_names_keys_bare_annotations_and_mixins_are_known():
    assert check(
        "class Stamped:\n"
        "    created = Column(sa.DateTime)\n"
        "class Named(Base):\n"
        "    __abstract__ = True\n"
        "    name: Mapped[str]\n"
        "class User(Stamped, Named):\n"
        "    __tablename__ = 'users'\n"
        "    __table_args__ = (\n"
        "        Index('ix_users_created', 'created'),\n"
        "        Index('ix_users_name', 'name', 'mail'),\n"
        "        UniqueConstraint('k'),\n"
        "        Index('users', email),\n"  # a Python name, not a string: not judged here
        "        Index('ix_expr', func.lower(text('email'))),\n"
        "        CheckConstraint('nothing > 0'),\n"  # SQL text: not checked
        "    )\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    email = mapped_column('mail', String)\n"
        "    keyed = Column('kcol', Integer, key='k')\n"
    ) == []


def test_orm404_unknown_columns_silence_the_rule():
    assert check(
        "from app.base import ImportedBase, ImportedMixin\n"
        "class A(ImportedBase):\n"
        "    __tablename__ = 'a'\n"
        "    __table_args__ = (Index('ix_a', 'created_at'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "class B(ImportedMixin, Base):\n"
        "    __tablename__ = 'b'\n"
        "    __table_args__ = (Index('ix_b', 'created_at'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "class C(Base):\n"
        "    __tablename__ = 'c'\n"
        "    __table_args__ = (Index('ix_c', 'created_at'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    created = timestamp_column('created_at')\n"
        "class D(Base):\n"
        "    __tablename__ = 'd'\n"
        "    __table_args__ = (Index('ix_d', 'org_id'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    @declared_attr\n"
        "    def org(cls):\n"
        "        column = Column('org_id', ForeignKey('org.id'))\n"
        "        return column\n"
        "class E(Base):\n"
        "    __table__ = sa.Table('e', Base.metadata, Column('id', Integer, primary_key=True))\n"
        "    __table_args__ = (Index('ix_e', 'nothing'),)\n"
        "class F(Base):\n"
        "    __tablename__ = 'f'\n"
        "    __table_args__ = SHARED + (Index('ix_f', 'nothing'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "class G(Base):\n"
        "    __tablename__ = 'g'\n"
        "    __table_args__ = (Index('ix_g', 'x'), Index('ix_g2', *COLUMNS))\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    if FEATURE:\n"
        "        x = Column(Integer)\n"
    ) == []


def test_orm404_relationships_and_declared_attr_relationships_do_not_hide_columns():
    assert check(
        "class OwnedMixin:\n"
        "    @declared_attr\n"
        "    def owner(cls):\n"
        "        return relationship('User')\n"
        "class Item(OwnedMixin, Base):\n"
        "    __tablename__ = 'item'\n"
        "    __table_args__ = (Index('ix_item_owner', 'ownr_id'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    owner_id = Column(ForeignKey('user.id'))\n"
        "    tags = relationship('Tag')\n"
    ) == [("ORM404", 13)]


def test_orm404_joined_inheritance_child_table_has_only_its_own_columns():
    assert check(
        "class Employee(Base):\n"
        "    __tablename__ = 'employee'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    name = Column(String)\n"
        "class Engineer(Employee):\n"
        "    __tablename__ = 'engineer'\n"
        "    __table_args__ = (Index('ix_engineer_name', 'name'),)\n"
        "    id = Column(ForeignKey('employee.id'), primary_key=True)\n"
        "class Manager(Employee):\n"  # single-table inheritance: no table of its own
        "    __table_args__ = (Index('ix_manager', 'name'),)\n"
    ) == [("ORM404", 13)]


def test_orm404_flask_sqlmodel_and_imperative_tables():
    assert codes_and_lines(
        "import sqlalchemy as sa\n"
        "from app import db\n"
        "from sqlmodel import Field, SQLModel\n"
        "class Post(db.Model):\n"
        "    __table_args__ = (db.Index('ix_post_slug', 'slugg'),)\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
        "    slug = db.Column(db.String)\n"
        "class Hero(SQLModel, table=True):\n"
        "    __table_args__ = (sa.UniqueConstraint('name', 'age'), sa.Index('ix', 'secret'))\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    name: str\n"
        "    age: int = 0\n"
        "posts = sa.Table('posts', metadata,\n"
        "    sa.Column('id', sa.Integer, primary_key=True),\n"
        "    sa.Index('ix_posts', 'idd'),\n"
        ")\n"
        "reflected = sa.Table('r', metadata, sa.Index('ix_r', 'x'), autoload_with=engine)\n",
        "ORM404",
    ) == [("ORM404", 5), ("ORM404", 9), ("ORM404", 15)]


def test_orm404_message_explains_attribute_versus_column():
    (finding,) = lint(
        HEADER + "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    __table_args__ = (UniqueConstraint('login_name'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    login_name = Column('login', String)\n",
        "ORM404",
    )
    assert '`login_name` is the attribute, its column is named "login"' in finding.message
    assert "ConstraintColumnNotFoundError" in finding.message


# -- ORM405 ------------------------------------------------------------------------------------------


def test_orm405_index_flag_and_explicit_indexes_on_the_primary_key():
    assert check(
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    id = Column(Integer, primary_key=True, index=True)\n"
        "class B(Base):\n"
        "    __tablename__ = 'b'\n"
        "    __table_args__ = (Index('ix_b_code', 'code', unique=True),)\n"
        "    code: Mapped[str] = mapped_column(primary_key=True)\n"
        "class C(Base):\n"
        "    __tablename__ = 'c'\n"
        "    uid = Column('id', Integer, primary_key=True)\n"
        "Index('ix_c_id', C.uid)\n"
        "class D(Base):\n"
        "    __tablename__ = 'd'\n"
        "    __table_args__ = (PrimaryKeyConstraint('key'),)\n"
        "    key = Column(String, index=True)\n",
        "ORM405",
    ) == [("ORM405", 9), ("ORM405", 12), ("ORM405", 17), ("ORM405", 21)]


def test_orm405_composite_unique_partial_and_other_columns_are_fine():
    assert check(
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    user_id = Column(Integer, primary_key=True, index=True)\n"
        "    group_id = Column(Integer, primary_key=True, index=True)\n"
        "class B(Base):\n"
        "    __tablename__ = 'b'\n"
        "    __table_args__ = (\n"
        "        Index('ix_b_id_hash', 'id', postgresql_using='hash'),\n"
        "        Index('ix_b_id_name', 'id', 'name'),\n"
        "        UniqueConstraint('id'),\n"
        "    )\n"
        "    id = Column(Integer, primary_key=True, unique=True)\n"
        "    name = Column(String, index=True)\n"
        "class C(Base):\n"
        "    __tablename__ = 'c'\n"
        "    __table_args__ = (PrimaryKeyConstraint('a', 'b'),)\n"
        "    a = Column(Integer, index=True)\n"
        "    b = Column(Integer)\n",
        "ORM405",
    ) == []


def test_orm405_mixin_column_is_reported_once():
    assert check(
        "class IdMixin:\n"
        "    id = Column(Integer, primary_key=True, index=True)\n"
        "class A(IdMixin, Base):\n"
        "    __tablename__ = 'a'\n"
        "class B(IdMixin, Base):\n"
        "    __tablename__ = 'b'\n"
        "class Unused:\n"  # a mixin no table here uses: the table may add primary-key columns
        "    id = Column(Integer, primary_key=True, index=True)\n",
        "ORM405",
    ) == [("ORM405", 8)]


def test_orm405_fastapi_flask_sqlmodel_and_tables():
    assert codes_and_lines(
        "import sqlalchemy as sa\n"
        "from sqlalchemy import Column, Integer\n"
        "from app import db\n"
        "from .database import Base\n"
        "from sqlmodel import Field, SQLModel\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(Integer, primary_key=True, index=True)\n"
        "class Post(db.Model):\n"
        "    id = db.Column(db.Integer, primary_key=True, index=True)\n"
        "class Hero(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True, index=True)\n"
        "    name: str = Field(index=True)\n"
        "t = sa.Table('t', metadata, sa.Column('id', sa.Integer, primary_key=True, index=True))\n",
        "ORM405",
    ) == [("ORM405", 8), ("ORM405", 10), ("ORM405", 12), ("ORM405", 14)]


def test_orm405_joined_inheritance_child_primary_key():
    assert check(
        "class Employee(Base):\n"
        "    __tablename__ = 'employee'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "class Engineer(Employee):\n"
        "    __tablename__ = 'engineer'\n"
        "    id = Column(ForeignKey('employee.id'), primary_key=True, index=True)\n",
        "ORM405",
    ) == [("ORM405", 12)]


def test_orm405_message():
    (finding,) = lint(
        HEADER + "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    id = Column(Integer, primary_key=True, index=True)\n",
        "ORM405",
    )
    assert "primary-key column `id` of table `a`" in finding.message
    assert "remove `index=True`" in finding.message
