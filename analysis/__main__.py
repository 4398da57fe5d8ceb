"""Command line: ``python -m analysis {build,verify,render}``.

- ``build``: rerun every analysis from raw data and write ``data/derived``.
- ``verify``: rebuild in a clean folder and compare with the committed
  manifest; exit 1 on any drift.
- ``render``: ``build``, then ``quarto render`` (extra arguments are passed
  to Quarto). Without Quarto it stops after the build, saying how to get it.

Bad input never ends in a bare traceback: the error's one-line message is
printed and the exit status is 1.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

from analysis import config

QUARTO_MISSING = (
    "Quarto was not found on PATH, so the book was not rendered. The analysis outputs in "
    "data/derived were rebuilt. To render the website and PDF, install Quarto 1.9 or later "
    "(https://quarto.org/docs/get-started/; it also ships with RStudio and Positron, or run "
    "`pip install quarto-cli` where the internet is reachable), then run this command again."
)

#: Exit status when rendering was asked for but Quarto is absent.
EXIT_NO_QUARTO = 3


def _build() -> int:
    from analysis.build import build

    result = build()
    for name, digest in result.outputs.items():
        print(f"wrote data/derived/{name}  sha256 {digest[:12]}")
    print(f"wrote {config.MANIFEST.relative_to(config.ROOT)} ({len(result.inputs)} inputs, {len(result.outputs)} outputs)")
    return 0


def _verify() -> int:
    from analysis.verify import verify

    report = verify()
    print(report.verdict)
    for difference in report.differences:
        print(f"  - {difference}")
    return 0 if report.reproduced else 1


def _render(quarto_arguments: list[str]) -> int:
    status = _build()
    quarto = shutil.which("quarto")
    if quarto is None:
        print(QUARTO_MISSING, file=sys.stderr)
        return EXIT_NO_QUARTO
    return status or subprocess.run([quarto, "render", *quarto_arguments], cwd=config.ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="rerun every analysis from raw data into data/derived")
    commands.add_parser("verify", help="rebuild in a clean folder and compare with the committed manifest")
    render = commands.add_parser("render", help="build, then render the book with Quarto")
    render.add_argument("quarto_arguments", nargs=argparse.REMAINDER, help="passed on to `quarto render`")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "build":
            return _build()
        if arguments.command == "verify":
            return _verify()
        return _render(arguments.quarto_arguments)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
