"""Models versus Alembic migrations (ORM7xx): drift found from source, without a database.

The comparison lives in `ormlint.drift` (computed once per run); each rule here reports one
category of it. Examples are small projects: `# file: PATH` lines separate their files.
"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example, paragraph

_MODELS = '''
    # file: models.py
    from typing import Optional

    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "author"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(100))
'''

_INIT = '''
    # file: alembic.ini
    [alembic]
    script_location = %(here)s/migrations

    # file: migrations/env.py
    from models import Base

    target_metadata = Base.metadata

    # file: migrations/versions/0001_init.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table(
            "author",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
'''


class _DriftRule(ProjectRule):
    """Reports the drift items of its own code."""

    message = "{detail}"
    fix_safety = (
        "No automatic fix: whether the model or the migrations are right is the author's call. "
        "`alembic revision --autogenerate` writes the migration once the model is right."
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/autogenerate.html",
        "https://alembic.sqlalchemy.org/en/latest/api/autogenerate.html#alembic.autogenerate.compare_metadata",
    )

    UNCERTAIN = """
        A table gets no verdict when the replay of the migrations cannot know it for certain:
        a step touches it that ormlint does not interpret (`op.execute` of SQL that alters it, an
        operation with an argument that is not a literal, an `if`, `try` or loop that is not over
        literal table names, what follows an early `return` that does not test the dialect), or
        a step's effect is unknown altogether (SQL of unknown effect, a helper function, a
        conditional create/drop/rename), which leaves every table that exists at that point
        without a verdict. A table two models declare, a table of another schema (`schema=`
        in its class's `__table_args__`, or a mixin's or abstract base's), or one whose MetaData
        is not env.py's `target_metadata`, gets none either, nor does a Flask-SQLAlchemy model with a
        `__bind_key__` (another database's). No table is called missing on either side when the
        set of tables is unknown: such a step, a revision graph that is not one history to its
        heads (ORM709), an env.py that hands `context.configure` an `include_object=` or
        `include_name=` filter (code decides which tables autogenerate compares), or model
        tables whose names are not known (a table name the library
        gives a class without `__tablename__` is known in the cases ORM602 lists). Of several
        Alembic environments, one gets no verdict when it is not known which models are its
        own (see ORM701), and a history env.py picks when it runs (`version_locations`) gets
        none. `ormlint check --show-uncertain` prints what was not judged and why.
        """

    @classmethod
    def docs(cls) -> str:
        return super().docs().rstrip("\n") + "\n\n## When it stays silent\n" + paragraph(cls.UNCERTAIN) + "\n"

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if index.migrations is None:  # one file, stdin, flake8, the editor: no migrations read
            return
        from ormlint.drift import project_drift

        for drift in project_drift(index):
            if drift.item.code == self.code:
                yield self.project_violation(drift.where.path, drift.where.location, detail=drift.message)


class MappedTableNotMigrated(_DriftRule):
    code = "ORM701"
    name = "mapped-table-not-migrated"
    summary = "a mapped table that no migration creates"
    catches = "a mapped table that no Alembic migration creates (migrations)"
    what_it_does = """
        Replays the project's Alembic migrations (`upgrade()`, base to head) and reports each
        table that a mapped class or `Table(...)` declares but no migration creates. Runs when
        migrations are configured (`[tool.ormlint] migrations`, `--migrations`) or found (an
        `alembic.ini`, pyproject `[tool.alembic]`, or an `env.py` with `versions/` beside it);
        `--no-migrations` turns the ORM7xx rules off. Nothing is reported when a migration does
        something ormlint cannot interpret (`op.execute`, helpers, loops) to the set of tables.
        A repository may hold several environments (services with their own alembic.ini or
        env.py, `versions/` and database, sharing a library metadata such as
        `SQLModel.metadata` or not): each environment's history is compared with its own
        models, the model modules its env.py imports (followed through the project's files,
        never run) and those under its root (the directory of its alembic.ini, else its script
        directory's parent) that no other environment imports; when env.py's imports cannot
        be followed, the models under its root; when that does not tell either (environments
        sharing a root, or env.py importing another environment's models), the environment is
        not judged. When env.py sets `version_locations` itself (a history per dialect), each
        of those directories is a history of its own and none is compared with the models.
        """
    why_bad = """
        The application starts against a database without the table and fails at the first
        query (`OperationalError: no such table`); `alembic check` reports the same drift as an
        `add_table` operation, but only against a live database migrated to head. Verified by
        the drift oracle test, which runs the migrations with Alembic and compares with
        `compare_metadata`.
        """
    invalid = (
        example(_MODELS + '''

    class Book(Base):
        __tablename__ = "book"  # ORM701
        id: Mapped[int] = mapped_column(primary_key=True)
''' + _INIT),
    )
    valid = (example(_MODELS + _INIT),)


class MigratedTableNotMapped(_DriftRule):
    code = "ORM702"
    name = "migrated-table-not-mapped"
    summary = "a table the migrations create that no model maps"
    catches = (
        "a table the migrations create that no model maps: autogenerate will drop it "
        "(migrations)"
    )
    what_it_does = """
        Reports each table the migrations create (and do not drop) that no mapped class or
        `Table(...)` of the checked project declares. Only when the whole project is checked,
        every file could be read, every mapped class names its table literally and the models
        share one declarative base; tables in `external-tables` are left alone, and so is a
        project whose models declare no table at all.
        """
    why_bad = """
        The next `alembic revision --autogenerate` proposes `op.drop_table(...)` for it, and a
        reviewer who trusts autogenerate deletes live data. Verified by the drift oracle test
        (Alembic's `compare_metadata` reports `remove_table`).
        """
    invalid = (
        example(_MODELS + _INIT + '''
        op.create_table(  # ORM702
            "legacy_note",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
'''),
    )
    valid = (example(_MODELS + _INIT),)


class ColumnOnOneSide(_DriftRule):
    code = "ORM703"
    name = "column-not-migrated"
    summary = "a column in the model but not in the migrations, or the other way round"
    catches = "a column in the model but not in the migrations, or the other way round (migrations)"
    what_it_does = """
        For each table both sides declare, reports a column the model declares that the
        migrations never add (at the model's line), and a column the migrations create that the
        model does not declare (only when every column of the class, its mixins included, is
        known). A column inherited from a mixin or abstract base (in any file) is reported at its
        own line there, naming the mapped class.
        """
    why_bad = """
        A model column missing from the database fails every query of the class (`no such
        column`); a database column missing from the model is dropped by the next
        autogenerated migration. Verified by the drift oracle test (`add_column` /
        `remove_column`).
        """
    invalid = (
        example(_MODELS + '''        bio: Mapped[Optional[str]]  # ORM703
''' + _INIT),
    )
    valid = (example(_MODELS + _INIT),)


class ColumnTypeDiffers(_DriftRule):
    code = "ORM704"
    name = "column-type-differs"
    summary = "a column whose SQL type differs between the model and the migrations"
    catches = (
        "`String(50)` vs `String(100)`, `Integer` vs `BigInteger`, `JSON` vs `JSONB`, `DateTime` "
        "vs `DateTime(timezone=True)` (migrations)"
    )
    what_it_does = """
        Reports what Alembic 1.20's `compare_type` reports on PostgreSQL: the type as
        PostgreSQL compiles the model's against the type PostgreSQL reflects for the migrated
        column (`sa.Float()` is stored as DOUBLE PRECISION, `sa.Float(10)` as REAL,
        `sa.Numeric(10)` as NUMERIC(10, 0)), compared by name and by arguments. Reported:
        `String(50)` against `String(100)`, `Integer` against `BigInteger`, `Text` against
        `String`, `DateTime` against `DateTime(timezone=True)`, `JSON` against `JSONB`,
        `Numeric(10, 2)` against `Numeric(10)`, and `Float(10)` on both sides (REAL in the
        database; Alembic reports it). Not reported, as Alembic does not: a length, precision or
        scale on one side only (`String` against `VARCHAR(128)`, `String(255)` against
        `String`, `Numeric(10, 2)` against `Numeric`), `Float` against `Double`, `Unicode`
        against `String`. Custom types, `Enum`, non-literal arguments and (with a
        `type_annotation_map`) types taken from `Mapped[...]` annotations are not compared. A
        column inherited from a mixin or abstract base is reported at its own line, naming the
        mapped class.
        """
    why_bad = """
        The database keeps the migrated type: values longer than the migrated length are
        rejected (or silently truncated on some databases), timezone-aware datetimes lose their
        offset, JSONB operators fail on JSON columns. Verified by the drift oracle test
        (`modify_type`, on SQLite and PostgreSQL).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            "name: Mapped[str] = mapped_column(String(200))  # ORM704",
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)


class NullabilityDiffers(_DriftRule):
    code = "ORM705"
    name = "column-nullability-differs"
    summary = "a column that is NULL on one side and NOT NULL on the other"
    catches = "NULL in the model, NOT NULL in the migrations, or the other way round (migrations)"
    what_it_does = """
        Compares nullability as SQLAlchemy derives it (`nullable=`, else the `mapped_column()` of
        an `Annotated` alias in the annotation, else `Optional[...]` in `Mapped[...]`, else NOT
        NULL for primary keys and NULL for `Column()`) with the migrations' (`nullable=` of
        `sa.Column`, `op.alter_column(..., nullable=...)`). A column whose annotation names a
        type imported from another module (it may be such an alias) is not compared unless it
        says `nullable=` itself. A column inherited from a mixin or abstract base is reported at
        its own line, naming the mapped class.
        """
    why_bad = """
        A model that allows None on a NOT NULL column fails at flush with `IntegrityError: NOT
        NULL constraint failed`; a model that promises a value where the database holds NULLs
        returns None where the type says it cannot. Verified by the drift oracle test
        (`modify_nullable`).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            "name: Mapped[Optional[str]] = mapped_column(String(100))  # ORM705",
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)


class IndexDiffers(_DriftRule):
    code = "ORM706"
    name = "index-not-migrated"
    summary = "an index or unique constraint on one side only, or differing in columns or uniqueness"
    catches = (
        "an index or unique constraint on one side only, or differing in columns or uniqueness "
        "(migrations)"
    )
    what_it_does = """
        Compares the indexes and unique constraints of each table: `index=True`, `unique=True`,
        `Index(...)` and `UniqueConstraint(...)` in the model against `op.create_index`,
        `op.create_unique_constraint` and the constraints of `op.create_table` in the
        migrations, by columns and uniqueness. Expression indexes are not compared. An index
        declared on a mixin is reported at its own line, naming the mapped class.
        """
    why_bad = """
        An index the model declares but the database lacks makes queries slow; a unique
        constraint that exists on one side only lets duplicates in, or rejects rows the code
        expects to store. Autogenerate proposes to create or drop it. Verified by the drift
        oracle test (`add_index` / `remove_index` / `add_constraint`).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            "name: Mapped[str] = mapped_column(String(100), index=True)  # ORM706",
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)


class ServerDefaultDiffers(_DriftRule):
    code = "ORM707"
    name = "server-default-differs"
    summary = "a column whose server default differs between the model and the migrations"
    catches = "`server_default` differs between the model and the migrations (migrations)"
    what_it_does = """
        Compares `server_default=` of each column with the migrations' (`server_default=` of
        `sa.Column`, `op.alter_column(..., server_default=...)`) and reports what Alembic 1.20
        reports with `compare_server_default=True` on PostgreSQL, where the server decides
        whether the two expressions are equal. One default: `func.now()`, `text("now()")`,
        `text("CURRENT_TIMESTAMP")`, `func.current_timestamp()`, `transaction_timestamp()` and
        `LOCALTIMESTAMP` (one instant in a transaction); `"x"` and `text("'x'::character
        varying")` (casts and parentheses go); `"0"` and `text("'0'::integer")` on an integer
        column; `"false"`, `"f"`, `"0"` and `sa.false()` on a Boolean; JSONB text with the same
        content. Reported: different values, `clock_timestamp()` or `CURRENT_DATE` against
        `now()`, a default on one side only (also one only in the migrations), and `NULL`
        (never equal to itself); a migration's string `"now"` / `"now()"` on a timestamp column
        is frozen when the migration runs, so it is always reported. Not reported: whatever
        cannot be evaluated without a database (other functions with different text, literals
        of date, time, Enum or JSON columns, `timezone('utc', now())` against `now()`, which
        depends on the session's time zone), and the default of the autoincrement primary key.
        A column's default may also be a positional `DefaultClause(...)` or come from the
        `mapped_column()` of an `Annotated` alias in its annotation. Defaults whose SQL cannot
        be read statically (`FetchedValue()`, `Identity()`, an alias imported from another
        module) are not compared. A column inherited from a mixin or abstract base is reported
        at its own line, naming the mapped class.
        """
    why_bad = """
        Rows inserted outside the ORM (SQL scripts, other services, bulk loads) get the
        database's default, not the one the model documents. Alembic compares server defaults
        only when `compare_server_default=True`, so this drift usually goes unnoticed. Verified
        by the drift oracle test (`modify_default`).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            'name: Mapped[str] = mapped_column(String(100), server_default="anonymous")  # ORM707',
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)


_MODELS_FK = _MODELS.replace("from sqlalchemy import String", "import sqlalchemy as sa\n    from sqlalchemy import String")


class ForeignKeyDiffers(_DriftRule):
    code = "ORM708"
    name = "foreign-key-differs"
    summary = "a foreign key on one side only, or differing in target or ondelete"
    catches = "a foreign key on one side only, or differing in target or `ondelete` (migrations)"
    what_it_does = """
        Compares the foreign keys of each table: `ForeignKey(...)` of the model's columns
        against `sa.ForeignKeyConstraint` / `sa.ForeignKey` in `op.create_table` and
        `op.create_foreign_key`, by local columns, referenced table and columns, and `ondelete`.
        A class whose foreign keys cannot all be read (a `ForeignKeyConstraint` in
        `__table_args__`) is not compared. A foreign key of a mixin's column is reported at its
        own line, naming the mapped class.
        """
    why_bad = """
        `ondelete="CASCADE"` in the model with a plain foreign key in the database makes
        deleting a parent fail with `IntegrityError` (or leave orphans when the model relies on
        the database to cascade). Verified by the drift oracle test (`add_fk` / `remove_fk`).
        """
    invalid = (
        example(_MODELS_FK + '''

    class Book(Base):
        __tablename__ = "book"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))  # ORM708
''' + _INIT + '''
        op.create_table(
            "book",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("author_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["author_id"], ["author.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
'''),
    )
    valid = (
        example(_MODELS_FK + '''

    class Book(Base):
        __tablename__ = "book"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))
''' + _INIT + '''
        op.create_table(
            "book",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("author_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["author_id"], ["author.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
'''),
    )


class RevisionGraphBroken(ProjectRule):
    code = "ORM709"
    located_in_migrations = True
    name = "revision-graph-broken"
    summary = "migrations with several heads, a down_revision that names no revision, or duplicates"
    catches = (
        "several heads, a `down_revision` naming no revision, duplicate ids, cycles (migrations)"
    )
    message = "{detail}"
    what_it_does = """
        Builds the Alembic revision graph from `revision`, `down_revision` (a string, a tuple
        for merges, or None) and `depends_on` of every revision file, and reports a
        `down_revision` or `depends_on` that names no known revision, more than one head, the
        same revision id in two files, and cycles. Several heads are by design when each lies
        on a branch of its own label (`branch_labels`, e.g. expand/contract, upgraded as
        `expand@head`): not reported. A revision file that does not parse (Python 2 syntax)
        still has its plain `revision =`/`down_revision =` lines read; when even those cannot
        be read, heads and broken links are not reported, since the file may hold the merge or
        the missing revision. Each Alembic environment of the repository (each alembic.ini or
        env.py with its versions) is a graph of its own, and so is each directory an env.py
        sets as `version_locations` when it runs (parallel histories per dialect may reuse the
        same revision ids: not duplicates). When env.py computes those directories in a way
        ormlint does not read, the versions directory and each of its subdirectories are taken
        as histories, and their heads and links are not reported (which of them Alembic reads
        together is not known).
        """
    why_bad = """
        `alembic upgrade head` refuses to run: "Multiple head revisions are present for given
        argument 'head'" after two branches each added a migration, or a `KeyError` /
        "Revision ... referenced from ... is not present" for a broken chain. Deployments fail
        at the migration step. Verified by this rule's oracle test with Alembic's
        `ScriptDirectory`.
        """
    fix_safety = "No automatic fix: `alembic merge heads` writes the merge revision."
    references = ("https://alembic.sqlalchemy.org/en/latest/branches.html",)
    _TWO_HEADS = '''
    # file: alembic.ini
    [alembic]
    script_location = %(here)s/migrations

    # file: migrations/versions/0001_init.py
    revision = "0001"
    down_revision = None


    def upgrade():
        pass

    # file: migrations/versions/0002_add_email.py
    revision = "0002"  # ORM709
    down_revision = "0001"


    def upgrade():
        pass

    # file: migrations/versions/0003_add_phone.py
    revision = "0003"  # ORM709
    down_revision = "0001"


    def upgrade():
        pass
'''
    invalid = (example(_TWO_HEADS),)
    valid = (
        example(_TWO_HEADS.replace("  # ORM709", "") + '''
    # file: migrations/versions/0004_merge.py
    revision = "0004"
    down_revision = ("0002", "0003")


    def upgrade():
        pass
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        migrations = index.migrations
        if migrations is None:
            return
        for directory in migrations.directories:
            graph = directory.graph
            # a missing link may be in an unread file, or (a guessed run-time history) in
            # another directory env.py reads with this one
            unread = graph.may_hold_unread_revisions or directory.run_time_choice == "guessed"
            if len(graph.heads) > 1 and not graph.heads_by_design and not unread:
                heads = ", ".join(graph.heads)
                for head in graph.heads:
                    revision = graph.revisions[head]
                    yield self._at(
                        revision.path, revision.location,
                        f"revision `{head}` is one of {len(graph.heads)} heads ({heads}): "
                        "`alembic upgrade head` refuses to run; merge them with "
                        "`alembic merge heads`",
                    )
            for link in graph.broken_links if not unread else ():
                revision = graph.revisions[link.revision]
                yield self._at(
                    revision.path, revision.location,
                    f"revision `{link.revision}` has {link.kind} `{link.missing}`, which names no "
                    "revision of the migrations: Alembic cannot build the history; point it at an "
                    "existing revision",
                )
            for rid, paths in graph.duplicates.items():
                kept = graph.revisions[rid]
                for path in paths:
                    if path != paths[0]:
                        where = kept.location if path == kept.path else Location(1, 1, 1, 1)
                        yield self._at(
                            path, where,
                            f"revision id `{rid}` is also declared in {paths[0]}: Alembic keeps one "
                            "of them; give this revision a new id",
                        )
            for cycle in graph.cycles:
                revision = graph.revisions[cycle[0]]
                yield self._at(
                    revision.path, revision.location,
                    f"revisions {', '.join(cycle)} depend on each other in a cycle: Alembic cannot "
                    "order them",
                )

    def _at(self, path: str, location: Location, detail: str) -> ProjectViolation:
        return self.project_violation(path, location, detail=detail)


class MetadataMissesModels(ProjectRule):
    code = "ORM710"
    located_in_migrations = True
    name = "autogenerate-metadata-misses-models"
    summary = "env.py gives autogenerate no metadata, or metadata that cannot see some model modules"
    catches = (
        "env.py's `target_metadata` is None, or cannot see model modules no import chain from "
        "env.py reaches (migrations)"
    )
    message = "{detail}"
    what_it_does = """
        Reads `target_metadata` in Alembic's `env.py`. Reports `target_metadata = None` (unless
        the project's models declare no table: migrations written by hand), and,
        when it is `Base.metadata` (or a list of them), the model modules declaring classes of
        that base that no import chain from env.py reaches (directly, or through the package
        that defines the base). The chain is followed through the checked project's files;
        when it passes through a computed import (`importlib.import_module`, app factories
        that load modules by name) or a project module that is not checked, nothing is
        reported. Of several Alembic environments (services sharing `SQLModel.metadata`, say),
        each env.py is asked only about the model modules under its own root (the directory of
        its alembic.ini, else its script directory's parent) that no other environment
        imports; an import that matches modules of several services (each with an
        `app.models`) is taken to load those under env.py's own root.
        """
    why_bad = """
        Autogenerate compares the database with the MetaData env.py hands it, and a table is
        in that MetaData only once its class's module has been imported. With
        `target_metadata = None`, `alembic revision --autogenerate` stops with "Can't proceed
        with --autogenerate option; environment script ... does not provide a MetaData object";
        with a base whose model modules are not imported, Alembic's `compare_metadata` proposes
        `remove_table` for every table of those modules, and a reviewer who trusts the
        generated migration drops live tables. Both verified by this rule's oracle test.
        """
    fix_safety = "No automatic fix: import the model modules in env.py, or in the package that defines the base."
    references = (
        "https://alembic.sqlalchemy.org/en/latest/autogenerate.html#controlling-what-to-be-autogenerated",
    )
    _PROJECT = '''
    # file: app/__init__.py

    # file: app/base.py
    from sqlalchemy.orm import DeclarativeBase


    class Base(DeclarativeBase):
        pass

    # file: app/models.py
    from sqlalchemy.orm import Mapped, mapped_column

    from app.base import Base


    class Author(Base):
        __tablename__ = "author"
        id: Mapped[int] = mapped_column(primary_key=True)

    # file: alembic.ini
    [alembic]
    script_location = %(here)s/migrations

    # file: migrations/env.py
    from app.base import Base

    target_metadata = Base.metadata  # ORM710

    # file: migrations/versions/0001_init.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table("author", sa.Column("id", sa.Integer(), primary_key=True))
'''
    invalid = (example(_PROJECT),)
    valid = (
        example(_PROJECT.replace(
            "    from app.base import Base\n\n    target_metadata = Base.metadata  # ORM710",
            "    import app.models  # noqa: F401  (registers the models on Base.metadata)\n"
            "    from app.base import Base\n\n    target_metadata = Base.metadata",
        )),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        import ast

        from ormlint.migrations.environment import read_source, target_metadata_value

        migrations = index.migrations
        if migrations is None:
            return
        envs = dict.fromkeys(d.env_path for d in migrations.directories if d.env_path is not None)
        for env in envs:  # once per env.py, however many histories it runs
            source = read_source(env)
            found = target_metadata_value(source) if source is not None else None
            if found is None:
                continue
            value, location = found
            if isinstance(value, ast.Constant) and value.value is None:
                if not self._has_models(index, env):
                    continue  # no models to give it: migrations written by hand, raw SQL
                yield self.project_violation(
                    env, location,
                    detail="`target_metadata = None`: autogenerate has no models to compare and "
                    "`alembic revision --autogenerate` refuses to run; set it to your declarative "
                    "base's `metadata` (e.g. `from app.models import Base; target_metadata = "
                    "Base.metadata`)",
                )
                continue
            if not _imported_dotted_names(value, source):
                continue  # e.g. Flask-Migrate's `current_app.extensions["migrate"].db.metadata`:
                # the running app, not env.py's imports, decides what the metadata holds
            missing = self._unreachable(index, env)
            if missing:
                shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                yield self.project_violation(
                    env, location,
                    detail=f"`target_metadata` cannot see the models in {shown}: no module env.py "
                    "imports (directly or indirectly) imports them, so autogenerate proposes to "
                    "drop their tables; import them in env.py or in the package that defines the "
                    "base",
                )

    @staticmethod
    def _has_models(index: ProjectIndex, env: str) -> bool:
        """Whether there are models to give env.py's metadata. Of several environments (services,
        a plugin's hand-written history), only the model files that are its own count; when
        which ones are its own is not known, none do."""
        from ormlint.drift import environment_models, model_schema, models_index

        migrations = index.migrations
        if len({d.env_path for d in migrations.directories if d.env_path is not None}) > 1:
            found = environment_models(index).get(env)
            return found is not None and bool(found.files)
        return bool(model_schema(models_index(index), migrations.paths).schema.tables)

    @staticmethod
    def _unreachable(index: ProjectIndex, env: str) -> list[str]:
        """The model modules of the metadata env.py names that no import chain from it reaches
        (of several environments, among the models under its own root only)."""
        from pathlib import Path

        from ormlint.drift import environment_index, environment_models, is_test_module, target_roots

        if not (index.whole_project and index.complete):
            return []
        found = environment_models(index).get(env)
        if found is None or found.reached is None:
            return []
        models = environment_index(index, env)
        mapped = [
            (facts.path, cls) for facts in models.files for cls in facts.classes
            if cls.kind in ("mapped", "unknown") and cls.declares_mapping
            and (cls.tablename or cls.shares_parent_table) and not is_test_module(facts.path)
        ]
        roots = {models.declarative_root(path, cls) for path, cls in mapped}
        targets = target_roots(models, Path(env), roots)
        if not targets:
            return []
        return sorted({
            path for path, cls in mapped
            if path not in found.reached and (found.own is None or path in found.own)
            and models.declarative_root(path, cls) in targets
        })


def _imported_dotted_names(value, source: str) -> bool:
    """`Base.metadata`, `models.Base.metadata` or a list of them, each starting with a name that
    env.py imports: only then do env.py's imports decide what the metadata can see."""
    import ast

    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
    items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    for item in items:
        while isinstance(item, ast.Attribute):
            item = item.value
        if not (isinstance(item, ast.Name) and item.id in imported):
            return False
    return bool(items)
