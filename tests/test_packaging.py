"""The install declares every folder it ships, so a data folder is never left out of a
wheel and setuptools prints no warning about folders it had to guess at."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> tuple[set[str], dict[str, str]]:
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(tool["packages"]), tool["package-dir"]


def test_every_shipped_folder_is_a_declared_package():
    packages, package_dir = _declared()
    expected = set()
    for package, folder in package_dir.items():
        root = ROOT / folder
        for sub in [root, *root.rglob("*")]:
            if sub.is_dir() and sub.name != "__pycache__" and any(f.is_file() for f in sub.iterdir()):
                rel = sub.relative_to(root).parts
                expected.add(".".join((package, *rel)))
    missing = sorted(expected - packages)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"
    assert not sorted(packages - expected), "pyproject.toml lists packages that have no folder"
