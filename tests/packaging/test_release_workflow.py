"""The release workflow is checked here, since it only runs on GitHub: it must satisfy GitHub's
workflow schema, build on all three systems with the one build command, build Linux on the
oldest supported Ubuntu, and smoke-test the Linux app before anything is published."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "release.yml"
yaml = pytest.importorskip(
    "ruamel.yaml", reason="comes with check-jsonschema: pip install -e '.[test]'"
)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


def test_matches_githubs_workflow_schema():
    tool = shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("needs check-jsonschema: pip install -e '.[test]'")
    done = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_builds_every_system_with_the_one_build_command(workflow):
    jobs = workflow["jobs"]
    assert jobs["linux"]["runs-on"] == "ubuntu-22.04"  # glibc 2.35: the widest range on offer
    assert jobs["windows"]["runs-on"].startswith("windows-")
    assert jobs["macos"]["runs-on"].startswith("macos-")
    for name in ("linux", "windows", "macos"):
        assert "python packaging/build.py" in _runs(jobs[name]), name
        assert "--version" in _runs(jobs[name]) or "-m frozen" in _runs(jobs[name]), name


def test_linux_is_smoke_tested_and_publishing_waits_for_all(workflow):
    jobs = workflow["jobs"]
    smoke = _runs(jobs["linux"])
    assert ".ci/with-keyring.sh python -m pytest -m frozen tests/packaging" in smoke
    assert set(jobs["publish"]["needs"]) == {"linux", "windows", "macos"}
    assert workflow["permissions"] == {"contents": "read"}  # write only where publishing
    assert jobs["publish"]["permissions"] == {"contents": "write"}
