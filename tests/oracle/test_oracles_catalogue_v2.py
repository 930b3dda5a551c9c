"""Oracles of the rules added for issue 18: what SQLAlchemy itself does with each example."""

from __future__ import annotations

import pytest
from sqlalchemy import String, exc, select
from sqlalchemy.orm.exc import MappedAnnotationError

from ormlint.rules import RULES
from tests.oracle.harness import load
from tests.test_drift_oracle import postgresql_server  # noqa: F401  (a fixture)


def test_orm109_backref_and_back_populates_fail_when_the_class_is_defined():
    with pytest.raises(exc.ArgumentError, match="backref and back_populates keyword arguments are mutually exclusive"):
        with load(RULES["ORM109"].invalid[0]):
            pass


def test_orm207_sql_type_alone_in_mapped_fails_when_the_class_is_defined():
    with pytest.raises(MappedAnnotationError, match="is the SQLAlchemy type .*Integer.*Expected a Python type instead"):
        with load(RULES["ORM207"].invalid[0]):
            pass


def test_orm207_with_an_explicit_type_the_attribute_holds_python_values_not_the_sql_type():
    with load(RULES["ORM207"].invalid[1]) as example:
        example.configure()
        column = example.Item.__table__.c.label
        assert isinstance(column.type, String) and column.type.length == 40
        with example.sqlite_session() as session:
            session.add(example.Item(id=1, label="boxed"))
            session.commit()
            label = session.execute(select(example.Item.label)).scalar_one()
        assert label == "boxed" and isinstance(label, str)  # a str, not what `Mapped[sa.String]` says


def test_orm606_postgresql_refuses_a_foreign_key_to_a_column_that_is_not_unique(tmp_path, request):
    pytest.importorskip("psycopg2")
    from sqlalchemy import create_engine

    from tests.test_drift_oracle import fresh_database

    engine = create_engine(fresh_database("postgresql", tmp_path, request))
    try:
        with load(RULES["ORM606"].invalid[0]) as example:
            with pytest.raises(exc.ProgrammingError, match='there is no unique constraint matching given keys for referenced table "account"') as raised:
                example.metadata.create_all(engine)
            assert raised.value.orig.pgcode == "42830"  # invalid_foreign_key
        with load(RULES["ORM606"].valid[0]) as example:
            example.metadata.create_all(engine)  # the primary key, unique=True and a UniqueConstraint
    finally:
        engine.dispose()


def test_orm110_an_annotation_naming_no_class_fails_at_mapper_configuration():
    with load(RULES["ORM110"].invalid[0]) as example:  # the class statement itself succeeds
        with pytest.raises(exc.InvalidRequestError, match=r"expression 'Adress' failed to locate a name \('Adress'\)"):
            example.configure()
    with load(RULES["ORM110"].valid[0]) as example:
        example.configure()
        assert example.User.addresses.property.mapper.class_ is example.Address


def test_orm207_a_typeless_foreign_key_takes_its_targets_type_and_the_annotation_is_not_read():
    source = '''
import uuid
from sqlalchemy import ForeignKey
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Board(Base):
    __tablename__ = "board"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class Card(Base):
    __tablename__ = "card"
    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[UUID] = mapped_column(ForeignKey("board.id"))  # ORM207
'''
    from sqlalchemy.dialects.postgresql import UUID

    with load(source) as example:  # no MappedAnnotationError: the foreign key gives the type
        assert isinstance(example.Card.__table__.c.board_id.type, UUID)
    from tests.helpers import lint

    [finding] = [f for f in lint(source, "ORM207")]
    assert "raises" not in finding.message and "foreign key" in finding.message


def test_orm111_a_self_referential_scalar_without_remote_side_loads_a_child_as_the_parent():
    with load(RULES["ORM111"].invalid[0]) as example:
        example.configure()
        assert example.Node.parent.property.direction.name == "ONETOMANY"
        with example.sqlite_session() as session:
            session.add_all([example.Node(id=1), example.Node(id=2, parent_id=1)])
            session.commit()
            root, child = session.get(example.Node, 1), session.get(example.Node, 2)
            assert child.parent is None and root.parent is child  # the wrong way round
    with load(RULES["ORM111"].valid[0]) as example:
        example.configure()
        assert example.Node.parent.property.direction.name == "MANYTOONE"


def test_orm111_a_backref_named_after_the_foreign_key_without_remote_side_fails_configuration():
    source = RULES["ORM111"].invalid[0].replace(
        'parent: Mapped[Optional["Node"]] = relationship()  # ORM111:5',
        'children: Mapped[list["Node"]] = relationship(backref="parent")',
    )
    with load(source) as example:
        with pytest.raises(exc.ArgumentError, match="are both of the same direction .*Did you mean to set remote_side on the many-to-one side"):
            example.configure()


