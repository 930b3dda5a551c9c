"""`ormlint schema`: the project's models as a picture, from the project index (nothing imported).

`diagram(index, findings)` reads the index once into tables (columns with type, nullability,
primary and foreign keys), foreign-key links between tables, relationships between classes, and
the findings located in each table's class; the renderers draw that: Mermaid `erDiagram`,
Graphviz dot, and one self-contained HTML page (no network) with search, click-to-focus on a table
and its neighbours, and the findings per table.

`migrations_diagram(index)` draws the schema the Alembic history builds instead (the replay the
drift rules read), and `with_drift(drawing, index)` marks on the models' drawing what differs
from it: tables and columns only in the models or only in the migrations, columns whose type,
nullability or server default differ, and each drift finding on its table. Only what the drift
rules state is marked: a table whose replay is unsure is left as it is.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

from ormlint.facts import ProjectIndex
from ormlint.findings import Finding


@dataclass
class Column:
    name: str
    type: str  # as written in the model ("" when not known)
    nullable: bool | None
    primary_key: bool
    references: list[str]  # "table.column" targets of its foreign keys
    change: str = ""  # with_drift: "models only", "migrations only" or "differs"


@dataclass
class Table:
    name: str  # "schema.table" when the schema is given
    classes: list[str]  # "path:line Class" of the classes mapped to it (none for a Table())
    columns: list[Column]
    findings: list[str] = field(default_factory=list)  # "path:line: CODE message"
    change: str = ""  # with_drift: "models only", "migrations only" or "differs"
    changes: list[str] = field(default_factory=list)  # with_drift: "CODE message" of each drift


@dataclass
class Relationship:
    source: str  # table of the class that declares it
    target: str  # table of its target class
    attribute: str
    cardinality: str  # "many-to-one", "one-to-many", "one-to-one", "many-to-many", "unknown"


@dataclass
class Diagram:
    tables: list[Table]
    foreign_keys: list[tuple[str, str, str]]  # (table, column, "table.column" target)
    relationships: list[Relationship]


def diagram(index: ProjectIndex, findings: Sequence[Finding] = ()) -> Diagram:
    skip = index.migrations.paths if index.migrations is not None else frozenset()
    tables: dict[str, Table] = {}
    class_table: dict[str, str] = {}  # class name -> table name
    starts: dict[str, list[tuple[int, str]]] = {}  # path -> [(class line, table)]
    for facts in index.files:
        if facts.path in skip or facts.is_revision:
            continue
        for cls in facts.classes:
            mapped = index.table_of(facts.path, cls)
            if mapped is None:
                continue
            name = f"{mapped.schema}.{mapped.name}" if mapped.schema else mapped.name
            class_table[cls.name] = name
            starts.setdefault(facts.path, []).append((cls.location.line, name))
            table = tables.setdefault(name, Table(name, [], []))
            table.classes.append(f"{facts.path}:{cls.location.line} {cls.name}")
            if not table.columns:
                table.columns = _columns(d.fact for part in mapped.parts for d in part.columns)
        for plain in facts.tables:
            name = f"{plain.schema}.{plain.name}" if plain.schema else plain.name
            if name not in tables:
                tables[name] = Table(name, [], _columns(plain.columns))
            starts.setdefault(facts.path, []).append((plain.location.line, name))
    _type_foreign_keys(tables)
    for finding in findings:
        table = _table_at(starts.get(finding.path, []), finding.line)
        if table is not None:
            tables[table].findings.append(f"{finding.path}:{finding.line}: {finding.code} {finding.message}")
    foreign_keys = sorted(
        (table.name, column.name, target)
        for table in tables.values() for column in table.columns for target in column.references
    )
    relationships = []
    for path, cls in index.classes():
        source = class_table.get(cls.name)
        for rel in cls.relationships:
            target = class_table.get(rel.target or "")
            if source and target:
                relationships.append(Relationship(source, target, rel.attr, _cardinality(rel, source, foreign_keys, target)))
    return Diagram(sorted(tables.values(), key=lambda t: t.name), foreign_keys, relationships)


def migrations_diagram(index: ProjectIndex) -> Diagram | None:
    """The schema the project's migrations build (every script directory's replay); None
    without migrations. A table the replay is unsure of carries the reason as a finding."""
    if index.migrations is None:
        return None
    tables: dict[str, Table] = {}
    for directory in index.migrations.directories:
        for name, replayed in directory.schema.tables.items():
            if name not in tables:
                unsure = [f"not certain: {replayed.withheld_because}"] if replayed.uncertain else []
                tables[name] = Table(name, [], _replayed_columns(replayed), unsure)
    foreign_keys = sorted(
        (table.name, column.name, target)
        for table in tables.values() for column in table.columns for target in column.references
    )
    return Diagram(sorted(tables.values(), key=lambda t: t.name), foreign_keys, [])


def _replayed_columns(table, change: str = "") -> list[Column]:
    """A replayed table's columns (`ormlint.schema.SchemaTable`)."""
    targets: dict[str, list[str]] = {}
    for key in table.foreign_keys:
        for local, remote in zip(key.columns, key.target_columns):
            targets.setdefault(local, []).append(f"{key.target_table}.{remote}")
    return [
        Column(c.name, c.type or "", c.nullable, c.primary_key, targets.get(c.name, []), change)
        for c in table.columns.values()
    ]


