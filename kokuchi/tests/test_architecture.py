"""The layering of the apps (docs/ARCHITECTURE.md) is a contract that import-linter checks.

The contract lives in pyproject.toml ([tool.importlinter]); these tests run it on the repository and
show that it catches an upward import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import kokuchi

REPO = Path(kokuchi.__file__).resolve().parent.parent


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _layers() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    return contract["layers"]


def test_the_repository_keeps_the_layering_contract():
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_every_app_is_a_layer_and_core_is_the_bottom():
    apps = {path.parent.name for path in (REPO / "kokuchi").glob("*/apps.py")}
    layered = {name.strip() for layer in _layers() for name in layer.split("|")}
    assert layered == apps
    assert _layers()[-1] == "core"


def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO / "kokuchi",
        copy / "kokuchi",
        ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "locale", "fonts", "static", "templates", "data"),
    )
    shutil.copytree(REPO / "config", copy / "config", ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    (copy / "kokuchi" / "core" / "upward.py").write_text("from kokuchi.exposures import models  # noqa: F401\n")

    result = _lint_imports(copy)

    assert result.returncode == 1
    assert "kokuchi.core is not allowed to import kokuchi.exposures" in result.stdout
    assert "kokuchi.core.upward -> kokuchi.exposures.models" in result.stdout
