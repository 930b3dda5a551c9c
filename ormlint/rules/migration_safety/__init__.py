"""Migration safety (ORM72x-ORM74x): revisions that fail on deploy or lock busy tables.

Drift asks whether the migrations match the models; these rules ask whether a new revision
is safe to run against a database that already holds data. History is not re-judged: a rule
judges the revision files named on the command line (a pre-commit hook, an editor), and on
directory runs the head revisions only, or the revisions after `migration-safety-since`, or
every revision with `--all-revisions` (`revisions_to_judge`). Whether a table "existed before"
a revision comes from the replay of that revision's ancestors.

Each rule is one module of this package; `judged.py` holds what they share.
"""
