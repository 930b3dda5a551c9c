"""ORM102-ORM104 across files, and their silence on partial runs."""

import textwrap

from tests.helpers import lint_project

BASE = """
from sqlalchemy.orm import DeclarativeBase
class Base(DeclarativeBase):
    pass
"""
PARENT = """
from sqlalchemy.orm import Mapped, mapped_column, relationship
from .base import Base
class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    children: Mapped[list["Child"]] = relationship(back_populates="{back}")
"""
CHILD = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship
from .base import Base
from .mixins import ParentLink
class Child(ParentLink, Base):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))
"""
MIXINS = """
from sqlalchemy.orm import Mapped, declared_attr, relationship
class ParentLink:
    @declared_attr
    def parent(cls) -> Mapped["Parent"]:
        return relationship(back_populates="children")
"""


def project(back: str) -> dict[str, str]:
    return {
        "app/__init__.py": "",
        "app/base.py": BASE,
        "app/parent.py": PARENT.format(back=back),
        "app/child.py": CHILD,
        "app/mixins.py": MIXINS,
    }


def test_attribute_from_a_mixin_in_another_file_counts(tmp_path):
    assert lint_project(project("parent"), tmp_path) == []


def test_missing_attribute_across_files(tmp_path):
    assert lint_project(project("parnet"), tmp_path) == [("app/parent.py", 7, "ORM102")]


def test_partial_runs_give_no_not_found_verdicts(tmp_path):
    assert lint_project(project("parnet"), tmp_path, whole_project=False) == []


def test_unknown_base_means_unknown_attributes(tmp_path):
    files = project("parnet")
    files["app/child.py"] = CHILD.replace("from .mixins import ParentLink", "from elsewhere import ParentLink")
    assert lint_project(files, tmp_path) == []


def test_unparsable_file_silences_the_verdicts_on_the_classes_it_names(tmp_path):
    files = project("parnet")
    files["app/broken.py"] = "import sqlalchemy\nclass X(:\n"
    assert [f for f in lint_project(files, tmp_path) if f[2] != "ORM999"] == [("app/parent.py", 7, "ORM102")]
    files["app/broken.py"] = "import sqlalchemy\nclass Child(:\n"  # a second Child: which one?
    assert [f for f in lint_project(files, tmp_path) if f[2] != "ORM999"] == []


def test_one_sided_pair_and_wrong_pair(tmp_path):
    files = {
        "m.py": """
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
            class Base(DeclarativeBase):
                pass
            class A(Base):
                __tablename__ = "a"
                id: Mapped[int] = mapped_column(primary_key=True)
                bs: Mapped[list["B"]] = relationship(back_populates="a", foreign_keys="B.a_id")
                other_bs: Mapped[list["B"]] = relationship(back_populates="a2", foreign_keys="B.a2_id")
            class B(Base):
                __tablename__ = "b"
                id: Mapped[int] = mapped_column(primary_key=True)
                a_id: Mapped[int] = mapped_column(ForeignKey("a.id"))
                a2_id: Mapped[int] = mapped_column(ForeignKey("a.id"))
                a: Mapped["A"] = relationship(foreign_keys=[a_id])
                a2: Mapped["A"] = relationship(back_populates="bs", foreign_keys=[a2_id])
        """
    }
    # A.bs: B.a is one-way; A.other_bs and B.a2 point at each other's wrong partner
    assert lint_project(files, tmp_path) == [("m.py", 9, "ORM103"), ("m.py", 10, "ORM103"), ("m.py", 17, "ORM103")]


def test_two_relationships_pointing_back_to_one_attribute_are_one_way_by_design(tmp_path):
    # `Note.author` can name only one of the two filtered views: adding either back_populates
    # (the rule's advice) makes SQLAlchemy raise "Bidirectional attribute conflict detected" when
    # the other collection is appended to. Neither is reported; the single claim still is.
    files = {
        "m.py": """
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
            class Base(DeclarativeBase):
                pass
            class Author(Base):
                __tablename__ = "author"
                id: Mapped[int] = mapped_column(primary_key=True)
                pinned: Mapped["Note"] = relationship(
                    primaryjoin="and_(Author.id == Note.author_id, Note.pinned)",
                    back_populates="author", overlaps="archive", uselist=False)
                archive: Mapped[list["Note"]] = relationship(
                    primaryjoin="and_(Author.id == Note.author_id, ~Note.pinned)",
                    back_populates="author", overlaps="pinned")
                drafts: Mapped[list["Note"]] = relationship(back_populates="editor", overlaps="editor")
            class Note(Base):
                __tablename__ = "note"
                id: Mapped[int] = mapped_column(primary_key=True)
                pinned: Mapped[bool] = mapped_column(default=False)
                author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
                author: Mapped[Author] = relationship()
                editor: Mapped[Author] = relationship(overlaps="drafts")
        """
    }
    assert lint_project(files, tmp_path) == [("m.py", 15, "ORM103")]


def test_a_viewonly_side_is_not_asked_to_point_back(tmp_path):
    # SQLAlchemy never synchronises into or out of a viewonly relationship: with or without the
    # back_populates the rule would ask for, appending to `Team.members` leaves `member.team` unset.
    files = {
        "m.py": """
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
            class Base(DeclarativeBase):
                pass
            class Team(Base):
                __tablename__ = "team"
                id: Mapped[int] = mapped_column(primary_key=True)
                members: Mapped[list["Member"]] = relationship(back_populates="team")
                leads: Mapped[list["Member"]] = relationship(back_populates="led", viewonly=True)
            class Member(Base):
                __tablename__ = "member"
                id: Mapped[int] = mapped_column(primary_key=True)
                team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
                team: Mapped[Team] = relationship(viewonly=True)
                led: Mapped[Team] = relationship(overlaps="team")
        """
    }
    assert lint_project(files, tmp_path) == []


def test_string_targets_with_module_paths_and_external_models(tmp_path):
    files = {
        "m.py": """
            from sqlalchemy.orm import DeclarativeBase, relationship
            class Base(DeclarativeBase):
                pass
            class A(Base):
                __tablename__ = "a"
                b = relationship("app.models.B")
                c = relationship("Missing")
                d = relationship("Tenant")
                e = relationship(lambda: Nope)
            class B(Base):
                __tablename__ = "b"
        """,
        "pyproject.toml": '[tool.ormlint]\nexternal-models = ["shared.models.Tenant"]\n',
    }
    found = [f for f in lint_project(files, tmp_path) if f[2] != "ORM504"]  # (the classes have no key)
    assert found == [("m.py", 8, "ORM104")]


def test_kwargs_splat_may_hold_back_populates(tmp_path):
    files = {
        "m.py": """
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
            class Base(DeclarativeBase):
                pass
            class A(Base):
                __tablename__ = "a"
                id: Mapped[int] = mapped_column(primary_key=True)
                shared = {"back_populates": "a", "cascade": "all"}
                bs: Mapped[list["B"]] = relationship(**shared)
            class B(Base):
                __tablename__ = "b"
                id: Mapped[int] = mapped_column(primary_key=True)
                a_id: Mapped[int] = mapped_column(ForeignKey("a.id"))
                a: Mapped["A"] = relationship(back_populates="bs")
        """
    }
    assert lint_project(files, tmp_path) == []


# -- a file that cannot be parsed withholds only the names it may define -------------------------

_PARENT_CHILD = {
    "models/parent.py": """
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

        class Base(DeclarativeBase):
            pass

        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            children = relationship("Child", back_populates="parent_node")
            pets = relationship("Pett")
            owner = relationship("Owner")
        """,
    "models/child.py": """
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship
        from models.parent import Base

        class Child(Base):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id = mapped_column(ForeignKey("parent.id"))
            parent = relationship("Parent", back_populates="children")
        """,
    # a cookiecutter template under the tree: not Python until rendered
    "template/{{cookiecutter.name}}/models.py": """
        from sqlalchemy.orm import relationship
        class {{ cookiecutter.model }}(Base):
            __tablename__ = "{{ cookiecutter.table }}"

        class Owner(Base):
            pets = relationship({% for p in pets %}
        """,
}


def test_an_unparsable_file_silences_only_the_classes_its_text_names(tmp_path):
    found = lint_project(_PARENT_CHILD, tmp_path)
    assert ("template/{{cookiecutter.name}}/models.py", 1, "ORM999") in [
        (p, 1, c) for p, _, c in found if c == "ORM999"
    ]
    codes = sorted((path, code) for path, _, code in found if code != "ORM999")
    # the missing back_populates and the misspelt target are still found; `Owner`, which the
    # broken file may define, is not called missing
    assert codes == [("models/parent.py", "ORM102"), ("models/parent.py", "ORM104")]


def test_a_target_class_in_an_unparsable_file_is_not_judged(tmp_path):
    files = dict(_PARENT_CHILD)
    files["models/child.py"] = files["models/child.py"] + "    oops(\n"
    found = lint_project(files, tmp_path)
    # Child is in the broken file: whether it has `parent_node` is unknown
    assert [c for _, _, c in found if c == "ORM102"] == []
    assert [c for _, _, c in found if c == "ORM104"] == ["ORM104"]


_TEAMS = """
    from sqlalchemy import Column, ForeignKey, Table
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
    class Base(DeclarativeBase):
        pass
    membership = Table(
        "membership", Base.metadata,
        Column("user_id", ForeignKey("user_account.id")), Column("team_id", ForeignKey("team.id")),
    )
    class User(Base):
        __tablename__ = "user_account"
        id: Mapped[int] = mapped_column(primary_key=True)
        teams: Mapped[list["Team"]] = relationship({teams})
    class Team(Base):
        __tablename__ = "team"
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
        owner: Mapped[User] = relationship({owner})
"""


def _orm103_messages(tmp_path, teams: str, owner: str) -> list[tuple[int, str]]:
    from ormlint.config import load_settings
    from ormlint.engine import run

    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    (tmp_path / "m.py").write_text(textwrap.dedent(_TEAMS.format(teams=teams, owner=owner)))
    result = run([tmp_path], load_settings([tmp_path]), jobs=1, whole_project=True)
    return [(f.line, f.message) for f in result.findings if f.code == "ORM103"]


def test_a_many_to_many_naming_a_foreign_key_side_is_not_told_to_pair_with_it(tmp_path):
    # Adding the missing back_populates would make every `Team(owner=user)` a member as well
    # (tests/oracle/test_oracles_project.py): the message says the two are different links.
    [(line, message)] = _orm103_messages(
        tmp_path, 'secondary=membership, back_populates="owner"', ""
    )
    assert line == 13
    assert "`Team.owner` joins on a foreign key while `User.teams` goes through the association table `membership`" in message
    assert "a change to `User.teams` also changes `Team.owner`" in message
    assert "add `back_populates" not in message


def test_a_foreign_key_side_naming_a_many_to_many_is_not_told_to_pair_with_it(tmp_path):
    [(line, message)] = _orm103_messages(tmp_path, "secondary=membership", 'back_populates="teams"')
    assert line == 18
    assert "`User.teams` goes through the association table `membership` while `Team.owner` joins on a foreign key" in message
    assert "a change to `Team.owner` also changes `User.teams`" in message
    assert "add `back_populates" not in message


def test_two_many_to_many_sides_still_get_the_back_populates_advice(tmp_path):
    [(_, message)] = _orm103_messages(
        tmp_path, 'secondary=membership, back_populates="owner"', "secondary=membership"
    )
    assert message.endswith('add `back_populates="teams"` to `Team.owner`')
