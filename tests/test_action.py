"""The GitHub Action (action.yml), its `run` steps executed as GitHub's runner would.

The `uses` steps are GitHub's own actions and are stood in for: setup-python by a throwaway
virtual environment first on PATH, actions/cache by a cache directory that outlives the job, and
upload-sarif by reading the SARIF file it would upload. Everything else is the action's text:
its inputs' defaults, its `env`, `working-directory` and outputs, run with bash.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # installed with pre-commit (test extras)

REPO = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

MODELS = '''\
from sqlalchemy import Column, DateTime, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Event(Base):
    __tablename__ = "events"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, server_default="now()")
'''


def _steps():
    return ACTION["runs"]["steps"]


def test_no_run_step_expands_an_expression_into_shell_code():
    # `${{ inputs.paths }}` inside a script is pasted into the shell text: an input could inject
    # commands. The action passes inputs through `env` instead.
    for step in _steps():
        if "run" in step:
            assert "${{" not in step["run"], step.get("id")


class Runner:
    """Runs the action's `run` steps in order, as the runner does: GITHUB_OUTPUT, GITHUB_ENV and
    GITHUB_PATH files per step, outputs by step id, expressions in `env` and `working-directory`."""

    def __init__(self, workspace: Path, temp: Path, action: tuple[Path, Path], inputs: dict[str, str]):
        action_path, python_bin = action
        self.workspace, self.temp = workspace, temp
        self.inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
        self.inputs.update(inputs)
        self.env = {
            "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(temp),
            "RUNNER_TEMP": str(temp),
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_WORKSPACE": str(workspace),
            "PIP_NO_INDEX": "1",  # everything ormlint needs is visible from the test's environment
            "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of --no-build-isolation
        }
        self.outputs: dict[str, dict[str, str]] = {}

    def expand(self, text: str) -> str:
        def value(match: re.Match) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return self.inputs[expression.removeprefix("inputs.")]
            if expression == "runner.temp":
                return str(self.temp)
            step_output = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
            if step_output:
                return self.outputs.get(step_output.group(1), {}).get(step_output.group(2), "")
            raise AssertionError(f"the test does not know {expression!r}")

        return _EXPRESSION.sub(value, text)

    def run(self, installed: bool = False) -> dict[str, subprocess.CompletedProcess]:
        """`installed`: ormlint is in the environment already (another test's job installed it):
        start after the install step, with the environment it leaves."""
        results = {}
        if installed:
            self.env["ORMLINT_CACHE_DIR"] = str(self.temp / "ormlint-cache")
        for number, step in enumerate(_steps()):
            if "run" not in step or (installed and step.get("id") == "install"):
                continue
            files = {name: self.temp / f"{name.lower()}-{number}" for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")}
            for file in files.values():
                file.write_text("")
            env = {**self.env, **{k: str(v) for k, v in files.items()}}
            env.update({k: self.expand(str(v)) for k, v in step.get("env", {}).items()})
            cwd = self.workspace / self.expand(step.get("working-directory", "."))
            assert step["shell"] == "bash"
            # GitHub runs `bash --noprofile --norc -eo pipefail {0}`
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
            )
            results[step.get("id", str(number))] = done
            self.outputs[step.get("id", str(number))] = dict(
                line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text().splitlines() if "=" in line
            )
            self.env.update(line.split("=", 1) for line in files["GITHUB_ENV"].read_text().splitlines() if "=" in line)
            if done.returncode != 0:
                break  # a failing step ends the job
        return results


@pytest.fixture(scope="module")
def action(tmp_path_factory):
    """The action's directory (a copy of this checkout's package, taken once, as a job checks out
    one commit) and setup-python's stand-in: a fresh interpreter environment that sees the test's
    packages (libcst, click: so that installing ormlint needs no network) but not its ormlint."""
    action_path = tmp_path_factory.mktemp("action")
    for name in ("pyproject.toml", "README.md", "LICENSE", "action.yml"):
        shutil.copy(REPO / name, action_path / name)
    shutil.copytree(REPO / "ormlint", action_path / "ormlint", ignore=shutil.ignore_patterns("__pycache__"))
    root = tmp_path_factory.mktemp("setup-python")
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(root)
    site = subprocess.run(
        [str(root / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    # pip itself comes from the test's environment
    Path(site, "outer.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    _install(action_path, root / "bin")  # for the tests that start after the install step
    return action_path, root / "bin"


def _install(action_path: Path, python_bin: Path) -> None:
    done = subprocess.run(
        [str(python_bin / "python"), "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps",
         "--no-index", "--no-build-isolation", str(action_path)],
        capture_output=True, text=True, env={**os.environ, "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}"},
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def workspace(tmp_path):
    project = tmp_path / "workspace"
    project.mkdir()
    (project / "models.py").write_text(MODELS)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return project, temp


def test_findings_are_uploaded_annotated_and_fail_the_job(action, workspace):
    project, temp = workspace
    runner = Runner(project, temp, action, {})
    results = runner.run()
    assert results["install"].returncode == 0, results["install"].stderr
    assert results["check"].returncode == 0, results["check"].stderr  # findings are no error here
    assert runner.outputs["check"] == {"exit-code": "1", "sarif-file": str(temp / "ormlint.sarif")}
    sarif = json.loads((temp / "ormlint.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["ORM301"]
    annotate = results["annotate"]
    assert annotate.returncode == 1
    assert annotate.stdout.startswith("::error file=models.py,line=10,")
    # the annotation run read the cache the SARIF run wrote
    assert list((temp / "ormlint-cache").glob("*.json"))


def test_the_job_passes_with_findings_when_asked_and_fails_on_errors(action, workspace):
    project, temp = workspace
    results = Runner(project, temp, action, {"fail-on-findings": "false"}).run(installed=True)
    assert results["check"].returncode == 0 and results["annotate"].returncode == 0
    assert "::error file=models.py" in results["annotate"].stdout

    results = Runner(project, temp, action, {"args": "--select ORM3O1"}).run(installed=True)
    assert results["check"].returncode == 2  # a usage error fails the job at once
    assert "annotate" not in results


def test_an_input_cannot_run_shell_code(action, workspace):
    project, temp = workspace
    results = Runner(project, temp, action, {"paths": '"; touch pwned; echo "', "args": "$(touch pwned2)"}).run(installed=True)
    assert results["check"].returncode == 2  # no such paths: a usage error, and nothing ran
    assert not (project / "pwned").exists() and not (project / "pwned2").exists()


def test_a_restored_cache_hits_after_a_fresh_install(action, workspace):
    # CI installs ormlint anew on every run (new file mtimes) and restores the cache of an
    # earlier commit: the results must still be found, not written again under a new name.
    project, temp = workspace
    Runner(project, temp, action, {}).run(installed=True)
    # mark the cached finding, so that a run that reads the cache says so
    [results_file] = (temp / "ormlint-cache").glob("results-*.json")
    results_file.write_text(results_file.read_text().replace("quoted literal", "CACHED literal"))
    _install(*action)  # new files, new mtimes
    results = Runner(project, temp, action, {}).run(installed=True)
    assert results["annotate"].returncode == 1
    assert "CACHED literal" in results["annotate"].stdout
    assert [p.name for p in (temp / "ormlint-cache").glob("results-*.json")] == [results_file.name]
