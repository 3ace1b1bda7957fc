"""Builds the add-on's wheel and checks that it ships the add-on only.

Usage: .venv/bin/python tools/check_wheel.py [OUTPUT_DIR]

Prints the wheel's files by folder and exits 1 when a file lies outside
``odoo/addons/<name>/`` and the dist-info, when one matches an ``exclude``
pattern of ``[tool.addon-build]`` in pyproject.toml, or when the manifest is
missing. Builds with the virtualenv's whool (no download).
"""

import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from addon_build import excluded
from whool.utils import load_pyproject_toml

ROOT = Path(__file__).resolve().parent.parent


def build(output):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["--quiet", "--wheel-dir", str(output), str(ROOT)],
        check=True,
    )
    (wheel,) = Path(output).glob("*.whl")
    return wheel


def problems(names, addon, patterns):
    prefix = f"odoo/addons/{addon}/"
    found = []
    if prefix + "__manifest__.py" not in names:
        found.append(f"no {prefix}__manifest__.py")
    for name in names:
        if name.startswith(prefix):
            if excluded(name[len(prefix) :], patterns):
                found.append(f"excluded file packaged: {name}")
        elif not name.split("/")[0].endswith(".dist-info"):
            found.append(f"file outside the add-on: {name}")
    return found


def main(output=None):
    config = load_pyproject_toml(ROOT).get("tool", {}).get("addon-build", {})
    addon = config.get("name", ROOT.name)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build(output or tmp)
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
    prefix = f"odoo/addons/{addon}/"
    folders = Counter(
        name[len(prefix) :].split("/")[0] if name.startswith(prefix) else "(meta)"
        for name in names
    )
    print(f"{wheel.name}: {len(names)} files")
    for folder, count in sorted(folders.items()):
        print(f"  {count:4}  {folder}")
    found = problems(names, addon, config.get("exclude", []))
    for problem in found:
        print(f"FAIL: {problem}")
    print("wheel: FAIL" if found else "wheel: OK (the add-on only)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