# Drift codes that are about columns, and how each marks them.
_COLUMN_DRIFT = {"ORM704": "differs", "ORM705": "differs", "ORM707": "differs"}


def with_drift(drawing: Diagram, index: ProjectIndex) -> Diagram:
    """`drawing` (the models') marked with what differs from the migrations, as the drift rules
    (ORM7xx) find it; tables only the migrations create are added."""
    from ormlint.drift import project_drift

    migrated = {
        name: table
        for directory in (index.migrations.directories if index.migrations is not None else [])
        for name, table in directory.schema.tables.items()
    }
    tables = {table.name: table for table in drawing.tables}
    for drift in project_drift(index):
        item = drift.item
        table = tables.get(item.table)
        if table is None and item.code == "ORM702" and item.table in migrated:
            table = tables[item.table] = Table(item.table, [], _replayed_columns(migrated[item.table]))
            table.change = "migrations only"
        if table is None:
            continue
        if not any(drift.message in finding for finding in table.findings):  # else listed already
            table.changes.append(f"{item.code} {drift.message}")
        if item.code == "ORM701":
            table.change = "models only"
        elif item.code == "ORM703":
            for name in item.columns:
                _mark_column(table, name, migrated.get(item.table))
        elif item.code in _COLUMN_DRIFT:
            for column in table.columns:
                if column.name in item.columns:
                    column.change = _COLUMN_DRIFT[item.code]
        elif not table.change:
            table.change = "differs"
    names = {t.name for t in drawing.tables}
    added = [t for t in tables.values() if t.name not in names]
    drawing.tables = sorted([*drawing.tables, *added], key=lambda t: t.name)
    drawing.foreign_keys = sorted({
        *drawing.foreign_keys,
        *((t.name, c.name, target) for t in added for c in t.columns for target in c.references),
    })
    return drawing


def _mark_column(table: Table, name: str, migrated) -> None:
    """ORM703: the column is on one side only; a migrations-only column is added to the drawing."""
    column = next((c for c in table.columns if c.name == name), None)
    if column is not None:
        column.change = "models only"
    elif migrated is not None and name in migrated.columns:
        [replayed] = [c for c in _replayed_columns(migrated, "migrations only") if c.name == name]
        table.columns.append(replayed)


def _columns(facts: Iterable) -> list[Column]:
    columns, seen = [], set()
    for column in facts:
        if column.name is None or column.name in seen:
            continue
        seen.add(column.name)
        columns.append(Column(
            column.name, column.sql_type or column.db_type or "", column.nullable, column.primary_key,
            [target for target, _ in column.foreign_keys],
        ))
    return columns


def _type_foreign_keys(tables: dict[str, Table]) -> None:
    """A foreign-key column written without a type takes its target's (as SQLAlchemy does)."""
    types = {f"{t.name}.{c.name}": c.type for t in tables.values() for c in t.columns}
    for table in tables.values():
        for column in table.columns:
            if not column.type and len(column.references) == 1:
                column.type = types.get(column.references[0], "")


def _table_at(starts: list[tuple[int, str]], line: int) -> str | None:
    before = [(start, table) for start, table in starts if start <= line]
    return max(before)[1] if before else None


def _cardinality(rel, source: str, foreign_keys: list[tuple[str, str, str]], target: str) -> str:
    """From the relationship's own words where it has them (`secondary=`, its `Mapped[...]`
    annotation), else from which side holds the foreign key."""
    if "secondary" in rel.keywords:
        return "many-to-many"
    holds_key = any(t == source and ref.rsplit(".", 1)[0] == target for t, _, ref in foreign_keys)
    if rel.annotation_shape == "collection":
        return "one-to-many"
    if rel.annotation_shape == "scalar":
        return "many-to-one" if holds_key else "one-to-one"
    if holds_key:
        return "many-to-one"
    if any(t == target and ref.rsplit(".", 1)[0] == source for t, _, ref in foreign_keys):
        return "one-to-many"
    return "unknown"


# -- Mermaid ---------------------------------------------------------------------------------

