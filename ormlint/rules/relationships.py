"""ORM1xx: relationship() configuration."""

from __future__ import annotations

from typing import Iterator

from ormlint.model.types import FileModel, ModelClass
from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, Rule, Violation, example


class RelationshipArgumentIsBuiltin(Rule):
    code = "ORM101"
    name = "relationship-argument-is-builtin"
    summary = "relationship() argument names a Python builtin (`remote_side=[id]`), not a column"
    message = (
        "`{argument}` refers to Python's builtin `{builtin}`, not a column: no `{builtin}` is "
        "defined {where} before this line; write `{argument}={suggestion}`"
    )
    what_it_does = """
        Checks the Python expressions given to `relationship()` (`remote_side`, `foreign_keys`,
        `order_by`, `primaryjoin`, `secondaryjoin`, `secondary`, also inside `backref()`) for bare
        names that, at that point of the class body, are not bound in the class, an enclosing
        function or the module, and so resolve to a Python builtin such as `id` or `type`.
        """
    why_bad = """
        A class body sees only the names assigned above the current line. When the primary key
        comes from a mixin, a base class, or is declared further down, `remote_side=[id]` passes
        the builtin function `id`. Python raises nothing at import; SQLAlchemy fails only when the
        mappers are configured, that is at the first query in production:
        `ArgumentError: Column expression expected for argument 'remote_side'; got <built-in
        function id>` (with `remote_side=id`: `TypeError: id() takes exactly one argument (0
        given)`). Verified by this rule's oracle test with SQLAlchemy 2.x.
        """
    fix_safety = "No automatic fix yet (planned: rewrite to the string form `\"Class.column\"`)."
    references = (
        "SQLAlchemy: Adjacency List Relationships, https://docs.sqlalchemy.org/en/20/orm/self_referential.html",
        "sqlalchemy/sqlalchemy#7094 (a wrong remote_side is not reported until configuration)",
    )
    invalid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class IdMixin:
                id: Mapped[int] = mapped_column(primary_key=True)


            class Node(IdMixin, Base):
                __tablename__ = "node"
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
                parent: Mapped[Optional["Node"]] = relationship(remote_side=[id])  # ORM101
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Category(Base):
                __tablename__ = "category"
                category_id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("category.category_id"))
                parent = relationship("Category", remote_side=id)  # ORM101
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class IdMixin:
                id: Mapped[int] = mapped_column(primary_key=True)


            class Node(IdMixin, Base):
                __tablename__ = "node"
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
                parent: Mapped[Optional["Node"]] = relationship(remote_side="Node.id")
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Node(Base):
                __tablename__ = "node"
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("node.id"))
                parent = relationship("Node", remote_side=[id], order_by=id)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for relationship in model.relationships:
            owner = model.class_named(relationship.owner) if relationship.owner else None
            for ref in relationship.builtin_refs:
                yield self.violation(
                    ref.node,
                    argument=ref.argument,
                    builtin=ref.name,
                    where=f"in class `{owner.name}`" if owner else "in this scope",
                    suggestion=self._suggestion(owner, ref.name),
                )

    @staticmethod
    def _suggestion(owner: ModelClass | None, name: str) -> str:
        if owner is None:
            return f'"Class.{name}"'
        attr = name
        if name == "id":  # the builtin `id` stands for the primary key: name the real one
            keys = [c.attr for c in owner.columns if c.primary_key and c.attr]
            if len(keys) == 1:
                attr = keys[0]
        return f'"{owner.name}.{attr}"'


