"""ORM8xx: security (opt-in: not in the default selection)."""

# the family's helpers, by their old path
from ormlint.rules.security.plaintext_credential_column import credential_kind, name_words  # noqa: F401
