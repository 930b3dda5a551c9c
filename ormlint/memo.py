"""One kind of memo for what a resident process (the daemon, the language server's processes)
would otherwise compute again at every run: process-wide, emptied whole when it reaches its
limit, so that a long-lived process over a changing tree never grows without end."""

from __future__ import annotations

from typing import Any


class BoundedMemo(dict):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: Any, value: Any) -> Any:
        """Remember `value` under `key` (emptying the memo first when it is full); returns it."""
        if len(self) >= self.limit and key not in self:
            self.clear()
        self[key] = value
        return value
