"""ORM108 ambiguous-relationship-foreign-keys: a relationship between tables linked by several
foreign keys, without `foreign_keys=` or `primaryjoin=`"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation
from ormlint.rules.relationships._common import Schema, models_example, attribute_label


class AmbiguousRelationshipForeignKeys(ProjectRule):
    code = "ORM108"
    name = "ambiguous-relationship-foreign-keys"
    summary = "a relationship between tables linked by several foreign keys, without `foreign_keys=` or `primaryjoin=`"
    catches = (
        "a relationship between tables joined by several foreign keys without "
        "`foreign_keys=`/`primaryjoin=` (`AmbiguousForeignKeysError` at the first query) "
        "(project)"
    )
    message = (
        "{name}: {count} foreign keys link `{owner_table}` and `{target_table}` ({paths}), so "
        "SQLAlchemy cannot tell which one this relationship follows; name it with {suggestions}"
    )
    what_it_does = """
        Counts the foreign keys between the two tables of each `relationship()` the way
        SQLAlchemy does at mapper configuration (keys in either direction; for a joined-table
        subclass, its own table first) and reports a relationship given neither `foreign_keys=`
        nor `primaryjoin=` when there is more than one. Both sides are checked: `Order.billing_address`
        and `Address.orders` are ambiguous alike when `order` has `billing_address_id` and
        `shipping_address_id`. Classes in other files are followed; nothing is said when a class,
        its table or its columns cannot all be seen (a base from outside the project, a
        computed `__tablename__`) or when `**kwargs` may carry the missing argument.
        """
    why_bad = """
        Import succeeds; the first query (mapper configuration) fails, as this rule's oracle
        test shows: `AmbiguousForeignKeysError: Could not determine join condition between
        parent/child tables on relationship Order.billing_address - there are multiple foreign
        key paths linking the tables. Specify the 'foreign_keys' argument, providing a list of
        those columns which should be counted as containing a foreign key reference to the parent
        table.` Adding a second foreign key to a table breaks every existing relationship between
        the two classes at once.
        """
    references = (
        "SQLAlchemy: Handling Multiple Join Paths, https://docs.sqlalchemy.org/en/20/orm/join_conditions.html#handling-multiple-join-paths",
    )
    invalid = (
        models_example('''

            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                orders: Mapped[list["Order"]] = relationship()  # ORM108:5


            class Order(Base):
                __tablename__ = "order"
                id: Mapped[int] = mapped_column(primary_key=True)
                billing_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                shipping_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                billing_address: Mapped[Address] = relationship()  # ORM108:5
            '''),
    )
    valid = (
        models_example('''

            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                billed_orders: Mapped[list["Order"]] = relationship(
                    back_populates="billing_address", foreign_keys="Order.billing_address_id"
                )


            class Order(Base):
                __tablename__ = "order"
                id: Mapped[int] = mapped_column(primary_key=True)
                billing_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                shipping_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                billing_address: Mapped[Address] = relationship(
                    back_populates="billed_orders", foreign_keys=[billing_address_id]
                )
                shipping_address: Mapped[Address] = relationship(foreign_keys=[shipping_address_id])
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        schema = Schema.of(index)
        for owner, rel in schema.relationships():
            if rel.keywords & {"foreign_keys", "primaryjoin", "secondary", "secondaryjoin"}:
                continue
            target = schema.target(owner.path, rel)
            if target is None:
                continue
            paths = schema.join(owner, target, None)
            if not paths or len(paths) < 2:
                continue
            suggestions = []
            for path in paths:
                column = (schema.columns(path.table) or {}).get(path.column)
                cls = owner if path.on_owner else target
                attr = column.attr if column is not None and column.attr else path.column
                suggestions.append(f'`foreign_keys="{cls.cls.name}.{attr}"`')
            yield self.project_violation(
                owner.path, rel.location, name=attribute_label(owner, rel), count=len(paths),
                owner_table=owner.table[1], target_table=target.table[1],
                paths=", ".join(p.describe() for p in paths),
                suggestions=" or ".join(suggestions),
            )
