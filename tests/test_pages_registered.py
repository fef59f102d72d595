"""The st.Page list of dashboard.py is exactly the files in pages/ (st.navigation does not
discover the folder once it runs)."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _registered_pages() -> list[str]:
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "PAGES" for target in node.targets
        ):
            return [entry.elts[0].value for entry in node.value.elts]
    raise AssertionError("dashboard.py defines no PAGES tuple")


def test_pages_registered_equal_page_files():
    files = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
    assert sorted(_registered_pages()) == files


def test_pages_registered_once_each():
    registered = _registered_pages()
    assert len(registered) == len(set(registered))
