from tests.helpers import codes_and_lines, lint

HEADER = (
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column, Index, Integer, String, UniqueConstraint, func, text\n"
    "from sqlalchemy.orm import Mapped, mapped_column\n"
)


def check(body: str):
    return codes_and_lines(HEADER + body, "ORM4")


def test_index_flag_plus_explicit_index_reports_the_flag():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    __table_args__ = (Index('ix_email', 'email'),)\n"
        "    email = Column(String, index=True)\n"
    ) == [("ORM401", 7)]


def test_two_explicit_indexes_report_the_second():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email = Column(String)\n"
        "    __table_args__ = (\n"
        "        Index('ix_a', 'email'),\n"
        "        sa.Index('ix_b', email),\n"
        "    )\n"
    ) == [("ORM401", 9)]


def test_unique_index_kept_over_plain_index():
    found = lint(
        HEADER + "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email = Column(String, index=True)\n"
        "    __table_args__ = (Index('uix_email', 'email', unique=True),)\n",
        "ORM4",
    )
    assert [(f.code, f.line) for f in found] == [("ORM401", 6)]
    assert "`index=True`" in found[0].message and 'Index "uix_email"' in found[0].message


def test_unique_constraints_alone_are_merged_by_the_database():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    login = mapped_column(String, unique=True)\n"
        "    __table_args__ = (UniqueConstraint('login'), UniqueConstraint('login', name='x'))\n"
    ) == []


def test_unique_constraint_plus_index():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    login = mapped_column(String, unique=True)\n"
        "    __table_args__ = (UniqueConstraint('login'), Index('ix_login', 'login'))\n"
    ) == [("ORM401", 7)]


def test_one_index_declarations_are_fine():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email = Column(String, index=True, unique=True)\n"
        "    a = Column(Integer, index=True)\n"
        "    b = Column(Integer)\n"
        "    __table_args__ = (\n"
        "        Index('ix_a_b', 'a', 'b'),\n"
        "        Index('ix_b_a', 'b', 'a'),\n"
        "        Index('ix_lower_email', func.lower(email)),\n"
        "        Index('ix_a_partial', 'a', postgresql_where=text('a > 0')),\n"
        "        Index('ix_a_gin', 'a', postgresql_using='gin'),\n"
        "        {'schema': 'app'},\n"
        "    )\n"
    ) == []


def test_columns_referenced_by_attribute_or_sql_name_match():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email_addr = Column('email', String, index=True)\n"
        "    __table_args__ = (Index('ix_x', 'email'),)\n"
    ) == [("ORM401", 6)]


def test_mixin_column_in_the_same_file():
    assert check(
        "class EmailMixin:\n"
        "    email = Column(String, index=True)\n"
        "class User(EmailMixin, Base):\n"
        "    __tablename__ = 'users'\n"
        "    __table_args__ = (Index('ix_users_mail', 'email'),)\n"
        "class Plain(EmailMixin, Base):\n"
        "    __tablename__ = 'plain'\n"
    ) == [("ORM401", 5)]


def test_different_tables_do_not_mix():
    assert check(
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    email = Column(String, index=True)\n"
        "class B(Base):\n"
        "    __tablename__ = 'b'\n"
        "    __table_args__ = (Index('ix_b_email', 'email'),)\n"
        "    email = Column(String)\n"
    ) == []


def test_explicit_name_equal_to_generated_name_on_other_columns():
    found = lint(
        HEADER + "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email = Column(String, index=True)\n"
        "    name = Column(String)\n"
        "    __table_args__ = (Index('ix_users_email', 'name', 'email'),)\n",
        "ORM4",
    )
    assert [(f.code, f.line) for f in found] == [("ORM401", 8)]
    assert "ix_users_email" in found[0].message and "index=True" in found[0].message


def test_custom_naming_convention_disables_the_name_check():
    assert check(
        "metadata = sa.MetaData(naming_convention={'ix': 'idx_%(column_0_name)s'})\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email = Column(String, index=True)\n"
        "    name = Column(String)\n"
        "    __table_args__ = (Index('ix_users_email', 'name', 'email'),)\n"
    ) == []


def test_module_level_index_on_a_class_attribute():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email = Column(String, index=True)\n"
        "Index('ix_user_email_2', User.email)\n"
    ) == [("ORM401", 6)]


def test_imperative_table():
    assert check(
        "t = sa.Table('things', metadata,\n"
        "    Column('id', Integer, primary_key=True),\n"
        "    Column('code', String, unique=True),\n"
        "    Index('uq_things_code', 'code', unique=True),\n"
        ")\n"
    ) == [("ORM401", 6)]


def test_dynamic_table_args_are_not_guessed():
    assert check(
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    email = Column(String, index=True)\n"
        "    __table_args__ = SHARED_ARGS\n"
    ) == []