def _models(body: str) -> str:
    """An example module: the imports and Base that every relationship example shares."""
    header = (
        "from typing import Optional\n\n"
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n\n\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    return header + example(body)


class BackPopulatesMissing(ProjectRule):
    code = "ORM102"
    name = "back-populates-missing"
    summary = "`back_populates` names an attribute the target class does not have"
    message = (
        '`back_populates="{attr}"`: class `{target}` ({target_path}) has no attribute `{attr}`; '
        "name the relationship on `{target}` that points back to `{owner}`"
    )
    what_it_does = """
        Checks every `relationship(..., back_populates="name")` against the target class found
        anywhere in the project: the class, its mixins and bases must define `name`. Runs only
        when a whole project is checked (a directory), and stays silent when the target class or
        one of its bases cannot be found, since what is unknown is not wrong.
        """
    why_bad = """
        Nothing fails at import. At mapper configuration, which is the first query in production,
        SQLAlchemy raises `InvalidRequestError: Mapper 'Mapper[Child(child)]' has no property
        'parent_node'` (verified by this rule's oracle test). A rename on one side of a pair is
        the usual cause.
        """
    invalid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent_node")  # ORM102


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )
    valid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.complete:
            return
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.back_populates or not rel.target:
                    continue
                found = index.resolve_class(rel.target, prefer_path=path)
                if found is None:
                    continue
                target_path, target = found
                attributes = index.attributes(target_path, target)
                if attributes is None or rel.back_populates in attributes:
                    continue
                yield self.project_violation(
                    path, rel.back_populates_location or rel.location,
                    attr=rel.back_populates, target=target.name, target_path=target_path,
                    owner=cls.name,
                )


class BackPopulatesNotReciprocal(ProjectRule):
    code = "ORM103"
    name = "back-populates-not-reciprocal"
    summary = "a `back_populates` pair that does not point back (the other side is one-way)"
    message = (
        "`{owner}.{attr}` has `back_populates=\"{other}\"`, but `{target}.{other}` {problem}: "
        'add `back_populates="{attr}"` to `{target}.{other}`'
    )
    what_it_does = """
        Checks that when `A.x = relationship("B", back_populates="y")`, the relationship `B.y`
        names `x` in its own `back_populates`. Both sides must be found in the checked files.
        """
    why_bad = """
        SQLAlchemy configures this without error or warning, and the pair then synchronises in
        one direction only: appending to `parent.children` sets `child.parent`, but
        `Child(parent=parent)` does not appear in `parent.children` until the session is
        flushed and the collection reloaded (verified by this rule's oracle test). Code that reads
        the collection in the same unit of work sees stale data.
        """
    invalid = (
        _models('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")  # ORM103


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship()
            '''),
    )
    valid = BackPopulatesMissing.valid

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.back_populates or not rel.target:
                    continue
                found = index.resolve_class(rel.target, prefer_path=path)
                if found is None:
                    continue
                _, target = found
                other = next((r for r in target.relationships if r.attr == rel.back_populates), None)
                if other is None or other.back_populates == rel.attr or other.has_unknown_kwargs:
                    continue
                if other.back_populates is None:
                    problem = "has no `back_populates`"
                elif other.target == cls.name:
                    own = index.attributes(path, cls)
                    if own is None or other.back_populates not in own:
                        continue  # `other` names a missing attribute: that is ORM102's finding
                    problem = f'points back to `{other.back_populates}` instead'
                else:
                    continue  # it pairs with another class (e.g. a subclass): not ours to judge
                yield self.project_violation(
                    path, rel.back_populates_location or rel.location,
                    owner=cls.name, attr=rel.attr, other=rel.back_populates,
                    target=target.name, problem=problem,
                )


class RelationshipTargetNotFound(ProjectRule):
    code = "ORM104"
    name = "relationship-target-not-found"
    summary = "relationship target class (a string) is not defined anywhere in the project"
    message = (
        'relationship target "{target}" is not a class defined in the project: check the '
        "spelling, or list it in `external-models` if it is defined outside the checked code"
    )
    what_it_does = """
        Checks that the class named by a string target, `relationship("Address")` or
        `relationship("app.models.Address")`, is defined in some file of the project. Runs only
        when a whole project is checked, every file could be analysed, and the name is not listed
        in `[tool.ormlint] external-models`.
        """
    why_bad = """
        Strings are resolved lazily, at mapper configuration: import succeeds and the first query
        raises `InvalidRequestError: When initializing mapper Mapper[User(user_account)],
        expression 'Adress' failed to locate a name ('Adress')` (verified by this rule's oracle
        test).
        """
    invalid = (
        _models('''

            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship("Adress")  # ORM104


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )
    valid = (
        _models('''

            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship("Address")


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.complete:
            return
        for path, cls in index.classes():
            for rel in cls.relationships:
                if rel.target_location is None or not rel.target:  # only string targets
                    continue
                if rel.target in index.classes_by_name or rel.target in index.external_models:
                    continue
                yield self.project_violation(path, rel.target_location, target=rel.target)
