"""What the studies share: where their results go, their dataset options and the reuse
of an earlier run's peers, and the package's documented rules for its "auto" batch size
and subsample written out (the studies use the public API only).

A study imports the benchmarks' data protocols (``bench_anomaly``, ``bench_density``,
``synthetic``, ``_harness``, whose ``scott_bandwidth`` and ``feature_spread`` are the
noise rules) after putting :data:`BENCHMARKS` on ``sys.path``.
"""

import json
from pathlib import Path

import pandas as pd

BENCHMARKS = str(Path(__file__).resolve().parents[1] / "benchmarks")
RESULTS = Path(__file__).resolve().parent / "results"

# The defaults' documented rules (UntiedAutoEncoder's docstring): batch_size="auto" is
# min(128, max(8, n // 16)); max_samples="auto" is at most 8,192 rows per epoch.


def auto_batch_size(n_samples):
    return int(min(128, max(8, n_samples // 16)))


def auto_rows_per_epoch(n_samples):
    return min(n_samples, 8192)


def add_dataset_arguments(parser, kinds):
    """The options that pick a study's runs: seeds, settings and datasets of
    ``bench_anomaly``, its generated ``kinds``, and an earlier run to reuse."""
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--settings", nargs="*", default=["unsupervised"])
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--synthetic", nargs="*", default=[], choices=kinds)
    parser.add_argument("--heavy-tailed", action="store_true")
    parser.add_argument("--only-generated", action="store_true")
    parser.add_argument("--peers-from", metavar="JSON", help="reuse a run's default and peers")


def selected_datasets(args):
    """``bench_anomaly.datasets`` for the options of :func:`add_dataset_arguments` (and
    ``--embeddings``, where a study has it). Call it after putting :data:`BENCHMARKS`
    on ``sys.path``."""
    from bench_anomaly import datasets

    return datasets(
        args.datasets or None,
        embeddings=getattr(args, "embeddings", False),
        synthetic=args.synthetic,
        heavy_tailed=args.heavy_tailed,
        real=not args.only_generated,
    )


def reused_rows(path, names, seeds, settings):
    """The rows of a ``bench_anomaly`` run (its JSON) for these datasets, seeds and
    settings, the default named "default", without the novelty mode. Call it after
    putting :data:`BENCHMARKS` on ``sys.path``, as every study does on import."""
    from bench_anomaly import DEFAULT, NOVELTY  # the bench's names for the package's rows

    rows = pd.DataFrame(json.loads(Path(path).read_text())["rows"])
    rows = rows.replace({"method": {DEFAULT: "default"}})
    keep = rows["dataset"].isin(names) & rows["seed"].isin(range(seeds))
    keep &= rows["setting"].isin(settings) & (rows["method"] != NOVELTY)
    return rows[keep]


def with_reused(frame, path, names, seeds, settings):
    """``frame`` with the rows of an earlier run (:func:`reused_rows`) for the methods
    it did not run itself: a study's own rows (its own default, say) replace the
    reused ones."""
    reused = reused_rows(path, names, seeds, settings)
    return pd.concat([reused[~reused["method"].isin(frame["method"])], frame])
