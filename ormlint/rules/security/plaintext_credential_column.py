"""ORM801 plaintext-credential-column: a column named like a credential (`password`, `api_key`,
`client_secret`, …) declared as plain String/Text/LargeBinary"""

from __future__ import annotations

import re
from typing import Iterator

import libcst as cst

from ormlint.model.extract import positional_args
from ormlint.model.names import string_value, syntax_children
from ormlint.model.types import ColumnDecl, FileModel, ModelClass
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.columns import annotation_category
from ormlint.rules.indexes import is_mapped_annotation


# A name holds a credential when it ENDS with one of these word sequences: `password`,
# `smtp_password`, `client_secret`, `stripe_api_key`, `apiKey`. `password_hash`, `secret_id`,
# `api_key_prefix`, `access_token_expires_at` end otherwise and are not credentials.
_CREDENTIAL_ENDINGS = (
    ("password",), ("passwd",), ("passphrase",), ("pwd",),
    ("secret",), ("secret", "key"), ("secret", "access", "key"),
    ("api", "key"), ("apikey",), ("private", "key"),
    ("access", "token"), ("refresh", "token"), ("auth", "token"), ("api", "token"),
    ("bearer", "token"), ("oauth", "token"),
)

# A word anywhere in the name that says the value is not the credential itself.
_TRANSFORMED_WORDS = {
    "hash", "hashed", "digest", "encrypted", "enc", "crypted", "salt", "salted", "cipher",
    "ciphertext", "bcrypt", "argon2", "pbkdf2", "scrypt", "sha256", "sha512", "hmac", "masked",
    "redacted", "hint", "fingerprint", "preview", "last4",
}

# Identifiers in a method body that show the class hashing or encrypting what it stores.
_TRANSFORMING = re.compile(r"hash|crypt|argon|pbkdf|digest|hmac|fernet|passlib|pwd_context|checkpw", re.I)

_NOT_TRANSFORMING = {"hash", "__hash__"}  # Python's builtin hash(), object hashing

# SQLAlchemy's own plain string and binary types: the value is stored as given.
_PLAIN_TYPES = {
    "String", "Text", "Unicode", "UnicodeText", "VARCHAR", "NVARCHAR", "CHAR", "NCHAR", "TEXT",
    "CLOB", "CITEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "LargeBinary", "BLOB", "BYTEA",
    "BINARY", "VARBINARY", "AutoString",
}

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def name_words(name: str) -> list[str]:
    """`client_secret` -> [client, secret]; `apiKey` -> [api, key]; `APIKey` -> [api, key]."""
    return [w.lower() for part in name.split("_") for w in _WORD.findall(part)]


def credential_kind(name: str) -> str | None:
    """What a column name says it holds ("password", "secret", "api key", ...), or None."""
    words = name_words(name)
    if not words or _TRANSFORMED_WORDS & set(words):
        return None
    for ending in _CREDENTIAL_ENDINGS:
        if tuple(words[-len(ending):]) == ending:
            return " ".join(ending)
    return None


def _identifiers(node: cst.CSTNode) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current.value
        elif isinstance(current, cst.Attribute):
            yield current.attr.value
        stack.extend(syntax_children(current))


def transformed_attributes(model: FileModel, cls: ModelClass) -> set[str]:
    """Attributes the class itself hashes or encrypts: named by `@validates(...)`, or assigned
    (`self.x = ...`) / defined (a property setter) by a method that calls something hashing or
    encrypting."""
    names: set[str] = set()
    body = cls.node.body
    if not isinstance(body, cst.IndentedBlock):
        return names
    for stmt in body.body:
        if not isinstance(stmt, cst.FunctionDef):
            continue
        for decorator in stmt.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and model.imports.symbol(call.func) == "validates":
                names.update(s for arg in positional_args(call) if (s := string_value(arg.value)))
        if stmt.name.value == "__hash__":
            continue  # Python's object hashing, not a password hash
        if any(_TRANSFORMING.search(i) for i in _identifiers(stmt.body) if i not in _NOT_TRANSFORMING):
            names.add(stmt.name.value)
            for node in _attributes_of_self(stmt.body):
                names.add(node)
    return names


def _attributes_of_self(node: cst.CSTNode) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if (
            isinstance(current, cst.Attribute)
            and isinstance(current.value, cst.Name)
            and current.value.value in ("self", "cls")
        ):
            yield current.attr.value
        stack.extend(syntax_children(current))


