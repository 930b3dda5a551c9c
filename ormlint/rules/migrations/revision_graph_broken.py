"""ORM709 revision-graph-broken: migrations with several heads, a down_revision that names no
revision, or duplicates"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


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
    revision = "0002"  # ORM709:1
    down_revision = "0001"


    def upgrade():
        pass

    # file: migrations/versions/0003_add_phone.py
    revision = "0003"  # ORM709:1
    down_revision = "0001"


    def upgrade():
        pass
'''
    invalid = (example(_TWO_HEADS),)
    valid = (
        example(_TWO_HEADS.replace("  # ORM709:1", "") + '''
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
