"""The language server knows the project (issue 14): cross-file and drift diagnostics on open and
save, re-linked when another file of the project changes (a saved document, a change the client's
file watcher reports), revision files included. Real LSP conversations: pygls's client speaking
JSON-RPC to the server in a subprocess (tests/test_lsp.py's `Session`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from ormlint.findings import Finding
from ormlint.lsp import DEBOUNCE_SECONDS, carried_over
from ormlint.rules import RULES
from ormlint.rules.base import example_files, strip_markers
from tests.test_lsp import Session, uri_for

# ORM703's invalid example: `author.bio` is a model column that no migration adds.
DRIFT = {name: strip_markers(text) for name, text in example_files(RULES["ORM703"].invalid[0]).items()}
REVISION = "migrations/versions/0001_init.py"
BIO_ADDED = DRIFT[REVISION].replace(
    '        sa.Column("name", sa.String(length=100), nullable=False),\n',
    '        sa.Column("name", sa.String(length=100), nullable=False),\n'
    '        sa.Column("bio", sa.String(), nullable=True),\n',
)

TAGS = """\
from sqlalchemy.orm import Mapped, mapped_column

from models import Base


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
POSTS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from models import Base


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id"))
"""


# Every rule, opt-in ones included, but ORM407 (unnamed constraints without a naming
# convention), which every foreign key of these small projects would add.
CONFIG = "[tool.ormlint]\nselect = ['ALL']\nignore = ['ORM407']\n"


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in {**files, "pyproject.toml": CONFIG}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def codes(published: lsp.PublishDiagnosticsParams) -> list[str]:
    return sorted(str(d.code) for d in published.diagnostics)


def line_of(published: lsp.PublishDiagnosticsParams, code: str) -> int:
    [diagnostic] = [d for d in published.diagnostics if d.code == code]
    return diagnostic.range.start.line


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("lsp-project")
    session = Session(
        cwd=root,
        capabilities=lsp.ClientCapabilities(
            workspace=lsp.WorkspaceClientCapabilities(
                did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(
                    dynamic_registration=True
                )
            ),
        ),
    )
    session.root = root
    yield session
    status = session.shutdown()
    assert status == 0, session.stderr.decode()


def watched(session: Session, *changes: tuple[Path, lsp.FileChangeType]) -> None:
    session.notify(
        session.client.workspace_did_change_watched_files,
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=uri_for(path), type=kind) for path, kind in changes]
        ),
    )


def test_drift_on_open_and_relinked_when_the_revision_is_saved(session: Session) -> None:
    root = write_project(session.root / "drift", DRIFT)
    models, revision = uri_for(root / "models.py"), uri_for(root / REVISION)
    opened = session.open_in_project(models, DRIFT["models.py"])
    assert codes(opened) == ["ORM703"]
    assert line_of(opened, "ORM703") == DRIFT["models.py"].splitlines().index(
        "    bio: Mapped[Optional[str]]"
    )
    # The revision file is linted inside the project too (its own findings: none here).
    assert codes(session.open_in_project(revision, DRIFT[REVISION])) == []

    # The user adds the column to the revision and saves it: the model's drift is gone.
    count = session.count(models)
    session.change(revision, BIO_ADDED)
    (root / REVISION).write_text(BIO_ADDED, encoding="utf-8")
    session.save(revision)
    assert codes(session.wait_published(models, count)) == []
    session.close(revision)
    session.close(models)


def test_a_revision_file_gets_its_graph_findings(session: Session) -> None:
    second = 'revision = "0002"\ndown_revision = "0001"\n\n\ndef upgrade():\n    pass\n'
    third = second.replace('"0002"', '"0003"')
    root = write_project(
        session.root / "heads",
        {**DRIFT, "migrations/versions/0002_a.py": second, "migrations/versions/0003_b.py": third},
    )
    opened = session.open_in_project(uri_for(root / "migrations/versions/0003_b.py"), third)
    assert codes(opened) == ["ORM709"] and line_of(opened, "ORM709") == 0  # two heads
    session.close(uri_for(root / "migrations/versions/0003_b.py"))


def test_unsaved_text_of_the_document_is_what_its_project_lint_sees(session: Session) -> None:
    root = write_project(session.root / "unsaved", DRIFT)
    models = uri_for(root / "models.py")
    # The editor's text, not the file on disk, has the column without a migration.
    without_bio = DRIFT["models.py"].replace("    bio: Mapped[Optional[str]]\n", "")
    (root / "models.py").write_text(without_bio, encoding="utf-8")
    assert codes(session.open_in_project(models, DRIFT["models.py"])) == ["ORM703"]
    session.close(models)


def test_a_file_deleted_outside_the_editor_relinks_the_open_documents(session: Session) -> None:
    root = write_project(
        session.root / "watched", {"models.py": DRIFT["models.py"], "tags.py": TAGS, "posts.py": POSTS}
    )
    posts = uri_for(root / "posts.py")
    assert codes(session.open_in_project(posts, POSTS)) == []  # `tag` is declared in tags.py

    count = session.count(posts)
    (root / "tags.py").unlink()
    watched(session, (root / "tags.py", lsp.FileChangeType.Deleted))
    relinked = session.wait_published(posts, count)
    assert codes(relinked) == ["ORM602"]  # the foreign key's table is found nowhere now

    count = session.count(posts)
    (root / "tags.py").write_text(TAGS, encoding="utf-8")
    watched(session, (root / "tags.py", lsp.FileChangeType.Created))
    assert codes(session.wait_published(posts, count)) == []
    session.close(posts)


def test_keystroke_lints_keep_the_project_findings_of_unchanged_lines(session: Session) -> None:
    root = write_project(session.root / "typing", DRIFT)
    models = uri_for(root / "models.py")
    text = DRIFT["models.py"]
    opened = session.open_in_project(models, text)
    assert codes(opened) == ["ORM703"]

    # A line typed above the column: the keystroke lint (one file) keeps the drift finding,
    # moved with its line, and adds the file rules' findings of the new text.
    count = session.count(models)
    typed = "# a comment\n" + text.replace('String(100))', 'String(100), server_default="now()")')
    session.change(models, typed)
    changed = session.wait_published(models, count, timeout=DEBOUNCE_SECONDS + 10)
    assert codes(changed) == ["ORM301", "ORM703"]
    assert line_of(changed, "ORM703") == line_of(opened, "ORM703") + 1

    # The column's own line edited: its drift finding waits for the save, which judges it again.
    count = session.count(models)
    renamed = typed.replace("    bio: Mapped[Optional[str]]", "    biography: Mapped[Optional[str]]")
    session.change(models, renamed)
    assert codes(session.wait_published(models, count, timeout=DEBOUNCE_SECONDS + 10)) == ["ORM301"]
    (root / "models.py").write_text(renamed, encoding="utf-8")
    count = session.count(models)
    session.save(models)
    # At once: the text's own findings (and carried project findings: none left here) ...
    assert codes(session.wait_published(models, count)) == ["ORM301"]
    # ... then inside the project (ORM707 too: the server default added is in no migration).
    assert codes(session.wait_published(models, count + 1)) == ["ORM301", "ORM703", "ORM707"]
    session.close(models)


def test_a_document_outside_any_project_is_linted_on_its_own(session: Session) -> None:
    # No configuration, alembic.ini or repository above: the file alone, as before.
    lone = session.root / "lone" / "posts.py"
    lone.parent.mkdir()
    assert codes(session.open(uri_for(lone), POSTS)) == []  # `tag` is not known to be missing
    session.close(uri_for(lone))


def finding(line: int, end_line: int | None = None) -> Finding:
    return Finding("m.py", line, 5, "ORM703", "drift", end_line or line, 9)


def test_carried_over_findings_follow_their_lines_and_drop_when_edited() -> None:
    old = "a\nb\nc\nd\n"
    assert carried_over([finding(2)], old, old) == [finding(2)]
    assert carried_over([finding(2)], old, "new\na\nb\nc\nd\n") == [finding(3)]
    assert carried_over([finding(2)], old, "a\nB\nc\nd\n") == []
    assert carried_over([finding(2, 3)], old, "a\nb\nx\nc\nd\n") == []  # a line inside it
    assert carried_over([finding(2, 3)], old, "a\nb\nc\nd\nz\n") == [finding(2, 3)]
    assert carried_over([finding(4)], old, "a\nb\n") == []


def test_project_lints_are_reused_until_a_text_or_a_file_of_the_project_changes(tmp_path: Path) -> None:
    from ormlint.lsp import DocumentLinter

    root = write_project(tmp_path, {})
    a, b = root / "a.py", root / "b.py"
    runs: list[dict[str, str]] = []

    def check_project(key: str, project: Path, settings: object, texts: dict[str, str]) -> list[Finding]:
        assert project == root and key == f"project:{root}"
        runs.append(texts)
        return [Finding(str(a), 1, 1, "ORM104", "not found", 1, 2)]

    linter = DocumentLinter(check_project=check_project)
    assert linter.project_of(a, linter.settings_for(a)) == root
    documents = [(uri_for(a), "x = 1\n"), (uri_for(b), "y = 2\n")]
    results = linter.lint_project(root, documents)
    assert [d.code for d in results[uri_for(a)].diagnostics] == ["ORM104"]
    assert results[uri_for(b)].diagnostics == []
    assert runs == [{str(a): "x = 1\n", str(b): "y = 2\n"}]
    assert linter.lint_project(root, documents) == results and len(runs) == 1  # nothing changed
    # One document's text changed: every document is linted again (it may change theirs).
    linter.lint_project(root, [(uri_for(a), "x = 1\n"), (uri_for(b), "y = 3\n")])
    assert len(runs) == 2
    # Another file of the project changed on disk.
    assert linter.file_changed(root / "c.py") == [root]
    assert linter.file_changed(tmp_path.parent / "elsewhere.py") == []
    linter.lint_project(root, [(uri_for(a), "x = 1\n"), (uri_for(b), "y = 3\n")])
    assert len(runs) == 3
    # A keystroke lint (the text alone) keeps the project finding of the unchanged line 1.
    assert [d.code for d in linter.lint(uri_for(a), "x = 1\nz = 3\n").diagnostics] == ["ORM104"]
    assert linter.lint(uri_for(a), "x = 2\n").diagnostics == []


def test_a_text_with_a_coding_cookie_stands_for_its_file_as_written(tmp_path: Path) -> None:
    from ormlint.analysis import check_source
    from ormlint.config import load_settings
    from ormlint.lsp_process import check_project_in_process

    root = write_project(tmp_path, {})
    models = root / "models.py"
    text = (
        "# -*- coding: latin-1 -*-\nfrom sqlalchemy import Column, String\n\n\nclass A(Base):\n"
        '    __tablename__ = "a"\n    name = Column(String, comment="é", server_default="now()")\n'
    )
    models.write_bytes(text.encode("latin-1"))
    settings = load_settings([models])
    alone = check_source(text, str(models), settings, models)
    inside = check_project_in_process(root, settings, {str(models): text})
    assert [(f.code, f.line, f.column) for f in inside] == [(f.code, f.line, f.column) for f in alone]
    assert "ORM301" in [f.code for f in inside]


def test_noqa_comments_of_project_findings_are_read_from_the_unsaved_text(tmp_path: Path) -> None:
    from ormlint.config import load_settings
    from ormlint.lsp_process import check_project_in_process

    root = write_project(tmp_path, DRIFT)
    models = root / "models.py"
    settings = load_settings([models])
    bio = "    bio: Mapped[Optional[str]]"
    suppressed = DRIFT["models.py"].replace(bio, bio + "  # noqa: ORM703")
    found = check_project_in_process(root, settings, {str(models): suppressed})
    assert [f.code for f in found] == []  # the file on disk has no noqa comment
    # ... and a noqa comment on disk does not suppress a finding of the editor's text
    models.write_text(suppressed, encoding="utf-8")
    moved = "# a new first line\n" + DRIFT["models.py"]
    found = check_project_in_process(root, settings, {str(models): moved})
    assert [(f.code, f.line) for f in found] == [("ORM703", moved.splitlines().index(bio) + 1)]


def test_an_edit_that_leaves_the_facts_alone_reuses_the_project_findings_and_keeps_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ormlint.engine as engine
    from ormlint.config import load_settings
    from ormlint.lsp_process import check_project_with_models

    root = write_project(tmp_path, DRIFT)
    models = root / "models.py"
    settings = load_settings([models])
    first, first_models = check_project_with_models(root, settings, {str(models): DRIFT["models.py"]})
    assert "ORM703" in [f.code for f in first] and str(models) in first_models
    calls = []
    real = engine.project_findings
    monkeypatch.setattr(engine, "project_findings", lambda *a, **k: calls.append(1) or real(*a, **k))
    commented = DRIFT["models.py"] + "# a comment typed at the end\n"
    found, found_models = check_project_with_models(root, settings, {str(models): commented})
    assert found == first and found_models == first_models and calls == []


def test_the_lint_process_sends_the_server_only_the_model_files_that_changed(tmp_path):
    # The server keeps the project's model files for navigation; unpickling all of them after
    # every project lint cost more than the lint's findings. The process sends an update.
    from ormlint.config import load_settings
    from ormlint.lsp_process import _sent_models, check_project_for_server

    root = write_project(tmp_path / "updates", {"models.py": DRIFT["models.py"], "tags.py": TAGS, "posts.py": POSTS})
    models = root / "models.py"
    settings = load_settings([models])
    _sent_models.pop(root, None)
    texts = {str(models): DRIFT["models.py"]}
    _, (everything, files, gone) = check_project_for_server(root, settings, texts, True)
    assert everything and {os.path.basename(p) for p in files} >= {"models.py", "tags.py", "posts.py"}
    _, (everything, changed, gone) = check_project_for_server(root, settings, texts, True)
    assert (everything, changed, gone) == (False, {}, ())
    (root / "tags.py").write_text(TAGS.replace("class Tag(", "class Label("), encoding="utf-8")
    _, (everything, changed, gone) = check_project_for_server(root, settings, texts, True)
    assert not everything and [os.path.basename(p) for p in changed] == ["tags.py"] and gone == ()
    (root / "tags.py").unlink()
    _, (everything, changed, gone) = check_project_for_server(root, settings, texts, True)
    assert changed == {} and [os.path.basename(p) for p in gone] == ["tags.py"]
    # a server without the project's map (it was never told, or lost it) gets every file
    _, (everything, files, gone) = check_project_for_server(root, settings, texts, False)
    assert everything and {os.path.basename(p) for p in files} >= {"models.py", "posts.py"}
