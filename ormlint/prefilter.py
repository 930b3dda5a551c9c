"""The prefilter: which files can hold anything a rule reports, judged from their text before
any parse (most files of a project are answered here)."""

from __future__ import annotations

import re

from ormlint.syntax import as_python_reads


# A file can hold something a rule reports only if it names SQLAlchemy (an import that the name
# resolution needs) or calls a Flask-SQLAlchemy handle (`db.Column(`): every rule resolves its
# constructs through one of these, so skipping files without them never loses a finding.
PREFILTER_MARKERS = ("sqlalchemy", "sqlmodel", "Column(", "relationship(", "mapped_column(")


def may_contain_models(source: str) -> bool:
    return any(marker in source for marker in PREFILTER_MARKERS)


_MARKER_BYTES = tuple(marker.encode() for marker in PREFILTER_MARKERS)


def bytes_may_contain_models(data: bytes) -> bool:
    """`may_contain_models` on a file's bytes, before decoding them."""
    return any(marker in data for marker in _MARKER_BYTES)


# Any class statement, whatever follows the keyword (a non-ASCII name, a line continuation):
# broader than facts.text_facts' pattern, which only collects plain names.
_ANY_CLASS_STATEMENT = re.compile(r"^[ \t\f]*class\b", re.MULTILINE)


def may_declare_models(source: str) -> bool:
    """The second look, for a file that passes the prefilter: can its model hold anything at all?
    Only class statements and the constructors of `MODULE_DECLARATION_NAMES` put something in it,
    and both are written in the text (a class statement always begins a line; an identifier is
    compared as Python reads it, NFKC-normalised). A file without them (queries, services,
    endpoints, tests) has no findings and declares nothing, and libcst is not needed for it."""
    from ormlint.model.extract import MODULE_DECLARATION_NAMES  # (with libcst: not on a cached run)

    if _ANY_CLASS_STATEMENT.search(source):
        return True
    text = as_python_reads(source)
    return any(name in text for name in MODULE_DECLARATION_NAMES)
