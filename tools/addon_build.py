"""PEP 517 build backend: whool, shipping the add-on only.

whool packages every file git tracks (it has no exclude option yet) and names
the add-on after the folder the repository is checked out in. This thin
wrapper copies the tracked files, less the ``exclude`` patterns of
``[tool.addon-build]`` in pyproject.toml, into a folder named after the add-on
(``name`` there), with the version whool computes from the git history of the
checkout, and lets whool build the wheel or the sdist from that copy.

The sdist also holds pyproject.toml and this file, so that a wheel can be
built from it (there is no git there: all its files are taken).
"""

import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from email.generator import Generator
from fnmatch import fnmatch
from pathlib import Path

from manifestoo_core.metadata import metadata_from_addon_dir
from whool import buildapi as whool
from whool.utils import load_pyproject_toml

DIST_NAME = re.compile(r"^(?P<prefix>odoo\d*-addon-)(?P<addon>.*)$")


def _config(root):
    return load_pyproject_toml(root).get("tool", {}).get("addon-build", {})


def _files(root):
    """Relative paths of the files to package: all of them in an unpacked
    sdist, else those git tracks."""
    if (root / "PKG-INFO").is_file():
        return _all_files(root)
    try:
        output = subprocess.check_output(
            ["git", "ls-files", "-z"], cwd=root, stderr=subprocess.DEVNULL
        )
    except (subprocess.CalledProcessError, FileNotFoundError):
        return _all_files(root)
    return [name for name in output.decode().split("\0") if name]


def _all_files(root):
    return sorted(
        path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()
    )


def excluded(path, patterns):
    """Whether ``path`` (relative, with /) matches one of ``patterns``: a
    glob on the whole path, or a folder (``tools/``) and all it holds."""
    return any(
        fnmatch(path, pattern) or (pattern.endswith("/") and path.startswith(pattern))
        for pattern in patterns
    )


def _metadata(root, name):
    """The package metadata whool computes for ``root``, named after the
    add-on ``name`` instead of the checkout's folder."""
    options = load_pyproject_toml(root).get("tool", {}).get("whool", {})
    metadata = metadata_from_addon_dir(
        root, options, precomputed_metadata_file=root / "PKG-INFO"
    )
    match = DIST_NAME.match(metadata["Name"])
    if match:
        metadata.replace_header("Name", match["prefix"] + name)
    return metadata


@contextmanager
def _staged(for_sdist):
    """A temporary folder named after the add-on, holding what to package,
    with a PKG-INFO giving whool the package's name and version."""
    root = Path.cwd()
    config = _config(root)
    name = config.get("name") or root.name
    patterns = config.get("exclude", [])
    keep = (
        {Path(__file__).resolve().relative_to(root).as_posix()} if for_sdist else set()
    )
    metadata = _metadata(root, name)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / name
        staged.mkdir()
        # the sdist needs this backend, even before it is committed
        for path in sorted(set(_files(root)) | keep):
            if path == "PKG-INFO" or (excluded(path, patterns) and path not in keep):
                continue
            target = staged / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / path, target)
        with open(staged / "PKG-INFO", "w", encoding="utf-8") as file:
            Generator(file, mangle_from_=False, maxheaderlen=0).flatten(metadata)
        cwd = os.getcwd()
        os.chdir(staged)
        try:
            yield
        finally:
            os.chdir(cwd)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel_directory = os.path.abspath(wheel_directory)
    with _staged(for_sdist=False):
        return whool.build_wheel(wheel_directory, config_settings)


def build_sdist(sdist_directory, config_settings=None):
    sdist_directory = os.path.abspath(sdist_directory)
    with _staged(for_sdist=True):
        return whool.build_sdist(sdist_directory, config_settings)


# an editable install links the working tree itself: nothing to leave out
build_editable = whool.build_editable
