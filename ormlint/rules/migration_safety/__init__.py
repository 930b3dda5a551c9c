"""Migration safety (ORM72x-ORM74x): revisions that fail on deploy or lock busy tables.

Drift asks whether the migrations match the models; these rules ask whether a new revision
is safe to run against a database that already holds data. History is not re-judged: a rule
judges the revision files named on the command line (a pre-commit hook, an editor), and on
directory runs the head revisions only, or the revisions after `migration-safety-since`, or
every revision with `--all-revisions` (`revisions_to_judge`). Whether a table "existed before"
a revision comes from the replay of that revision's ancestors.

Each rule is one module of this package; `judged.py` holds what they share.
"""

from ormlint.rules.migration_safety.column_type_rewrite import ColumnTypeRewrite
from ormlint.rules.migration_safety.column_type_without_using import ColumnTypeWithoutUsing
from ormlint.rules.migration_safety.constraint_not_valid import ConstraintNotValid
from ormlint.rules.migration_safety.downgrade_leaves_enum_type import DowngradeLeavesEnumType
from ormlint.rules.migration_safety.enum_type_created_twice import EnumTypeCreatedTwice
from ormlint.rules.migration_safety.enum_value_in_transaction import EnumValueInTransaction
from ormlint.rules.migration_safety.index_not_concurrent import IndexNotConcurrent
from ormlint.rules.migration_safety.not_null_column_without_default import NotNullColumnWithoutDefault
from ormlint.rules.migration_safety.rename_or_drop_mapped import RenameOrDropMapped
from ormlint.rules.migration_safety.revision_imports_models import RevisionImportsModels
from ormlint.rules.migration_safety.set_not_null import SetNotNull
from ormlint.rules.migration_safety.sqlite_alter_outside_batch import SqliteAlterOutsideBatch
from ormlint.rules.migration_safety.unique_constraint_on_existing_table import UniqueConstraintOnExistingTable
from ormlint.rules.migration_safety.unnamed_constraint_drop import UnnamedConstraintDrop
from ormlint.rules.migration_safety.volatile_default_rewrite import VolatileDefaultRewrite

__all__ = [
    "ColumnTypeRewrite", "ColumnTypeWithoutUsing", "ConstraintNotValid", "SetNotNull",
    "UniqueConstraintOnExistingTable",
    "IndexNotConcurrent", "NotNullColumnWithoutDefault", "SqliteAlterOutsideBatch",
    "VolatileDefaultRewrite", "RenameOrDropMapped",
    "RevisionImportsModels", "EnumValueInTransaction",
    "UnnamedConstraintDrop", "EnumTypeCreatedTwice", "DowngradeLeavesEnumType",
]