def _mermaid_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def render_mermaid(d: Diagram) -> str:
    lines = ["erDiagram"]
    for table in d.tables:
        lines.extend(f"    %% {table.name}: {_mermaid_comment(f)}" for f in table.findings)
        if table.change:
            lines.append(f"    %% {table.name}: {table.change}")
        lines.extend(f"    %% {table.name}: {_mermaid_comment(c)}" for c in table.changes)
        lines.append(f'    {_mermaid_name(table.name)}["{_mermaid_label(table.name)}"] {{')
        for column in table.columns:
            keys = ", ".join(k for k, on in (("PK", column.primary_key), ("FK", bool(column.references))) if on)
            comment = "NULL" if column.nullable else "NOT NULL" if column.nullable is False or column.primary_key else ""
            comment = "; ".join(filter(None, [comment, column.change]))
            kind = _mermaid_name(re.sub(r"\(.*", "", column.type)) or "unknown"
            parts = [kind, _mermaid_name(column.name)] + ([keys] if keys else []) + ([f'"{comment}"'] if comment else [])
            lines.append("        " + " ".join(parts))
        lines.append("    }")
    drawn = set()
    for table, column, target in d.foreign_keys:
        target_table = target.rsplit(".", 1)[0]
        if any(t.name == target_table for t in d.tables):
            lines.append(f'    {_mermaid_name(table)} }}o--|| {_mermaid_name(target_table)} : "{_mermaid_label(column)}"')
            drawn.add((table, target_table))
    for rel in d.relationships:
        if rel.cardinality == "many-to-many" and (rel.source, rel.target) not in drawn:
            lines.append(f'    {_mermaid_name(rel.source)} }}o--o{{ {_mermaid_name(rel.target)} : "{_mermaid_label(rel.attribute)}"')
            drawn.add((rel.source, rel.target))
            drawn.add((rel.target, rel.source))
    return "\n".join(lines) + "\n"


def _mermaid_label(text: str) -> str:
    return text.replace('"', "'")


def _mermaid_comment(text: str) -> str:
    return " ".join(text.split())  # one line


# -- Graphviz dot ----------------------------------------------------------------------------

# with_drift's marks: green to add (models only), orange to drop (migrations only), yellow differs.
CHANGE_COLOURS = {"models only": "#d9f2d9", "migrations only": "#fbe0c4", "differs": "#fff3bf"}

