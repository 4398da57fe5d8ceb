"""Command line: ``python -m analysis {build,verify,notebooks,render,exact}``.

- ``build``: rerun every analysis from raw data and write ``data/derived``.
- ``notebooks``: execute every chapter whose notebook is out of date
  (``--force``: every chapter) into ``chapters/<name>.ipynb``, which Quarto
  renders; Quarto's pre-render step runs it before every render.
- ``exact``: compute the exact conditional p-values of Table 5.1 (minutes)
  and write ``data/derived/exact_tests.csv``.
- ``verify``: rebuild in a clean folder and compare with the committed
  outputs: REPRODUCED (byte-identical), REPRODUCED WITHIN TOLERANCE (numbers
  differ in the last stored figure only) or DRIFT; exit 1 on drift.
- ``render``: ``build``, then ``quarto render``; every further argument is
  passed to Quarto (``render --to html``; a leading ``--`` is dropped).
  Without Quarto it stops after the build, saying how to get it.

Exit status: 0 success; 1 a bad input, an output that cannot be written, or
(``verify``) drift, with a one-line ``error: <message>`` naming the file and
never a traceback; 2 a usage error; 3 ``render`` without Quarto; 130 after
Ctrl-C (SIGINT) and 143 after SIGTERM, with one line saying so. Outputs are
written all or nothing, so an interrupted build leaves a complete set.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys

from analysis import config
from analysis.errors import CompendiumError

QUARTO_MISSING = (
    "Quarto was not found on PATH, so the book was not rendered. The analysis outputs in "
    "data/derived were rebuilt. To render the website and PDF, install Quarto 1.9 or later "
    "(https://quarto.org/docs/get-started/; it also ships with RStudio and Positron, or run "
    "`pip install quarto-cli` where the internet is reachable), then run this command again."
)

#: Exit status of a bad input or an output that cannot be written.
EXIT_ERROR = 1
#: Exit status when rendering was asked for but Quarto is absent.
EXIT_NO_QUARTO = 3
#: Exit status after an interruption: 128 + the signal's number, as shells report it.
EXIT_INTERRUPTED = {signal.SIGINT: 128 + signal.SIGINT, signal.SIGTERM: 128 + signal.SIGTERM}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` (temporary files) runs."""


def _raise_terminated(number: int, frame: object) -> None:
    raise Terminated


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
    if not report.differences and len(report.within_tolerance) > 1:
        for gap in report.within_tolerance:
            print(f"  ~ {gap}")
    return 0 if report.reproduced else 1


def _exact() -> int:
    from analysis.exact_results import write_exact_results

    try:
        path = write_exact_results(report=lambda line: print(line, flush=True))
    except SystemError as error:
        # a signal that arrives inside a compiled (Numba) kernel surfaces, once the kernel returns,
        # as a SystemError caused by the interruption: report the interruption itself
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, KeyboardInterrupt):
            cause = cause.__cause__
        if cause is None:
            raise
        raise cause from None
    print(f"wrote {path.relative_to(config.ROOT)}")
    return 0


def _notebooks(force: bool) -> int:
    from analysis.notebooks import refresh_book

    refresh_book(force=force, report=lambda line: print(line, flush=True))
    return 0


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
    commands.add_parser("exact", help="compute the exact p-values of Table 5.1 (minutes) into data/derived")
    notebooks = commands.add_parser("notebooks", help="execute every out-of-date chapter into its notebook (chapters/*.ipynb)")
    notebooks.add_argument("--force", action="store_true", help="execute every chapter, current or not")
    commands.add_parser(
        "render",
        help="build, then render the book with Quarto; further arguments go to `quarto render`",
        description="Build, then run `quarto render` with every further argument, e.g. `render --to html`.",
    )
    arguments, extra = parser.parse_known_args(argv)
    if arguments.command != "render" and extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    quarto_arguments = extra[1:] if extra[:1] == ["--"] else extra
    previous_handler = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        if arguments.command == "build":
            return _build()
        if arguments.command == "verify":
            return _verify()
        if arguments.command == "exact":
            return _exact()
        if arguments.command == "notebooks":
            return _notebooks(arguments.force)
        return _render(quarto_arguments)
    except (CompendiumError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as interruption:
        number = signal.SIGTERM if isinstance(interruption, Terminated) else signal.SIGINT
        print(
            f"interrupted by {number.name}: outputs are written all or nothing, so data/derived holds a "
            "complete set; run the command again",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED[number]
    finally:
        signal.signal(signal.SIGTERM, previous_handler)


if __name__ == "__main__":
    sys.exit(main())
