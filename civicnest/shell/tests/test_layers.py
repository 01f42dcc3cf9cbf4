"""The architecture is checked, not hoped for: the import-linter layer contract, and no `.objects` in views
or APIs (they read through selectors and `access_*` helpers, which apply the jurisdiction)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "civicnest"


def _is_view_or_api(path: Path) -> bool:
    if "tests" in path.parts or "migrations" in path.parts:
        return False
    return path.name in {"views.py", "apis.py"} or path.parent.name in {"views", "apis"}


def objects_uses(source: str) -> list[int]:
    """Line numbers where the code reaches a model manager (`X.objects`, `x.__class__.objects`,
    `X._default_manager`) instead of calling a selector."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}:
            found.append(node.lineno)
    return sorted(found)


def test_views_and_apis_never_touch_objects() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if _is_view_or_api(path)
        for line in objects_uses(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "views/APIs must read through selectors:\n" + "\n".join(offenders)


def test_the_objects_check_catches_a_violation() -> None:
    source = "def view(request):\n    return Need.objects.filter(pk=1)\n\n\ndef ok(request):\n    return selectors.need_list(user=request.user)\n"
    assert objects_uses(source) == [2]
    assert objects_uses("x = type(obj)._default_manager.all()\n") == [1]


def _lint_imports() -> str:
    found = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(found).exists():
        pytest.skip("import-linter is not installed")
    return found


def test_the_layer_contract_holds() -> None:
    result = subprocess.run(
        [_lint_imports(), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_layer_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    """The same layers, on a throw-away package whose kernel imports the shell: the contract breaks."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    contract = config["importlinter"]["contracts"][0]
    layers = [layer.replace("civicnest", "probe") for layer in contract["layers"]]
    pkg = tmp_path / "probe"
    for layer in layers:
        for module in (m.strip() for m in layer.split("|")):
            (tmp_path / Path(*module.split("."))).mkdir(parents=True, exist_ok=True)
            (tmp_path / Path(*module.split(".")) / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("from probe.shell import home  # noqa\n")
    (pkg / "shell" / "home.py").write_text("")
    lines = [
        "[importlinter]",
        "root_package = probe",
        "",
        "[importlinter:contract:layers]",
        "name = layers",
        "type = layers",
        "layers =",
        *[f"    {layer}" for layer in layers],
    ]
    (tmp_path / ".importlinter").write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [_lint_imports(), "--config", str(tmp_path / ".importlinter")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "probe.core -> probe.shell" in result.stdout
