"""The data package: its validation, and descriptions of the data files for the appendix.

Everything here reads descriptions that already exist (the Frictionless
``datapackage.json`` and the build manifest) and returns tables; nothing is
typed twice. :func:`validate_datapackage` checks the descriptor against the
Frictionless Data Package and Table Schema specifications and every row of
the table it describes against that schema; ``python -m analysis build`` runs
it before writing anything. Faults raise :class:`DataPackageError` with a
one-line message naming the file (and the row and field of a bad cell).

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
from analysis.errors import CompendiumError, display_path, one_line, read_utf8
from analysis.io import relative_to_root


class DataPackageError(CompendiumError):
    """``datapackage.json`` is unreadable, malformed or does not describe its table."""


def load_datapackage(path: Path = config.DATAPACKAGE) -> dict:
    """Read ``datapackage.json`` as a JSON object with a list of resources.

    Raises
    ------
    DataPackageError
        If the file cannot be read, is not UTF-8 JSON, or has no ``resources`` list.

    Examples
    --------
    >>> load_datapackage()["profile"]
    'tabular-data-package'
    """
    name = display_path(path)
    text = read_utf8(path, DataPackageError)
    try:
        package = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataPackageError(f"{name}: line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        raise DataPackageError(f"{name}: field 'resources': a data package needs a list of resources")
    for position, resource in enumerate(package["resources"], start=1):
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            raise DataPackageError(f"{name}: resource #{position}: needs a 'name'")
        schema = resource.get("schema", {})
        if not isinstance(schema, dict) or not all(isinstance(field, dict) and "name" in field for field in schema.get("fields", [])):
            raise DataPackageError(f"{name}: resource {resource['name']!r}: field 'schema': each field needs a 'name'")
    return package


def validate_datapackage(path: Path = config.DATAPACKAGE) -> dict:
    """Validate the data package and its data with Frictionless; return the descriptor.

    Parameters
    ----------
    path : Path
        The ``datapackage.json``; resource paths are relative to its folder.

    Returns
    -------
    dict
        The descriptor as read.

    Raises
    ------
    DataPackageError
        Naming the file and Frictionless's first error: a descriptor that
        breaks the specification, or a cell (by row and field) that breaks
        the table schema.

    Examples
    --------
    >>> validate_datapackage()["resources"][0]["name"]
    'table5_1_published'
    """
    package = load_datapackage(path)
    import frictionless  # imported here: only the build and its tests need it

    report = frictionless.validate(str(path))
    if report.valid:
        return package
    name = display_path(path)
    for error in report.errors:
        raise DataPackageError(f"{name}: {one_line(error.message)} (Frictionless {error.type})")
    for task in report.tasks:
        for error in task.errors:
            if getattr(error, "row_number", None) is not None and getattr(error, "field_name", None):
                where = f"resource {task.name!r} ({task.place}), row {error.row_number}, field {error.field_name!r}"
                raise DataPackageError(f"{name}: {where}: {one_line(error.note)} (Frictionless {error.type})")
            raise DataPackageError(
                f"{name}: resource {task.name!r}: {one_line(error.message)} (Frictionless {error.type})"
            )
    raise DataPackageError(f"{name}: Frictionless reports the package invalid without naming an error")


def datapackage_fields(path: Path = config.DATAPACKAGE) -> pd.DataFrame:
    """One row per field of every resource in the data package: name, type, unit, meaning.

    Examples
    --------
    >>> "Increased" in set(datapackage_fields()["field"])
    True
    """
    package = load_datapackage(path)
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