class PlaintextCredentialColumn(Rule):
    code = "ORM801"
    name = "plaintext-credential-column"
    reads_bodies_matching = _TRANSFORMING
    summary = "a column named like a credential (`password`, `api_key`, `client_secret`, …) declared as plain String/Text/LargeBinary"
    catches = (
        "a column named `password`, `api_key`, `client_secret`, `access_token`, … declared as "
        "plain `String`/`Text`/`LargeBinary`, with no hashing or encryption type or naming"
    )
    default_enabled = False
    message = (
        "column `{column}` is named like a credential ({kind}) and declared as plain `{type}` "
        "with no hashing or encryption in sight: whatever is written is stored as given, "
        "readable in the database, its backups and every SELECT; {advice}"
    )
    what_it_does = """
        Opt-in: not in the default selection; enable it with `--extend-select ORM801` or
        `extend-select = ["ORM801"]` in `[tool.ormlint]`.

        Checks columns whose name (the attribute or the column name) ends with a credential
        word: `password`, `passwd`, `passphrase`, `pwd`, `secret` (`client_secret`,
        `webhook_secret`), `secret_key`, `api_key`/`apiKey`, `private_key`, `access_token`,
        `refresh_token`, `auth_token`, `api_token`, `bearer_token`, `oauth_token`, and whose type
        is one of SQLAlchemy's plain string or binary types (`String`, `Text`, `Unicode`,
        `LargeBinary`, …, or no type with `Mapped[str]`, or a SQLModel `str` field of a
        `table=True` model).

        Not reported: encrypting or hashing types (sqlalchemy-utils `PasswordType`,
        `StringEncryptedType`, a project's own `TypeDecorator`: any type that is not
        SQLAlchemy's plain one); names that say the value is transformed or is about the
        credential rather than the credential (`password_hash`, `hashed_password`,
        `encrypted_secret`, `api_key_digest`, `secret_salt`, `secret_id`,
        `access_token_expires_at`, `password_length`, `masked_api_key`, …); columns the class
        itself hashes or encrypts: named by a `@validates(...)` method, or written by a method
        or property setter that calls something hashing or encrypting (`generate_password_hash`,
        `bcrypt.hashpw`, `fernet.encrypt`, …). Hashing done in another module (a service that
        builds `User(password=hash_password(raw))`) is not visible from the model: such a
        column is still reported, and the fix is the name `password_hash`, which tells readers
        (and this rule) what the column holds. Alembic revision files are not checked: their
        tables are snapshots of a past schema, which a later revision may be hashing. A class
        mapped imperatively (`map_imperatively()`) is judged by its table's columns and the
        class's own hashing methods, not by its annotations.
        """
    why_bad = """
        A credential stored as given is readable by everyone who can read the table, a replica,
        a backup or a log of queries, and it stays valid after the leak. Teams write "TODO:
        encrypt before production" next to exactly this column; the rule makes the TODO visible
        in CI. This rule's oracle test stores the invalid example's user through SQLite and reads
        it back with plain SQL: `SELECT password, api_key FROM user_account` returns
        `('hunter2', 'sk_live_51H...')`, the secrets as typed.
        """
    references = (
        "OWASP Password Storage Cheat Sheet, https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html",
        "CWE-256: Plaintext Storage of a Password, https://cwe.mitre.org/data/definitions/256.html",
        "sqlalchemy-utils: PasswordType and StringEncryptedType, https://sqlalchemy-utils.readthedocs.io/en/latest/data_types.html",
    )
    invalid = (
        example('''
            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(255))
                password: Mapped[str] = mapped_column(String(128))  # ORM801:29
                api_key: Mapped[str]  # ORM801:5
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(255))
                password_hash: Mapped[str] = mapped_column(String(128))
                api_key_digest: Mapped[str] = mapped_column(String(64))
                api_key_prefix: Mapped[str] = mapped_column(String(8))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        if model.is_alembic_revision:
            return  # a past schema, as it was: renaming its columns would rewrite history
        seen: set[int] = set()
        for cls in model.classes:
            if cls.is_sqlmodel and cls.kind != "mapped":
                continue  # a SQLModel class without table=True is a Pydantic model only
            transformed: set[str] | None = None
            annotations = {
                a.attr: a.annotation for a in cls.assignments if a.annotation is not None
            }
            for column in cls.columns:
                found = self._credential(model, column, annotations.get(column.attr or ""))
                if found is None or id(column.node) in seen:
                    continue
                if transformed is None:
                    transformed = transformed_attributes(model, cls)
                names = {column.attr, column.sql_name, (column.attr or "").lstrip("_")}
                if names & transformed:
                    continue
                seen.add(id(column.node))
                yield self._violation(column.node, *found)
            if cls.imperative:
                continue  # its annotations declare no column: the table does (checked below)
            for target, annotation in self._bare_fields(model, cls):
                kind = credential_kind(target.value)
                type_name = self._annotation_type(model, annotation, cls.is_sqlmodel)
                if kind is None or type_name is None:
                    continue
                if transformed is None:
                    transformed = transformed_attributes(model, cls)
                if {target.value, target.value.lstrip("_")} & transformed:
                    continue
                yield self._violation(target, target.value, kind, type_name)
        # The classes mapped onto a table imperatively may hash or encrypt its columns.
        imperative_by_table: dict[str, list[ModelClass]] = {}
        for cls in model.classes:
            if cls.imperative and cls.imperative_table:
                imperative_by_table.setdefault(cls.imperative_table, []).append(cls)
        for table in model.tables:
            transformed = set().union(*(
                transformed_attributes(model, cls)
                for cls in imperative_by_table.get(table.variable or "", ())
            ))
            for column in table.columns:
                found = self._credential(model, column, None)
                if found is None:
                    continue
                name = column.sql_name or ""
                if {name, "_" + name} & transformed:
                    continue
                yield self._violation(column.node, *found)

    def _violation(self, node: cst.CSTNode, column: str, kind: str, type_name: str) -> Violation:
        if kind in ("password", "passwd", "passphrase", "pwd"):
            advice = (
                "store a one-way hash (argon2, bcrypt, scrypt) in a column named "
                f"`{column}_hash` (if it already holds a hash made elsewhere, the name then says "
                "so), or use a hashing type such as sqlalchemy-utils `PasswordType`"
            )
        else:
            advice = (
                "hash it if the application only needs to verify it (and name the column "
                f"`{column}_hash`), or encrypt it with an encrypting type such as "
                "sqlalchemy-utils `StringEncryptedType` if the application must read it back"
            )
        return self.violation(node, column=column, kind=kind, type=type_name, advice=advice)

    def _credential(
        self, model: FileModel, column: ColumnDecl, annotation: cst.BaseExpression | None
    ) -> tuple[str, str, str] | None:
        """(column name, credential kind, type as written) for a credential in a plain type."""
        for name in (column.sql_name, column.attr):
            kind = credential_kind(name) if name else None
            if kind is not None:
                break
        else:
            return None
        type_name = self._plain_type(model, column, annotation)
        return (name, kind, type_name) if type_name is not None else None  # type: ignore[return-value]

    def _plain_type(
        self, model: FileModel, column: ColumnDecl, annotation: cst.BaseExpression | None
    ) -> str | None:
        expr = column.type_expr
        if column.constructor == "sqlmodel.Field":
            sa_type = column.kwargs.get("sa_type")
            if sa_type is not None:
                expr = sa_type.value
            elif annotation is not None:
                return self._annotation_type(model, annotation, True)
            else:
                return None
        if expr is not None:
            head = expr.func if isinstance(expr, cst.Call) else expr
            symbol = model.imports.symbol(head)
            if symbol in _PLAIN_TYPES:
                return symbol
            return None
        if column.constructor == "mapped_column" and column.annotation is not None:
            found = annotation_category(model, column.annotation.inner)
            if found is not None and found[0] in ("str", "bytes"):
                return "String" if found[0] == "str" else "LargeBinary"
        return None

    @staticmethod
    def _annotation_type(model: FileModel, annotation: cst.BaseExpression, sqlmodel: bool) -> str | None:
        """`Mapped[str]` (or, on a SQLModel table, `str`) -> the plain type it makes."""
        if is_mapped_annotation(model, annotation):
            text = string_value(annotation)
            expr = cst.parse_expression(text.strip()) if text is not None else annotation
            if not isinstance(expr, cst.Subscript) or len(expr.slice) != 1:
                return None
            element = expr.slice[0].slice
            if not isinstance(element, cst.Index):
                return None
            inner = element.value
        elif sqlmodel:
            inner = annotation
        else:
            return None
        found = annotation_category(model, inner)
        if found is None or found[0] not in ("str", "bytes"):
            return None
        if sqlmodel and not is_mapped_annotation(model, annotation):
            return "AutoString" if found[0] == "str" else "LargeBinary"
        return "String" if found[0] == "str" else "LargeBinary"

    @staticmethod
    def _bare_fields(model: FileModel, cls: ModelClass) -> Iterator[tuple[cst.Name, cst.BaseExpression]]:
        """`name: Mapped[str]` without a value, and SQLModel `name: str` table fields."""
        body = cls.node.body
        if not isinstance(body, cst.IndentedBlock):
            return
        for stmt in body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if (
                    isinstance(small, cst.AnnAssign)
                    and small.value is None
                    and isinstance(small.target, cst.Name)
                ):
                    yield small.target, small.annotation.annotation