def test_orm504_a_table_without_a_primary_key_fails_when_the_class_is_defined():
    with pytest.raises(exc.ArgumentError, match="could not assemble any primary key columns for mapped table 'tag'"):
        with load(RULES["ORM504"].invalid[0]):
            pass
    with load(RULES["ORM504"].valid[0]) as example:  # a mixin's key column, a PrimaryKeyConstraint
        example.configure()
        assert [c.name for c in example.Tag.__table__.primary_key] == ["id"]
        assert [c.name for c in example.Label.__table__.primary_key] == ["name"]


def test_orm112_a_dynamic_relationship_is_a_query_not_the_list_its_annotation_promises():
    with load(RULES["ORM112"].invalid[0]) as example:
        example.configure()  # no error, no warning
        with example.sqlite_session() as session:
            user = example.User(id=1, addresses=[example.Address(id=1)])
            session.add(user)
            session.commit()
            addresses = user.addresses
            assert type(addresses).__name__ == "AppenderQuery" and not isinstance(addresses, list)
            with pytest.raises(TypeError, match="object of type 'AppenderQuery' has no len"):
                len(addresses)
            assert addresses != [] and addresses.count() == 1
    with load(RULES["ORM112"].valid[0]) as example:
        example.configure()
        assert example.User.addresses.property.lazy == "dynamic"


def test_orm208_a_column_annotated_with_a_mapped_class_holds_the_key_value():
    from sqlalchemy import Integer

    with load(RULES["ORM208"].invalid[0]) as example:  # with its foreign key, the class works
        example.configure()
        assert isinstance(example.Post.__table__.c.user_id.type, Integer)
        with example.sqlite_session() as session:
            session.add_all([example.User(id=1), example.Post(id=1, user_id=1)])
            session.commit()
            user_id = session.execute(select(example.Post.user_id)).scalar_one()
        assert user_id == 1 and not isinstance(user_id, example.User)  # an int, not what `Mapped["User"]` says
    source = RULES["ORM208"].invalid[0].replace('mapped_column(ForeignKey("user.id"))', "mapped_column()")
    with pytest.raises(MappedAnnotationError, match="Could not locate SQLAlchemy Core type .* inside the Mapped\\[\\] annotation for the 'user_id' attribute"):
        with load(source):
            pass
    with load(RULES["ORM208"].valid[0]) as example:
        example.configure()


@pytest.mark.parametrize("secondary", ['"UserGroup"', "UserGroup"])
def test_orm113_a_mapped_class_as_secondary_fails_at_mapper_configuration(secondary):
    source = RULES["ORM113"].invalid[0].replace('secondary="UserGroup"', f"secondary={secondary}")
    with load(source) as example:  # the class statements succeed
        with pytest.raises(exc.ArgumentError, match="must be a Table object or other FROM clause; can't send a mapped class directly"):
            example.configure()
    with load(RULES["ORM113"].valid[0]) as example:
        example.configure()
        assert example.User.groups.property.secondary is example.UserGroup.__table__


def test_orm505_a_required_dataclass_field_after_a_defaulted_one_fails_when_the_class_is_defined():
    with pytest.raises(exc.InvalidRequestError, match="non-default argument 'name' follows default argument"):
        with load(RULES["ORM505"].invalid[0]):
            pass
    with load(RULES["ORM505"].valid[0]) as example:
        example.configure()
        user = example.User(name="ada")
        assert user.nickname is None and user.score == 0  # init=False with default= is applied


def test_orm114_a_link_table_with_a_required_data_column_fails_the_flush():
    with load(RULES["ORM114"].invalid[0]) as example:
        example.configure()
        with example.sqlite_session() as session:
            session.add(example.User(id=1, groups=[example.Group(id=1)]))
            with pytest.raises(exc.IntegrityError, match="NOT NULL constraint failed: user_group.role"):
                session.commit()
    with load(RULES["ORM114"].valid[0]) as example:
        with example.sqlite_session() as session:
            session.add(example.User(id=1, groups=[example.Group(id=1)]))
            session.commit()
            assert session.execute(example.user_group.select()).one().role == "member"


def test_orm506_a_missing_identity_saves_null_and_a_duplicate_one_is_taken_over():
    with pytest.warns(exc.SAWarning) as warned:
        with load(RULES["ORM506"].invalid[0]) as example:
            example.configure()
            with example.sqlite_session() as session:
                session.add(example.Manager(id=1))
                session.commit()
                assert type(session.get(example.Employee, 1)).__name__ == "Engineer"  # saved as a Manager
            with example.sqlite_session() as session:
                session.add(example.Intern(id=2))
                with pytest.raises(exc.IntegrityError, match="NOT NULL constraint failed: employee.type"):
                    session.commit()
    messages = [str(w.message) for w in warned]
    assert any("Reassigning polymorphic association for identity 'manager'" in m for m in messages)
    assert any("Intern(employee)] does not indicate a 'polymorphic_identity'" in m for m in messages)
    with load(RULES["ORM506"].valid[0]) as example:
        example.configure()
