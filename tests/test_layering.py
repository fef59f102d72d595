"""Layering rules of docs/architecture.md, checked on the source and by importing everything."""

import ast
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PURE = [*sorted((ROOT / "metrics").rglob("*.py")), *sorted((ROOT / "warehouse").rglob("*.py")),
        *sorted((ROOT / "i18n").rglob("*.py")), ROOT / "charts.py"]
PAGES = sorted((ROOT / "pages").glob("*.py"))


def _imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pure_layers_never_import_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in PURE if "streamlit" in _imported_modules(p)]
    assert PURE and offenders == []


def test_pages_never_import_duckdb_or_ibis():
    offenders = [str(p.relative_to(ROOT)) for p in PAGES
                 if _imported_modules(p) & {"duckdb", "ibis", "warehouse"}]
    assert PAGES and offenders == []


def test_pages_render_no_unsafe_html():
    offenders = [str(p.relative_to(ROOT)) for p in [*PAGES, ROOT / "dashboard.py", *sorted((ROOT / "app_state").glob("*.py"))]
                 if "unsafe_allow_html" in p.read_text(encoding="utf-8")]
    assert offenders == []


_IMPORT_ALL = """
import importlib, json, pathlib, sys
root = pathlib.Path(sys.argv[1])
names = ["charts", "i18n", "serve"]
for package in ("app_state", "metrics", "warehouse"):
    names += [package] + [f"{package}.{p.stem}" for p in sorted((root / package).glob("*.py"))
                          if p.stem not in ("__init__", "__main__")]
for name in names:
    importlib.import_module(name)
print(json.dumps(sorted(names)))
"""


def test_modules_import_without_connecting(tmp_path):
    db_dir = tmp_path / "not-there"
    env = {"DASHBOARD_DB": str(db_dir / "dashboard.duckdb"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL, str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "app_state" in json.loads(done.stdout)
    assert not db_dir.exists()
