"""ORM716: a partial index whose predicate differs between the models and the migrations."""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _INIT, _MODELS, _DriftRule

_PARTIAL = _MODELS.replace(
    "from sqlalchemy import String", "from sqlalchemy import Index, String, text",
).replace(
    '__tablename__ = "author"\n',
    '__tablename__ = "author"\n'
    '        __table_args__ = (Index("ix_author_name", "name", postgresql_where=text("name <> \'\'")),)\n',
)
_CREATE_INDEX = '        op.create_index("ix_author_name", "author", ["name"]{where})\n'


class IndexPredicateDiffers(_DriftRule):
    code = "ORM716"
    name = "index-predicate-differs"
    summary = "a partial index's predicate differs between the models and the migrations"
    catches = "a partial index (`postgresql_where=`/`sqlite_where=`) plain, or with another condition, in the migrations"
    what_it_does = """
        Compares the predicate of each index (`postgresql_where=` on PostgreSQL,
        `sqlite_where=` on SQLite, whichever the history is replayed for) with the migrations'
        (`op.create_index(..., postgresql_where=...)`, `sa.Index(...)` in `op.create_table`):
        a partial index on one side and a plain one on the other, or two conditions that
        differ, compared as ORM711 compares CHECK conditions (case, spaces, parentheses,
        quoting of lower-case names, number spelling). An index of the model is paired with
        the migrations' index on the same columns and uniqueness (and name, when both are
        named), when each side has one such index. Not compared: a predicate that is not
        `text("...")` or a string (a column expression such as `User.deleted_at.is_(None)`),
        expression indexes, a table whose indexes are not all known.
        """
    why_bad = """
        Alembic's `compare_metadata` does not compare index predicates: it reports nothing
        (verified by this rule's oracle test on PostgreSQL 15, where `pg_get_expr(indpred)`
        shows the migrations' predicate or none). A unique partial index the model documents
        is a plain unique index in the database, which refuses rows the model allows (two
        soft-deleted rows of one email); a plain index the model wants is partial, and
        queries outside its condition cannot use it.
        """
    fix_safety = (
        "No automatic fix: whether the model or the migrations are right is the author's call. "
        "`ormlint migrations revision` drops the index and creates the model's (a predicate cannot "
        "be altered); an unnamed index in the migrations is left to the author."
    )
    invalid = (
        example(_PARTIAL.replace("'\")),)\n", "'\")),)  # ORM716\n") + _INIT + _CREATE_INDEX.format(where="")),
    )
    valid = (
        example(_PARTIAL + _INIT + _CREATE_INDEX.format(where=', postgresql_where=sa.text("(NAME<>\'\')")')),
    )
