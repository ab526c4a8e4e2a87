"""The README's architecture tree is the real tree: every top-level package and module is drawn,
and everything drawn exists, so `ls` and the README never disagree."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1]
    return section.split("```", 2)[1]


def drawn_names() -> set[str]:
    """Top-level names the tree draws: `name/` folders and `name.py` modules at a line's start or
    after a space (sub-entries like `profiles/*.json` sit inside parentheses and are left out)."""
    names = set()
    for line in tree_block().splitlines():
        for token in re.findall(r"(?:^|\s)([A-Za-z_][\w.-]*/|[A-Za-z_][\w.]*\.py)(?=\s|$)", line):
            names.add(token.rstrip("/"))
    return names


def tracked_top_level() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {path.split("/", 1)[0] for path in listed}


def test_every_top_level_package_and_module_is_in_the_readme_tree():
    packages_and_modules = {
        name
        for name in tracked_top_level()
        if ((ROOT / name).is_dir() and not name.startswith(".")) or name.endswith(".py")
    }
    assert packages_and_modules - drawn_names() == set()


def test_everything_the_readme_tree_draws_exists():
    missing = {name for name in drawn_names() if not (ROOT / name).exists()}
    assert missing == set()


def test_every_package_says_what_it_owns_and_may_import():
    for init in sorted(ROOT.glob("*/__init__.py")):
        if init.parent.name == "tests":
            continue
        text = init.read_text()
        docstring = text.split('"""')[1] if text.startswith('"""') else ""
        assert docstring.strip(), f"{init.parent.name}/__init__.py has no docstring"
        assert "import" in docstring, f"{init.parent.name}/__init__.py: what may it import?"
