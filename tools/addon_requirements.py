"""Prints the add-on's Python requirements as whool derives them (one a line).

whool builds the add-on's wheel metadata from __manifest__.py (depends,
external_dependencies); the add-on must be read from a folder named after it,
which pip itself cannot do from a checkout named otherwise. Odoo itself is left
out: set-up installs it from ODOO_SRC.
"""

import sys
from pathlib import Path

from manifestoo_core.metadata import metadata_from_addon_dir
from whool.buildapi import load_pyproject_toml


def main(addon_dir):
    addon_dir = Path(addon_dir)
    options = load_pyproject_toml(addon_dir).get("tool", {}).get("whool", {})
    metadata = metadata_from_addon_dir(addon_dir, options)
    for requirement in metadata.get_all("Requires-Dist") or []:
        if requirement.split("=")[0].split(">")[0].split("<")[0].strip() == "odoo":
            continue
        print(requirement)


if __name__ == "__main__":
    main(sys.argv[1])
