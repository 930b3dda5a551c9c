"""Navigation latency of `ormlint lsp` on a warm project: textDocument/definition (and
documentSymbol and completion, when the server offers them) from sending the request to its answer.

    python benchmarks/lsp_navigation.py PROJECT MODEL_FILE [MODEL_FILE ...]

Copies PROJECT (the project itself is not modified), opens each model file in the server (a
subprocess speaking JSON-RPC over stdio, as an editor runs it), waits for its lint inside the
project, then asks for the definition at every string literal of each file (most answer None:
only those naming a model, table or column have one) and reports the median and 90th
percentile in milliseconds, with how many requests found a declaration; and the completion
after the quote of each `back_populates="` and `ForeignKey("`.
This is a measurement tool, not a test.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from lsp_latency import COLD_TIMEOUT, SERVER, Client, percentile  # noqa: E402

STRING = re.compile(r"""(['"])[A-Za-z_][\w.]*\1""")
COMPLETED = re.compile(r"""\b(?:back_populates\s*=\s*|ForeignKey\(\s*)['"]""")  # completion after the quote


def main(argv: list[str]) -> int:
    project, files = Path(argv[0]).resolve(), [Path(f).resolve() for f in argv[1:]]
    with tempfile.TemporaryDirectory(prefix="ormlint-lsp-nav-") as workdir:
        root = Path(workdir) / project.name
        shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns(".ormlint_cache", ".git"))
        client = Client(SERVER, cwd=root)
        try:
            client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}})
            client.notify("initialized", {})
            timings, symbols, found, completions, offered = [], [], 0, [], 0
            for number, file in enumerate(files):
                path = root / file.relative_to(project)
                text = path.read_text(encoding="utf-8")
                uri = path.as_uri()
                sent = time.perf_counter()
                client.notify("textDocument/didOpen", {"textDocument": {
                    "uri": uri, "languageId": "python", "version": 1, "text": text,
                }})
                client.wait_diagnostics(uri, 1, timeout=COLD_TIMEOUT)
                client.wait_diagnostics(uri, 1, timeout=COLD_TIMEOUT)  # the project lint's
                if number == 0:
                    print(f"open (cold project lint): {(time.perf_counter() - sent) * 1000:.0f} ms")
                for line, line_text in enumerate(text.splitlines()):
                    for match in STRING.finditer(line_text):
                        position = {"line": line, "character": match.start() + 2}
                        sent = time.perf_counter()
                        answer = client.request("textDocument/definition", {
                            "textDocument": {"uri": uri}, "position": position,
                        })
                        timings.append((time.perf_counter() - sent) * 1000)
                        found += bool(answer)
                for line, line_text in enumerate(text.splitlines()):
                    for match in COMPLETED.finditer(line_text):
                        position = {"line": line, "character": match.end()}
                        sent = time.perf_counter()
                        answer = client.request("textDocument/completion", {
                            "textDocument": {"uri": uri}, "position": position,
                        })
                        completions.append((time.perf_counter() - sent) * 1000)
                        offered += bool(answer)
                sent = time.perf_counter()
                try:
                    client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
                    symbols.append((time.perf_counter() - sent) * 1000)
                except RuntimeError:  # not offered
                    pass
            print(
                f"definition: {len(timings)} requests, {found} found a declaration; median "
                f"{statistics.median(timings):.2f} ms, p90 {percentile(timings, 0.9):.2f} ms, "
                f"max {max(timings):.2f} ms"
            )
            if completions:
                print(
                    f"completion: {len(completions)} requests, {offered} offered names; median "
                    f"{statistics.median(completions):.2f} ms, max {max(completions):.2f} ms"
                )
            if symbols:
                print(f"documentSymbol: {len(symbols)} requests; median {statistics.median(symbols):.2f} ms, "
                      f"max {max(symbols):.2f} ms")
        finally:
            client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
