"""A finding is data: what every front end (CLI, flake8, editor) presents in its own way."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    code: str
    message: str
    end_line: int
    end_column: int  # 1-based, just past the last character
    fix: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)

    def __lt__(self, other: "Finding") -> bool:
        return self.sort_key() < other.sort_key()

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            key: data[key]
            for key in ("code", "message", "path", "line", "column", "end_line", "end_column", "fix")
        }
