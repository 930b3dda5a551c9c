"""A finding is data: what every front end (CLI, flake8, editor) presents in its own way."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    code: str
    message: str
    end_line: int
    end_column: int  # 1-based, just past the last character
    fix: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            key: data[key]
            for key in ("code", "message", "path", "line", "column", "end_line", "end_column", "fix")
        }
