"""What the database generates a column's values from (ORM713, ORM714), read from the column's
positional items, the same way for a model's `Column`/`mapped_column` and a migration's
`sa.Column`: `Computed("expr", persisted=...)`, `Identity(...)`, `Sequence("name")`.

Plain data for the facts and the replay: `computed` is (SQL text, persisted: True/False/None as
written) or None; `identity` the Identity options written as literals, with PostgreSQL's defaults
for `always`, `start`, `increment` and `cycle`, sorted, or None; `sequence` the Sequence's name or
None; `generated_known` False when one of them (or `*args`) cannot be read; `autoincrement` False
when `autoincrement=` rules out SERIAL (or cannot be read).
"""

from __future__ import annotations

import libcst as cst

from ormlint.model.names import ImportTable, bool_value, string_value

# Identity() options whose PostgreSQL default is known whatever the column's type
IDENTITY_DEFAULTS = {"always": False, "start": 1, "increment": 1, "cycle": False}
_IDENTITY_OPTIONS = {
    "always", "on_null", "start", "increment", "minvalue", "maxvalue", "nominvalue", "nomaxvalue",
    "cycle", "cache", "order",
}

NOT_GENERATED = {"computed": None, "identity": None, "sequence": None, "generated_known": True, "autoincrement": True}
UNKNOWN = {"computed": None, "identity": None, "sequence": None, "generated_known": False, "autoincrement": True}


def generated_fields(call: cst.Call, imports: ImportTable) -> dict:
    """The fields above for a column constructor call."""
    if any(arg.star for arg in call.args):
        return dict(UNKNOWN)
    found = dict(NOT_GENERATED)
    for arg in call.args:
        value = arg.value
        if arg.keyword is not None and arg.keyword.value == "autoincrement":
            # SERIAL only when it may be (True, "auto"); False, "ignore_fk" or unreadable: not claimed
            found["autoincrement"] = bool_value(value) is True or string_value(value) == "auto"
        if (arg.keyword is None and isinstance(value, (cst.Name, cst.Attribute)) and imports.symbol(value) is None
                and not (isinstance(value, cst.Name) and value.value == "None")):
            return dict(UNKNOWN)  # a name bound elsewhere (`PK_IDENTITY = Identity()`) may hold one
        if arg.keyword is not None or not isinstance(value, cst.Call):
            continue
        symbol = imports.symbol(value.func)
        if symbol == "Computed":
            found["computed"] = _computed(value)
        elif symbol == "Identity":
            found["identity"] = _identity(value)
        elif symbol == "Sequence":
            positional = [a for a in value.args if a.keyword is None and not a.star]
            found["sequence"] = string_value(positional[0].value) if positional else None
            if found["sequence"] is None:
                found["generated_known"] = False
        else:
            continue
        if found["computed"] is _UNREADABLE or found["identity"] is _UNREADABLE:
            return dict(UNKNOWN)
    return found


_UNREADABLE = ("?",)


def _computed(call: cst.Call):
    sqltext = None
    persisted: bool | None = None
    for position, arg in enumerate(call.args):
        name = arg.keyword.value if arg.keyword is not None else ("sqltext", "persisted")[min(position, 1)]
        if arg.star:
            return _UNREADABLE
        if name == "sqltext":
            sqltext = string_value(arg.value)
        elif name == "persisted":
            if isinstance(arg.value, cst.Name) and arg.value.value == "None":
                continue
            persisted = bool_value(arg.value)
            if persisted is None:
                return _UNREADABLE
    return (sqltext, persisted) if sqltext is not None else _UNREADABLE


def _identity(call: cst.Call):
    options = dict(IDENTITY_DEFAULTS)
    for arg in call.args:
        if arg.star or arg.keyword is None or arg.keyword.value not in _IDENTITY_OPTIONS:
            return _UNREADABLE
        value = _literal(arg.value)
        if value is _UNREADABLE:
            return _UNREADABLE
        if value is not None:
            options[arg.keyword.value] = value
    return tuple(sorted(options.items()))


def _literal(node: cst.BaseExpression):
    if isinstance(node, cst.Name) and node.value == "None":
        return None
    flag = bool_value(node)
    if flag is not None:
        return flag
    negative = isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)
    number = node.expression if negative else node
    if isinstance(number, cst.Integer):
        try:
            value = int(number.value.replace("_", ""), 0)
        except ValueError:
            return _UNREADABLE
        return -value if negative else value
    return _UNREADABLE


def identity_change(new: cst.BaseExpression | None, existing: cst.BaseExpression | None, imports: ImportTable):
    """What `alter_column(server_default=new, existing_server_default=existing)` does to the
    column's Identity, as (options or None for dropped, known); None when it is no identity
    change (neither side is an `Identity(...)`)."""
    def identity_call(node):
        return isinstance(node, cst.Call) and imports.symbol(node.func) == "Identity"

    if identity_call(new):
        options = _identity(new)
        return (None, False) if options is _UNREADABLE else (options, True)
    if identity_call(existing) and (new is None or isinstance(new, cst.Name) and new.value == "None"):
        return (None, True)
    return None


def identity_differences(ours: tuple, theirs: tuple) -> list[str]:
    """The options two Identity()s both state and differ in (one given on one side only is not
    compared: its default depends on the column's type)."""
    mine, other = dict(ours), dict(theirs)
    return [f"{key}={mine[key]!r} against {other[key]!r}" for key in sorted(mine.keys() & other.keys())
            if mine[key] != other[key]]
