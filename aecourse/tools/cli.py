"""Command line: `python -m aecourse {data,execute,spread,simulate,bench,slides,site}` (README)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .machines import VARIANTS


def _data(args: argparse.Namespace) -> int:
    from ..data import check_data, data_root

    print(f"data root: {data_root(args.root).resolve()}")
    checks = check_data(args.root, download=not args.no_download)
    for check in checks:
        if check.error is not None:
            print(check.error, file=sys.stderr)
            print(f"{check.title}: NOT AVAILABLE (the error message says what to do).")
            continue
        for name, state in check.status.items():
            print(f"  {state:>12}  {check.folder.resolve() / name}")
        train, test = check.sizes or (0, 0)
        verdict = "all four MD5 checksums match." if check.ok else "CHECKSUMS DO NOT MATCH."
        print(f"{check.title}: train: {train} images, test: {test} images; {verdict}")
    return 0 if all(check.ok for check in checks) else 1


def _execute(args: argparse.Namespace) -> int:
    from .execute import course_notebooks, execute_notebook

    for path in course_notebooks(args.notebooks):
        out = path if args.out is None else Path(args.out) / path.name
        print(f"executing {path.name} ...", flush=True)
        seconds = execute_notebook(
            path, out=out, seed=args.seed, allow_errors=args.out is not None, timeout=args.timeout
        )
        print(f"  done in {seconds:.1f} s, outputs stored in {out}", flush=True)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import run_bench

    result = run_bench(args.root, batch_size=args.batch_size)
    print("one epoch of the 784-512-256-2 MLP autoencoder (Adam 1e-3, batch 128, MSE):")
    print(
        f"  aecourse (in-memory tensors + Batches, loading included): {result['aecourse_s']:.2f} s"
    )
    print(
        "  classic (datasets.MNIST(transform=ToTensor()) + DataLoader): "
        f"{result['classic_s']:.2f} s"
    )
    print(f"  speed-up: {result['speedup']:.2f}x")
    return 0


def _spread(args: argparse.Namespace) -> int:
    from .execute import course_notebooks
    from .spread import format_report, measure, run_variants

    notebooks = course_notebooks(args.notebooks)
    runs_dir = Path(args.runs)
    if args.report_only:
        runs = sorted(p for p in runs_dir.iterdir() if p.is_dir())
    else:
        print(
            f"running {len(notebooks)} notebook(s) under {args.variants} x seeds {args.seeds} "
            f"into {runs_dir}/ ...",
            flush=True,
        )
        runs = run_variants(notebooks, runs_dir, args.variants, args.seeds, jobs=args.jobs)
    rows = [
        row for nb in notebooks for row in measure(nb, [r for r in runs if (r / nb.name).exists()])
    ]
    print(format_report(rows, runs))
    return 0 if all(r.ok for r in rows) else 1


def _simulate(args: argparse.Namespace) -> int:
    import os
    import subprocess

    if not args.command_line:
        print("simulate needs a command to run, e.g. `pytest notebooks`.", file=sys.stderr)
        return 2
    settings = VARIANTS[args.variant]
    shown = " ".join(f"{k}={v}" for k, v in settings.items())
    print(shown or "(this machine as it is)", flush=True)
    return subprocess.call(args.command_line, env={**os.environ, **settings})


def _slides(args: argparse.Namespace) -> int:
    from .slides import build_decks

    try:
        decks = build_decks(args.notebooks, out_dir=args.out)
    except (FileNotFoundError, RuntimeError) as err:
        print(err, file=sys.stderr)
        return 1
    for deck in decks:
        print(deck)
    if decks:
        print(
            f"{len(decks)} offline deck(s) in {decks[0].parent}, libraries in "
            f"{decks[0].parent / 'assets'}. "
            "Open one in a browser; S opens the speaker view, ?print-pdf after the file name "
            "prints to PDF.",
            file=sys.stderr,
        )
    return 0


def _site(args: argparse.Namespace) -> int:
    import time

    from .site import build_site

    start = time.perf_counter()
    try:
        index = build_site(args.notebooks, out_dir=args.out, with_decks=not args.no_slides)
    except (FileNotFoundError, RuntimeError) as err:
        print(err, file=sys.stderr)
        return 1
    print(index)
    print(
        f"website built in {time.perf_counter() - start:.0f} s in {index.parent}: open index.html "
        "in a browser (no server or network needed), or serve the folder "
        f"(python -m http.server -d {index.parent}).",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m aecourse`."""
    parser = argparse.ArgumentParser(
        prog="python -m aecourse", description="Tools for the autoencoder course."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "data",
        help="prepare MNIST and Fashion-MNIST under the data root and verify their checksums",
    )
    p.add_argument("--root", help="data root (default: $AECOURSE_DATA or the project's data/)")
    p.add_argument("--no-download", action="store_true", help="only check what is on disk")
    p.set_defaults(func=_data)

    p = sub.add_parser(
        "execute", help="execute notebooks in place, in order, each in a fresh kernel"
    )
    p.add_argument("notebooks", nargs="*", help="notebooks to run (default: all of notebooks/)")
    p.add_argument(
        "--timeout", type=int, default=900, help="seconds allowed per cell (default 900)"
    )
    p.add_argument(
        "--seed", type=int, default=None, help="run with another SEED than the notebook's own"
    )
    p.add_argument(
        "--out",
        default=None,
        help="write executed copies into this folder, not in place (errors kept there)",
    )
    p.set_defaults(func=_execute)

    p = sub.add_parser(
        "bench", help="time one epoch through aecourse's data path and the classic DataLoader"
    )
    p.add_argument("--root", help="data root (default: $AECOURSE_DATA or the project's data/)")
    p.add_argument("--batch-size", type=int, default=128)
    p.set_defaults(func=_bench)

    p = sub.add_parser(
        "spread", help="measure how far the notebooks' numbers move across machines and seeds"
    )
    p.add_argument("notebooks", nargs="*", help="notebooks to measure (default: all of notebooks/)")
    p.add_argument(
        "--runs",
        default="spread-runs",
        help="folder for the executed copies (default spread-runs/)",
    )
    p.add_argument(
        "--variants",
        nargs="+",
        default=["native", "avx2", "one-thread"],
        help="simulated machines: native, avx2, one-thread, avx2-one-thread",
    )
    p.add_argument(
        "--seeds", nargs="+", type=int, default=[0, 1, 2], help="values for the notebooks' SEED"
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="runs at a time (2 suits one-thread variants on 2 cores)",
    )
    p.add_argument(
        "--report-only", action="store_true", help="only compare the runs already in --runs"
    )
    p.set_defaults(func=_spread)

    p = sub.add_parser(
        "simulate", help="run a command as another machine computes (the settings spread uses)"
    )
    p.add_argument("variant", choices=sorted(VARIANTS), help="the simulated machine")
    p.add_argument(
        "command_line", nargs=argparse.REMAINDER, help="the command, e.g. pytest notebooks"
    )
    p.set_defaults(func=_simulate)

    p = sub.add_parser("slides", help="build an offline reveal.js deck per notebook into slides/")
    p.add_argument("notebooks", nargs="*", help="notebooks to convert (default: all of notebooks/)")
    p.add_argument("--out", default=None, help="output folder (default: slides/ in the project)")
    p.set_defaults(func=_slides)

    p = sub.add_parser("site", help="build the course website (offline, with the decks) into site/")
    p.add_argument("notebooks", nargs="*", help="notebooks to include (default: all of notebooks/)")
    p.add_argument("--out", default=None, help="output folder (default: site/ in the project)")
    p.add_argument("--no-slides", action="store_true", help="leave the slide decks out")
    p.set_defaults(func=_site)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
