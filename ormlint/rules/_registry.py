"""Every rule class, sorted by code: generated from the rule modules under ormlint/rules/
by `python scripts/generate_rules.py`; do not edit."""

from __future__ import annotations

from ormlint.rules.relationships.relationship_argument_is_builtin import RelationshipArgumentIsBuiltin
from ormlint.rules.relationships.back_populates_missing import BackPopulatesMissing
from ormlint.rules.relationships.back_populates_not_reciprocal import BackPopulatesNotReciprocal
from ormlint.rules.relationships.relationship_target_not_found import RelationshipTargetNotFound
from ormlint.rules.relationships.overlapping_relationships_not_linked import OverlappingRelationshipsNotLinked
from ormlint.rules.relationships.relationship_collection_scalar_contradiction import RelationshipCollectionScalarContradiction
from ormlint.rules.relationships.invalid_relationship_cascade import InvalidRelationshipCascade
from ormlint.rules.relationships.ambiguous_relationship_foreign_keys import AmbiguousRelationshipForeignKeys
from ormlint.rules.relationships.backref_with_back_populates import BackrefWithBackPopulates
from ormlint.rules.relationships.annotation_target_not_found import AnnotationTargetNotFound
from ormlint.rules.relationships.self_reference_without_remote_side import SelfReferenceWithoutRemoteSide
from ormlint.rules.relationships.dynamic_with_list_annotation import DynamicWithListAnnotation
from ormlint.rules.relationships.secondary_mapped_class import SecondaryMappedClass
from ormlint.rules.relationships.secondary_required_column import SecondaryRequiredColumn
from ormlint.rules.relationships.duplicate_class_name import DuplicateClassName
from ormlint.rules.columns.optional_mapped_not_null import OptionalMappedNotNull
from ormlint.rules.columns.mapped_not_optional_but_nullable import MappedNotOptionalButNullable
from ormlint.rules.columns.mapped_type_contradicts_sql_type import MappedTypeContradictsSqlType
from ormlint.rules.columns.reserved_attribute_name import ReservedAttributeName
from ormlint.rules.columns.duplicate_mapped_attribute import DuplicateMappedAttribute
from ormlint.rules.columns.type_checking_only_annotation import TypeCheckingOnlyAnnotation
from ormlint.rules.columns.sql_type_in_mapped_annotation import SqlTypeInMappedAnnotation
from ormlint.rules.columns.mapped_class_column_annotation import MappedClassColumnAnnotation
from ormlint.rules.columns.string_without_length import StringWithoutLength
from ormlint.rules.columns.enum_stores_names import EnumStoresNames
from ormlint.rules.defaults.server_default_sql_string import ServerDefaultSqlString
from ormlint.rules.defaults.frozen_default import FrozenDefault
from ormlint.rules.defaults.invalid_default_value import InvalidDefaultValue
from ormlint.rules.defaults.mutable_default import MutableDefault
from ormlint.rules.defaults.sqlite_boolean_text_default import SqliteBooleanTextDefault
from ormlint.rules.defaults.naive_default_on_aware_column import NaiveDefaultOnAwareColumn
from ormlint.rules.defaults.aware_default_on_naive_column import AwareDefaultOnNaiveColumn
from ormlint.rules.indexes.duplicate_index import DuplicateIndex
from ormlint.rules.indexes.index_name_reused import IndexNameReused
from ormlint.rules.indexes.identifier_too_long import IdentifierTooLong
from ormlint.rules.indexes.constraint_names_missing_column import ConstraintNamesMissingColumn
from ormlint.rules.indexes.index_on_primary_key import IndexOnPrimaryKey
from ormlint.rules.indexes.index_on_another_table import IndexOnAnotherTable
from ormlint.rules.indexes.unnamed_constraint import UnnamedConstraint
from ormlint.rules.declarative.table_args_not_tuple_or_dict import TableArgsNotTupleOrDict
from ormlint.rules.declarative.table_args_dict_not_last import TableArgsDictNotLast
from ormlint.rules.declarative.duplicate_tablename import DuplicateTablename
from ormlint.rules.declarative.no_primary_key import NoPrimaryKey
from ormlint.rules.declarative.dataclass_field_order import DataclassFieldOrder
from ormlint.rules.declarative.polymorphic_identity import PolymorphicIdentity
from ormlint.rules.declarative.mixin_property_without_declared_attr import MixinPropertyWithoutDeclaredAttr
from ormlint.rules.declarative.shared_sa_column import SharedSaColumn
from ormlint.rules.foreign_keys.set_null_on_not_null_column import SetNullOnNotNullColumn
from ormlint.rules.foreign_keys.foreign_key_target_not_found import ForeignKeyTargetNotFound
from ormlint.rules.foreign_keys.foreign_key_type_mismatch import ForeignKeyTypeMismatch
from ormlint.rules.foreign_keys.invalid_referential_action import InvalidReferentialAction
from ormlint.rules.foreign_keys.referential_action_on_column import ReferentialActionOnColumn
from ormlint.rules.foreign_keys.foreign_key_target_not_unique import ForeignKeyTargetNotUnique
from ormlint.rules.migrations.mapped_table_not_migrated import MappedTableNotMigrated
from ormlint.rules.migrations.migrated_table_not_mapped import MigratedTableNotMapped
from ormlint.rules.migrations.column_not_migrated import ColumnNotMigrated
from ormlint.rules.migrations.column_type_differs import ColumnTypeDiffers
from ormlint.rules.migrations.column_nullability_differs import ColumnNullabilityDiffers
from ormlint.rules.migrations.index_not_migrated import IndexNotMigrated
from ormlint.rules.migrations.server_default_differs import ServerDefaultDiffers
from ormlint.rules.migrations.foreign_key_differs import ForeignKeyDiffers
from ormlint.rules.migrations.revision_graph_broken import RevisionGraphBroken
from ormlint.rules.migrations.autogenerate_metadata_misses_models import AutogenerateMetadataMissesModels
from ormlint.rules.migrations.check_constraint_differs import CheckConstraintDiffers
from ormlint.rules.migrations.comment_differs import CommentDiffers
from ormlint.rules.migrations.computed_differs import ComputedDiffers
from ormlint.rules.migrations.identity_differs import IdentityDiffers
from ormlint.rules.migrations.primary_key_differs import PrimaryKeyDiffers
from ormlint.rules.migrations.index_predicate_differs import IndexPredicateDiffers
from ormlint.rules.migrations.enum_values_differ import EnumValuesDiffer
from ormlint.rules.migration_safety.not_null_column_added_without_default import NotNullColumnAddedWithoutDefault
from ormlint.rules.migration_safety.index_not_built_concurrently import IndexNotBuiltConcurrently
from ormlint.rules.migration_safety.constraint_added_without_not_valid import ConstraintAddedWithoutNotValid
from ormlint.rules.migration_safety.unique_constraint_built_under_lock import UniqueConstraintBuiltUnderLock
from ormlint.rules.migration_safety.not_null_set_on_existing_column import NotNullSetOnExistingColumn
from ormlint.rules.migration_safety.column_type_change_rewrites_table import ColumnTypeChangeRewritesTable
from ormlint.rules.migration_safety.column_type_change_without_using import ColumnTypeChangeWithoutUsing
from ormlint.rules.migration_safety.sqlite_alter_outside_batch import SqliteAlterOutsideBatch
from ormlint.rules.migration_safety.volatile_default_rewrites_table import VolatileDefaultRewritesTable
from ormlint.rules.migration_safety.rename_or_drop_of_mapped_name import RenameOrDropOfMappedName
from ormlint.rules.migration_safety.revision_imports_models import RevisionImportsModels
from ormlint.rules.migration_safety.enum_value_used_in_its_transaction import EnumValueUsedInItsTransaction
from ormlint.rules.migration_safety.unnamed_constraint_drop import UnnamedConstraintDrop
from ormlint.rules.migration_safety.enum_type_created_twice import EnumTypeCreatedTwice
from ormlint.rules.migration_safety.downgrade_leaves_enum_type import DowngradeLeavesEnumType
from ormlint.rules.migration_safety.enum_type_not_created import EnumTypeNotCreated
from ormlint.rules.migration_safety.update_or_delete_without_where import UpdateOrDeleteWithoutWhere
from ormlint.rules.migration_safety.data_change_beside_ddl import DataChangeBesideDdl
from ormlint.rules.migration_safety.lock_without_timeout import LockWithoutTimeout
from ormlint.rules.security.plaintext_credential_column import PlaintextCredentialColumn
from ormlint.rules.modernisation.legacy_declarative_base import LegacyDeclarativeBase
from ormlint.rules.modernisation.legacy_column import LegacyColumn
from ormlint.rules.modernisation.backref_to_back_populates import BackrefToBackPopulates
from ormlint.rules.modernisation.dynamic_to_write_only import DynamicToWriteOnly

