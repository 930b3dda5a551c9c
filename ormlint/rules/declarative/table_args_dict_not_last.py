"""ORM502 table-args-dict-not-last: a dict of table options in `__table_args__` that is not the
last element"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import dotted_name
from ormlint.model.types import FileModel

from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.declarative._common import TABLE_ARGS_REFERENCES, node_code, short


def _is_dict_item(item: cst.BaseExpression, model: FileModel) -> bool:
    if isinstance(item, (cst.Dict, cst.DictComp)):
        return True
    return (
        isinstance(item, cst.Call)
        and dotted_name(item.func) == "dict"
        and "dict" not in model.module_bindings
    )


class TableArgsDictNotLast(Rule):
    code = "ORM502"
    name = "table-args-dict-not-last"
    summary = "a dict of table options in `__table_args__` that is not the last element"
    catches = "a dict of table options that is not the last element of `__table_args__`"
    message = (
        "the options dict in `__table_args__` must be the last element of the tuple; "
        "here it is followed by {following}: SQLAlchemy passes it to Table() as a schema item "
        "and raises ArgumentError when the class is defined; move `{options}` to the end"
    )
    what_it_does = """
        Checks a `__table_args__` tuple for a dict (a literal, a comprehension or `dict(...)`)
        followed by another element. Only the last element of the tuple may be the dict of
        keyword arguments for `Table` (`schema`, `comment`, `mysql_engine`, ...). A dict followed
        only by unpacked elements (`({...}, *extra)`) is not reported: they may be empty.
        """
    why_bad = """
        Declarative takes the dict from the last position only; anywhere else it is passed on
        as a positional `Table` argument, which must be a column or constraint. The class cannot
        be defined: `ArgumentError: 'SchemaItem' object, such as a 'Column' or a 'Constraint'
        expected, got {'comment': 'Registered users'}` (verified by this rule's oracle test).
        The options are not silently dropped; the application does not start.
        """
    fix_safety = "No automatic fix yet. Moving the dict to the end of the tuple is safe."
    references = TABLE_ARGS_REFERENCES
    invalid = (
        example('''
            from sqlalchemy import UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    {"comment": "Registered users"},  # ORM502:9
                    UniqueConstraint("email", name="uq_users_email"),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    UniqueConstraint("email", name="uq_users_email"),
                    {"comment": "Registered users"},
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            args = cls.table_args
            if args.shape != "tuple":
                continue
            starred = args.starred or (False,) * len(args.items)
            for position, item in enumerate(args.items):
                if starred[position] or not _is_dict_item(item, model):
                    continue
                following = [
                    later for later, is_starred in zip(args.items[position + 1:], starred[position + 1:])
                    if not is_starred
                ]
                if not following:
                    continue
                first = following[0]
                described = (
                    "another dict" if _is_dict_item(first, model)
                    else f"`{short(node_code(model, first), 40)}`"
                )
                if len(following) > 1:
                    described += f" and {len(following) - 1} more"
                yield self.violation(
                    item, following=described, options=short(node_code(model, item), 50)
                )
