"""ORM603 foreign-key-type-mismatch: a foreign-key column whose SQL type differs from the
referenced column's"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ColumnFacts, Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example
from ormlint.rules.foreign_keys._common import referenced_tables


# SQL types in families whose values cannot be compared with another family's by a foreign key.
_TYPE_FAMILIES = {
    "Integer": "integer", "SmallInteger": "integer", "BigInteger": "integer", "INTEGER": "integer",
    "BIGINT": "integer", "SMALLINT": "integer", "Uuid": "uuid", "UUID": "uuid",
    "String": "string", "Unicode": "string", "Text": "string", "UnicodeText": "string",
    "VARCHAR": "string", "CHAR": "string", "TEXT": "string", "NVARCHAR": "string",
    "DateTime": "datetime", "Date": "date", "Numeric": "numeric", "Boolean": "boolean",
}

_INTEGER_WIDTH = {"SmallInteger": 2, "SMALLINT": 2, "Integer": 4, "INTEGER": 4, "BigInteger": 8, "BIGINT": 8}


def _type_mismatch(fk: ColumnFacts, target: ColumnFacts) -> bool:
    if fk.sql_type is None or target.sql_type is None:
        return False
    head_fk, head_target = fk.sql_type.partition("(")[0], target.sql_type.partition("(")[0]
    family_fk, family_target = _TYPE_FAMILIES.get(head_fk), _TYPE_FAMILIES.get(head_target)
    if family_fk is None or family_target is None:
        return False
    if family_fk != family_target:
        return True
    # Within a family only explicit types are compared: a project's type_annotation_map may
    # turn `int` into BigInteger.
    if fk.sql_type_from_annotation or target.sql_type_from_annotation:
        return False
    if family_fk == "integer":
        return _INTEGER_WIDTH.get(head_fk) != _INTEGER_WIDTH.get(head_target)
    return False


class ForeignKeyTypeMismatch(ProjectRule):
    code = "ORM603"
    name = "foreign-key-type-mismatch"
    summary = "a foreign-key column whose SQL type differs from the referenced column's"
    catches = (
        "a foreign-key column whose type differs from the referenced column's (`String(36)` to "
        "`Uuid`, `Integer` to `BigInteger`) (project)"
    )
    message = (
        '`{column}` is {fk_type} but references "{target}", which is {target_type}: declare the '
        "foreign-key column with the referenced column's type ({target_type})"
    )
    what_it_does = """
        Compares the SQL type of each foreign-key column with the type of the column it
        references, across files: different families (an `Integer` key referencing a `Uuid`, a
        `String(36)` referencing a `Uuid`) and integer widths (`Integer` referencing
        `BigInteger`) when both types are written explicitly. Types from a `Mapped[...]`
        annotation are compared by family only (a project's `type_annotation_map` may widen
        them); custom types, and foreign keys without a type of their own, are not compared.
        The referenced column is looked up in the target's schema, as ORM602 looks it up
        (`"auth.users.id"` is not the `id` of the default schema's `users`).
        """
    why_bad = """
        The DDL declares incompatible columns (verified by this rule's oracle test on the
        compiled PostgreSQL DDL): PostgreSQL refuses the constraint (`foreign key constraint
        cannot be implemented: Key columns ... are of incompatible types: character varying
        and uuid`), and an `INTEGER` key referencing a `BIGINT` key is accepted until the
        parent's ids pass 2^31, when inserting children starts to fail.
        """
    invalid = (
        example('''
            import uuid
            from typing import Optional

            from sqlalchemy import ForeignKey, String, Uuid
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "account"
                id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_id: Mapped[Optional[str]] = mapped_column(String(36), ForeignKey("account.id"))  # ORM603:5
            '''),
    )
    valid = (
        example('''
            import uuid
            from typing import Optional

            from sqlalchemy import ForeignKey, Uuid
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "account"
                id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_id: Mapped[Optional[uuid.UUID]] = mapped_column(Uuid, ForeignKey("account.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for facts in index.files:
            if facts.is_revision:
                continue  # a snapshot of the schema a revision once saw, not a model
            all_columns = [c for cls in facts.classes for c in cls.columns] + [
                c for table in facts.tables for c in table.columns
            ]
            for column in all_columns:
                for target, _ in column.foreign_keys:
                    parts = target.split(".")
                    if len(parts) not in (2, 3):
                        continue
                    schema, table, name = parts if len(parts) == 3 else (None, *parts)
                    referenced = next((
                        found for t in referenced_tables(index, schema, table) or ()
                        if (found := (t.columns or {}).get(name)) is not None
                    ), None)
                    if referenced is None or not _type_mismatch(column, referenced):
                        continue
                    yield self.project_violation(
                        facts.path, column.location or Location(1, 1, 1, 1),
                        column=column.attr or column.name, fk_type=column.sql_type,
                        target=target, target_type=referenced.sql_type,
                    )