RULE_CLASSES = (
    RelationshipArgumentIsBuiltin,
    BackPopulatesMissing,
    BackPopulatesNotReciprocal,
    RelationshipTargetNotFound,
    OverlappingRelationshipsNotLinked,
    RelationshipCollectionScalarContradiction,
    InvalidRelationshipCascade,
    AmbiguousRelationshipForeignKeys,
    BackrefWithBackPopulates,
    AnnotationTargetNotFound,
    SelfReferenceWithoutRemoteSide,
    DynamicWithListAnnotation,
    SecondaryMappedClass,
    SecondaryRequiredColumn,
    DuplicateClassName,
    OptionalMappedNotNull,
    MappedNotOptionalButNullable,
    MappedTypeContradictsSqlType,
    ReservedAttributeName,
    DuplicateMappedAttribute,
    TypeCheckingOnlyAnnotation,
    SqlTypeInMappedAnnotation,
    MappedClassColumnAnnotation,
    StringWithoutLength,
    EnumStoresNames,
    ServerDefaultSqlString,
    FrozenDefault,
    InvalidDefaultValue,
    MutableDefault,
    SqliteBooleanTextDefault,
    NaiveDefaultOnAwareColumn,
    AwareDefaultOnNaiveColumn,
    DuplicateIndex,
    IndexNameReused,
    IdentifierTooLong,
    ConstraintNamesMissingColumn,
    IndexOnPrimaryKey,
    IndexOnAnotherTable,
    UnnamedConstraint,
    TableArgsNotTupleOrDict,
    TableArgsDictNotLast,
    DuplicateTablename,
    NoPrimaryKey,
    DataclassFieldOrder,
    PolymorphicIdentity,
    MixinPropertyWithoutDeclaredAttr,
    SharedSaColumn,
    SetNullOnNotNullColumn,
    ForeignKeyTargetNotFound,
    ForeignKeyTypeMismatch,
    InvalidReferentialAction,
    ReferentialActionOnColumn,
    ForeignKeyTargetNotUnique,
    MappedTableNotMigrated,
    MigratedTableNotMapped,
    ColumnNotMigrated,
    ColumnTypeDiffers,
    ColumnNullabilityDiffers,
    IndexNotMigrated,
    ServerDefaultDiffers,
    ForeignKeyDiffers,
    RevisionGraphBroken,
    AutogenerateMetadataMissesModels,
    CheckConstraintDiffers,
    CommentDiffers,
    ComputedDiffers,
    IdentityDiffers,
    PrimaryKeyDiffers,
    IndexPredicateDiffers,
    EnumValuesDiffer,
    NotNullColumnAddedWithoutDefault,
    IndexNotBuiltConcurrently,
    ConstraintAddedWithoutNotValid,
    UniqueConstraintBuiltUnderLock,
    NotNullSetOnExistingColumn,
    ColumnTypeChangeRewritesTable,
    ColumnTypeChangeWithoutUsing,
    SqliteAlterOutsideBatch,
    VolatileDefaultRewritesTable,
    RenameOrDropOfMappedName,
    RevisionImportsModels,
    EnumValueUsedInItsTransaction,
    UnnamedConstraintDrop,
    EnumTypeCreatedTwice,
    DowngradeLeavesEnumType,
    EnumTypeNotCreated,
    UpdateOrDeleteWithoutWhere,
    DataChangeBesideDdl,
    LockWithoutTimeout,
    PlaintextCredentialColumn,
    LegacyDeclarativeBase,
    LegacyColumn,
    BackrefToBackPopulates,
    DynamicToWriteOnly,
)
