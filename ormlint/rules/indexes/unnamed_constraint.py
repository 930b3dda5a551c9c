"""ORM407 unnamed-constraint (opt-in): a constraint without a name when no MetaData of the
project has a `naming_convention` (project)."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ClassFacts, Location, ProjectIndex, TableFacts
from ormlint.rules.base import ProjectRule, ProjectViolation, example

# Alembic's documented convention ("The Importance of Naming Constraints").
ALEMBIC_CONVENTION = (
    '{"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s", '
    '"ck": "ck_%(table_name)s_%(constraint_name)s", '
    '"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}'
)


class UnnamedConstraint(ProjectRule):
    code = "ORM407"
    name = "unnamed-constraint"
    summary = (
        "a unique, foreign-key or check constraint without a name, and no `naming_convention` on "
        "the project's MetaData (project)"
    )
    message = (
        "{what} makes a constraint without a name, and no MetaData of the project has a "
        "`naming_convention`: the database makes one up (PostgreSQL: `{postgresql}`), and "
        "Alembic autogenerate writes `op.drop_constraint(None, ...)` for it, which fails; {fix}"
    )
    what_it_does = """
        Reports `UniqueConstraint(...)`, `CheckConstraint(...)` and `ForeignKeyConstraint(...)`
        without `name=`, and the column arguments `unique=True`, `ForeignKey(...)`,
        `CheckConstraint(...)` and SQLModel's `Field(foreign_key=...)`, in mapped classes,
        their mixins and `Table(...)` objects, when no file of the project names a
        `naming_convention`. Each constraint is reported once, where it is written (a mixin's
        column once, however many models inherit it).

        Opt-in (`--extend-select ORM407`): many projects name no constraint and never drop one.
        Silent when any file of the project mentions `naming_convention` (the MetaData may get
        it anywhere, even by assignment), when only some files are checked, for classes whose
        declarative base is not in the project, for `Table(...)` objects on a MetaData that
        cannot be found, in Alembic revisions, and for `unique=True` with `index=True` (a
        unique index, which the default convention names `ix_<table>_<column>`).

        A convention the project's text does not name is not seen: a declarative base in the
        project given the MetaData of an installed package
        (`declarative_base(metadata=shared.metadata)`) whose MetaData has one is still reported.
        """
    why_bad = """
        Without a name, the database names the constraint, each its own way: PostgreSQL calls
        a `unique=True` on `users.email` `users_email_key` and its foreign key
        `users_account_id_fkey`; SQLite keeps no name at all. Code that must refer to the
        constraint later cannot know its name. When such a constraint is added to an existing
        table, Alembic autogenerate renders the downgrade as `op.drop_constraint(None, 'users',
        type_='unique')` with the warning "constraint name is None; this directive will fail as
        rendered", and running it fails: `CompileError: Can't emit DROP CONSTRAINT for
        constraint UniqueConstraint(); it has no name` (this rule's oracle test, on PostgreSQL
        15 with Alembic 1.20 and SQLAlchemy 2.1, after PostgreSQL named the two constraints as
        above). Dropping or altering the constraint on SQLite (batch mode) needs a name too.
        """
    fix_safety = (
        "No automatic fix: a naming convention names constraints created from now on, and "
        "existing databases keep the names they gave; a migration may have to rename them."
    )
    references = (
        "Alembic: The Importance of Naming Constraints, https://alembic.sqlalchemy.org/en/latest/naming.html",
        "SQLAlchemy: Configuring Constraint Naming Conventions, https://docs.sqlalchemy.org/en/20/core/constraints.html#configuring-constraint-naming-conventions",
    )
    default_enabled = False
    invalid = (
        example("""
            from sqlalchemy import ForeignKey, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "accounts"
                id: Mapped[int] = mapped_column(primary_key=True)


            class User(Base):
                __tablename__ = "users"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(100), unique=True)  # ORM407:53
                account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # ORM407:45
            """),
        example("""
            from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Table, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "products"
                __table_args__ = (
                    UniqueConstraint("sku"),  # ORM407:9
                    CheckConstraint("price >= 0"),  # ORM407:9
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                sku: Mapped[str]
                price: Mapped[int]


            product_tags = Table(
                "product_tags",
                Base.metadata,
                Column("product_id", Integer, ForeignKey("products.id")),  # ORM407:35
                Column("tag", Integer),
            )
            """),
    )
    valid = (
        example("""
            from sqlalchemy import ForeignKey, MetaData, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                metadata = MetaData(naming_convention={
                    "ix": "ix_%(column_0_label)s",
                    "uq": "uq_%(table_name)s_%(column_0_name)s",
                    "ck": "ck_%(table_name)s_%(constraint_name)s",
                    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
                    "pk": "pk_%(table_name)s",
                })


            class Account(Base):
                __tablename__ = "accounts"
                id: Mapped[int] = mapped_column(primary_key=True)


            class User(Base):
                __tablename__ = "users"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(100), unique=True)
                account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
            """),
        example("""
            from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "accounts"
                id: Mapped[int] = mapped_column(primary_key=True)


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    UniqueConstraint("email", name="uq_users_email"),
                    CheckConstraint("length(email) > 3", name="ck_users_email_length"),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(100))
                handle: Mapped[str] = mapped_column(String(40), unique=True, index=True)
                account_id: Mapped[int] = mapped_column(
                    ForeignKey("accounts.id", name="fk_users_account_id_accounts")
                )
            """),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or any(f.names_naming_convention for f in index.files):
            return
        reported: set[tuple[str, Location]] = set()
        used = _classes_under_known_bases(index)
        for facts in index.files:
            if facts.is_revision:
                continue
            for cls in facts.classes:
                sites = _class_sites(cls)
                if sites and (facts.path, cls.name) in used:
                    yield from self._report(facts.path, sites, reported)
            for table in facts.tables:
                sites = _table_sites(table)
                if sites and _metadata_known(index, table):
                    yield from self._report(facts.path, sites, reported)

    def _report(
        self, path: str, sites: tuple[tuple[str, Location], ...], reported: set[tuple[str, Location]]
    ) -> Iterator[ProjectViolation]:
        for what, where in sites:
            if (path, where) in reported:
                continue
            reported.add((path, where))
            if "Check" in what:
                postgresql = "<table>_<column>_check"
                fix = (
                    "pass `name=` (Alembic's convention names a CHECK constraint from its own "
                    "name: `ck_%(table_name)s_%(constraint_name)s`)"
                )
            else:
                postgresql = "<table>_<column>_fkey" if "oreign" in what else "<table>_<column>_key"
                fix = (
                    "give the declarative base's MetaData the convention Alembic documents, "
                    f"`MetaData(naming_convention={ALEMBIC_CONVENTION})`, or pass `name=`"
                )
            yield self.project_violation(path, where, what=what, postgresql=postgresql, fix=fix)


def _class_sites(cls: ClassFacts) -> tuple[tuple[str, Location], ...]:
    return cls.unnamed_constraints + tuple(
        site for column in cls.columns for site in column.unnamed_constraints
    )


def _table_sites(table: TableFacts) -> tuple[tuple[str, Location], ...]:
    return table.unnamed_constraints + tuple(
        site for column in table.columns for site in column.unnamed_constraints
    )


def _classes_under_known_bases(index: ProjectIndex) -> set[tuple[str, str]]:
    """The mapped classes whose declarative base is in the project, and the classes above
    them (mixins, abstract bases): their constraints land in a MetaData the project makes."""
    used: set[tuple[str, str]] = set()
    for path, cls in index.classes():
        if not (_class_sites(cls) or cls.project_bases):
            continue  # (a class with neither adds no constraint to any table)
        if index.maps_table(path, cls) and index.declarative_root(path, cls) is not None:
            used.add((path, cls.name))
            used.update((p, c.name) for found in index.ancestors(path, cls) if found for p, c in [found])
    return used


def _metadata_known(index: ProjectIndex, table: TableFacts) -> bool:
    """Is the Table on a MetaData made in the project (or a library's own)?"""
    if table.metadata is None:
        return False
    kind, name = table.metadata
    if kind == "class":
        return len(index.classes_by_name.get(name, ())) == 1
    return True