def render_dot(d: Diagram) -> str:
    lines = ["digraph schema {", "    rankdir=LR;", '    node [shape=plain, fontname="Helvetica"];']
    for table in d.tables:
        colour = CHANGE_COLOURS.get(table.change) or ("#fde2e2" if table.findings else "")
        colour = f' BGCOLOR="{colour}"' if colour else ""
        title = _dot(table.name) + (f" ({_dot(table.change)})" if table.change else "")
        rows = [f'<TR><TD COLSPAN="2"{colour}><B>{title}</B></TD></TR>']
        for column in table.columns:
            marks = "".join(k + " " for k, on in (("PK", column.primary_key), ("FK", bool(column.references))) if on)
            null = "" if column.nullable is not False and not column.primary_key else " NOT NULL"
            cell = f' BGCOLOR="{CHANGE_COLOURS[column.change]}"' if column.change else ""
            rows.append(
                f'<TR><TD PORT="{_dot(column.name)}" ALIGN="LEFT"{cell}>{_dot(marks)}{_dot(column.name)}</TD>'
                f'<TD ALIGN="LEFT"{cell}>{_dot(column.type)}{null}</TD></TR>'
            )
        label = "".join(rows)
        tooltip = f', tooltip="{_dot_id(" / ".join(table.changes))}"' if table.changes else ""
        lines.append(f'    "{_dot_id(table.name)}" [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0">{label}</TABLE>>{tooltip}];')
    names = {t.name for t in d.tables}
    for table, column, target in d.foreign_keys:
        target_table, _, target_column = target.rpartition(".")
        if target_table in names:
            lines.append(f'    "{_dot_id(table)}":"{_dot_id(column)}" -> "{_dot_id(target_table)}":"{_dot_id(target_column)}";')
    for rel in d.relationships:
        if rel.cardinality == "many-to-many":
            lines.append(f'    "{_dot_id(rel.source)}" -> "{_dot_id(rel.target)}" [style=dashed, dir=both, label="{_dot_id(rel.attribute)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    return html.escape(text, quote=True)


def _dot_id(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# -- HTML --------------------------------------------------------------------------------------

def render_html(d: Diagram) -> str:
    data = json.dumps({
        "colours": CHANGE_COLOURS,
        "tables": [asdict(t) for t in d.tables],
        "foreignKeys": d.foreign_keys,
        "relationships": [asdict(r) for r in d.relationships],
    })
    # `</` inside the JSON must not close the script element
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--")
    return _PAGE.replace("__DATA__", data)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Schema (ormlint)</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#1d1d1f}
header{position:sticky;top:0;background:#fff;padding:.6rem 1rem;border-bottom:1px solid #ddd;display:flex;gap:1rem;align-items:center}
input{font-size:1rem;padding:.3rem;flex:1}
#tables{display:flex;flex-wrap:wrap;gap:1rem;padding:1rem;align-items:flex-start}
.table{border:1px solid #bbb;border-radius:6px;min-width:14rem;cursor:pointer;background:#fff}
.table h2{font-size:1rem;margin:0;padding:.4rem .6rem;background:#eef2f7;border-radius:6px 6px 0 0}
.table.has-findings h2{background:#fde2e2}
.table.focused{outline:3px solid #2f6fde}
.table table{border-collapse:collapse;width:100%;font-size:.85rem}
.table td{padding:.15rem .6rem;border-top:1px solid #eee}
.key{color:#8a5a00;font-weight:600}
.findings{font-size:.8rem;color:#a40000;padding:.3rem .6rem;margin:0;list-style:none}
.links{font-size:.8rem;padding:.3rem .6rem;color:#555}
[hidden]{display:none!important}
</style>
</head>
<body>
<header><strong>Schema</strong><input id="search" type="search" placeholder="Search tables and columns">
<button id="all" type="button">Show all</button><span id="count"></span></header>
<div id="tables"></div>
<script id="data" type="application/json">__DATA__</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var container = document.getElementById('tables');
  var neighbours = {};
  function link(a, b) { (neighbours[a] = neighbours[a] || {})[b] = true; (neighbours[b] = neighbours[b] || {})[a] = true; }
  data.foreignKeys.forEach(function (fk) { link(fk[0], fk[2].slice(0, fk[2].lastIndexOf('.'))); });
  data.relationships.forEach(function (r) { link(r.source, r.target); });
  function text(tag, value, cls) { var e = document.createElement(tag); e.textContent = value; if (cls) e.className = cls; return e; }
  data.tables.forEach(function (t) {
    var card = document.createElement('section');
    card.className = 'table' + (t.findings.length ? ' has-findings' : '');
    card.dataset.name = t.name;
    card.dataset.change = t.change;
    card.dataset.text = (t.name + ' ' + t.change + ' ' + t.columns.map(function (c) { return c.name + ' ' + c.type + ' ' + c.change; }).join(' ')).toLowerCase();
    var title = card.appendChild(text('h2', t.name + (t.change ? ' (' + t.change + ')' : '')));
    if (t.change) title.style.background = data.colours[t.change];
    var rows = document.createElement('table');
    t.columns.forEach(function (c) {
      var tr = document.createElement('tr');
      var keys = (c.primary_key ? 'PK ' : '') + (c.references.length ? 'FK' : '');
      tr.appendChild(text('td', keys, 'key'));
      tr.appendChild(text('td', c.name));
      tr.appendChild(text('td', c.type + (c.nullable === false || c.primary_key ? ' NOT NULL' : '')));
      tr.title = [c.references.length ? 'references ' + c.references.join(', ') : '', c.change].filter(Boolean).join('; ');
      if (c.change) { tr.style.background = data.colours[c.change]; tr.dataset.change = c.change; }
      rows.appendChild(tr);
    });
    card.appendChild(rows);
    var related = Object.keys(neighbours[t.name] || {}).sort();
    if (related.length) card.appendChild(text('div', 'linked to: ' + related.join(', '), 'links'));
    if (t.findings.length || t.changes.length) {
      var list = document.createElement('ul');
      list.className = 'findings';
      t.findings.concat(t.changes).forEach(function (f) { list.appendChild(text('li', f)); });
      card.appendChild(list);
    }
    card.addEventListener('click', function () { focus(t.name); });
    container.appendChild(card);
  });
  var cards = Array.prototype.slice.call(container.children);
  function show(visible) {
    var shown = 0;
    cards.forEach(function (card) { card.hidden = !visible(card); if (!card.hidden) shown++; });
    document.getElementById('count').textContent = shown + ' of ' + cards.length + ' tables';
  }
  function focus(name) {
    var near = neighbours[name] || {};
    cards.forEach(function (card) { card.classList.toggle('focused', card.dataset.name === name); });
    show(function (card) { return card.dataset.name === name || near[card.dataset.name]; });
  }
  document.getElementById('search').addEventListener('input', function (event) {
    var words = event.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
    show(function (card) { return words.every(function (w) { return card.dataset.text.indexOf(w) >= 0; }); });
  });
  document.getElementById('all').addEventListener('click', function () {
    cards.forEach(function (card) { card.classList.remove('focused'); });
    show(function () { return true; });
  });
  show(function () { return true; });
  // schema.html#focus=users opens focused on a table (a link to share)
  if (location.hash.indexOf('#focus=') === 0) focus(decodeURIComponent(location.hash.slice(7)));
})();
</script>
</body>
</html>
"""
