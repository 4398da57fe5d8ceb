"""Descriptions of the data files for the data-and-provenance appendix.

Everything here reads descriptions that already exist (the Frictionless
``datapackage.json`` and the build manifest) and returns tables; nothing is
typed twice.

Examples
--------
>>> fields = datapackage_fields()
>>> fields.iloc[0]["field"]
'row'
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.io import relative_to_root


def datapackage_fields(path: Path = config.DATAPACKAGE) -> pd.DataFrame:
    """One row per field of every resource in the data package: name, type, unit, meaning.

    Examples
    --------
    >>> "Increased" in set(datapackage_fields()["field"])
    True
    """
    package = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = [
        {
            "resource": resource["name"],
            "field": field["name"],
            "type": field.get("type", ""),
            "unit": field.get("unit", ""),
            "description": field.get("description", ""),
        }
        for resource in package["resources"]
        for field in resource.get("schema", {}).get("fields", [])
    ]
    return pd.DataFrame(rows, columns=["resource", "field", "type", "unit", "description"])


def data_files(manifest_path: Path = config.MANIFEST) -> pd.DataFrame:
    """Every raw input and derived output with its role, size in bytes and SHA-256 prefix.

    The hashes are those recorded by the last ``python -m analysis build``
    (``data/derived/manifest.json``); ``python -m analysis verify`` checks them.

    Examples
    --------
    >>> files = data_files()
    >>> set(files["role"]) == {"raw input", "derived output"}
    True
    """
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    derived_folder = relative_to_root(Path(manifest_path).parent)
    entries = [("raw input", name, digest) for name, digest in manifest["inputs"].items()] + [
        ("derived output", f"{derived_folder}/{name}", digest) for name, digest in manifest["outputs"].items()
    ]
    rows = [
        {
            "role": role,
            "file": name,
            "bytes": (config.ROOT / name).stat().st_size,
            "sha256": digest[:16],
        }
        for role, name, digest in entries
    ]
    return pd.DataFrame(rows, columns=["role", "file", "bytes", "sha256"])
