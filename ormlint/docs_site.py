"""`ormlint docs build DIR`: the rule site, generated from the rules' own docs.

One page per rule (`rules/ORM301.html`, from `Rule.docs()`, the page `ormlint explain` prints),
an index by family with a search box, and the configuration reference
(`ormlint.config_reference`). Static files that work from disk or any web server: no network, no
JavaScript library, the search is a few lines inline. Set `ORMLINT_DOCS_URL` to where the site is
published and SARIF's `helpUri` and `ormlint explain` point at the rule's page.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

DOCS_URL_VARIABLE = "ORMLINT_DOCS_URL"

# code prefix -> family title, most specific prefix first
FAMILIES = (
    ("ORM1", "Relationships"),
    ("ORM2", "Columns and their annotations"),
    ("ORM3", "Defaults"),
    ("ORM4", "Indexes and constraints"),
    ("ORM5", "Declarative mapping"),
    ("ORM6", "Foreign keys"),
    ("ORM72", "Migration safety"),
    ("ORM73", "Migration safety"),
    ("ORM74", "Migration safety"),
    ("ORM7", "Models versus migrations"),
    ("ORM8", "Security (opt-in)"),
    ("ORM99", "Files ormlint cannot read"),
    ("ORM9", "SQLAlchemy 2.0 modernisation (opt-in)"),
)

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:58rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1d1d1f}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f5f5f7;padding:.8rem;overflow:auto;border-radius:6px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
nav{margin-bottom:1.5rem}input{font-size:1rem;padding:.3rem;width:100%;box-sizing:border-box}
"""

_SEARCH = """
document.getElementById('search').addEventListener('input', function (event) {
  var words = event.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
  document.querySelectorAll('tr[data-text]').forEach(function (row) {
    var text = row.getAttribute('data-text');
    row.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
  });
});
"""


def docs_url(code: str) -> str | None:
    """The published page of a rule, when `ORMLINT_DOCS_URL` says where the site is."""
    base = os.environ.get(DOCS_URL_VARIABLE, "").strip()
    return f"{base.rstrip('/')}/rules/{code}.html" if base else None


def family(code: str) -> str:
    return next(title for prefix, title in FAMILIES if code.startswith(prefix))


def build(directory: Path) -> list[Path]:
    """Write the site into `directory` (created if needed); returns the pages written."""
    from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_NAME, PARSE_ERROR_SUMMARY, RULES, parse_error_docs

    from ormlint.codes import default_codes

    pages = {code: (rule.name, rule.summary, rule.docs()) for code, rule in RULES.items()}
    pages[PARSE_ERROR_CODE] = (PARSE_ERROR_NAME, PARSE_ERROR_SUMMARY, parse_error_docs())
    defaults = {*default_codes(), PARSE_ERROR_CODE}
    written = []
    (directory / "rules").mkdir(parents=True, exist_ok=True)
    for code, (name, summary, docs) in pages.items():
        body = _nav("../") + markdown_to_html(docs)
        written.append(_write(directory / "rules" / f"{code}.html", f"{code} {name}", body))
    written.append(_write(directory / "index.html", "ormlint rules", _index(pages, defaults)))
    written.append(_write(directory / "configuration.html", "ormlint configuration", _configuration()))
    return written


def _nav(up: str) -> str:
    return f'<nav><a href="{up}index.html">All rules</a> · <a href="{up}configuration.html">Configuration</a></nav>\n'


def _index(pages: dict, defaults: set[str]) -> str:
    parts = [
        _nav(""),
        "<h1>ormlint rules</h1>\n",
        "<p>Every rule runs by default unless marked opt-in. <code>ormlint explain CODE</code> prints the same page.</p>\n",
        '<input id="search" type="search" placeholder="Search by code, name or words" autofocus>\n',
    ]
    current = None
    for code, (name, summary, _) in pages.items():
        title = family(code)
        if title != current:
            if current is not None:
                parts.append("</table>\n")
            parts.append(f'<h2 id="{_slug(title)}">{html.escape(title)}</h2>\n<table>\n')
            current = title
        opt_in = "" if code in defaults else " <em>(opt-in)</em>"
        text = html.escape(f"{code} {name} {summary}".lower(), quote=True)
        parts.append(
            f'<tr data-text="{text}"><td><a href="rules/{code}.html">{code}</a></td>'
            f"<td>{html.escape(name)}{opt_in}</td><td>{_inline(summary)}</td></tr>\n"
        )
    parts.append("</table>\n")
    parts.append(f"<script>{_SEARCH}</script>\n")
    return "".join(parts)


def _configuration() -> str:
    from ormlint.config_reference import KEYS

    rows = "".join(
        f'<tr id="{key.key}"><td><code>{html.escape(key.key)} = {html.escape(key.example)}</code></td>'
        f"<td>{_inline(key.meaning)}</td></tr>\n"
        for key in KEYS
    )
    return (
        _nav("")
        + "<h1>Configuration</h1>\n"
        + "<p>In <code>pyproject.toml</code>, under <code>[tool.ormlint]</code> (the nearest one found "
        + "walking up from the checked paths; patterns are relative to that file).</p>\n"
        + f"<table>\n{rows}</table>\n"
    )


def _write(path: Path, title: str, body: str) -> Path:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_FENCE = re.compile(r"^```(\w*)$")


def markdown_to_html(text: str) -> str:
    """The Markdown the rule docs are written in: headings, paragraphs, `- ` lists, fenced code,
    inline code and bare URLs. Everything else is text (escaped)."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    code: list[str] | None = None
    language = ""

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>\n")
            paragraph.clear()
        if items:
            out.append("<ul>\n" + "".join(f"<li>{_inline(item)}</li>\n" for item in items) + "</ul>\n")
            items.clear()

    for line in text.splitlines():
        if code is not None:
            if line.strip() == "```":
                css = f' class="language-{language}"' if language else ""
                out.append(f"<pre><code{css}>{html.escape(chr(10).join(code))}</code></pre>\n")
                code = None
            else:
                code.append(line)
            continue
        fence = _FENCE.match(line.strip())
        if fence:
            flush()
            code, language = [], fence.group(1)
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            title = line[level:].strip()
            out.append(f'<h{level} id="{_slug(title)}">{_inline(title)}</h{level}>\n')
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append(line[2:].strip())
        elif not line.strip():
            flush()
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            if items:
                flush()
            paragraph.append(line.strip())
    if code is not None:  # an unclosed fence: still shown
        out.append(f"<pre><code>{html.escape(chr(10).join(code))}</code></pre>\n")
    flush()
    return "".join(out)


_INLINE = re.compile(r"`([^`]+)`|(https?://[^\s<>()]+[^\s<>().,;:])")


def _inline(text: str) -> str:
    parts = []
    position = 0
    for match in _INLINE.finditer(text):
        parts.append(html.escape(text[position:match.start()]))
        if match.group(1) is not None:
            parts.append(f"<code>{html.escape(match.group(1))}</code>")
        else:
            url = html.escape(match.group(2), quote=True)
            parts.append(f'<a href="{url}">{url}</a>')
        position = match.end()
    parts.append(html.escape(text[position:]))
    return "".join(parts)
