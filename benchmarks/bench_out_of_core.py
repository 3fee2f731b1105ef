"""Ten million rows that are never all in memory: Dask, block by block.

    python benchmarks/bench_out_of_core.py [--rows 10000000] [--block 1000000]

1. Writes ``--rows`` x 20 float32 rows (standard normal, 1% shifted by 4 in every
   feature) as one ``.npy`` file per block, a block at a time, into a temporary folder.
2. Opens them as a Dask array whose blocks are read from disk when computed.
3. Trains ``UntiedAutoEncoder(max_samples=None)`` with one ``partial_fit`` per block, in
   order, each block computed when its turn comes: one pass over every row, one block
   in memory at a time. (dask-ml's ``Incremental`` runs the same calls, but its graph
   lets the scheduler read several blocks ahead: 5.2 GB peak for 763 MB of data when
   measured.)
4. Scores the Dask array block by block (``map_blocks``) on a ``LocalCluster`` (one
   worker in this process, two threads).
5. Fits the default model in memory on a 100,000-row subsample and compares the two
   models' energies on 10,000 held-out rows (Spearman correlation), and both with the
   data's log-density (99% N(0, I), 1% N(4, I)).

Prints the times of each stage and the process's peak resident memory.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import machine
from scipy.stats import spearmanr


def write_blocks(folder, rows, block, features=20):
    paths = []
    for index, start in enumerate(range(0, rows, block)):
        rng = np.random.default_rng(index)
        X = rng.standard_normal((min(block, rows - start), features), dtype=np.float32)
        X[: len(X) // 100] += 4.0
        path = Path(folder) / f"block{index:04d}.npy"
        np.save(path, X)
        paths.append(path)
    return paths


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10**7)
    parser.add_argument("--block", type=int, default=10**6)
    args = parser.parse_args()

    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    from sk_consae import UntiedAutoEncoder

    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        paths = write_blocks(folder, args.rows, args.block)
        print(f"wrote {len(paths)} blocks of {args.block:,} rows: {time.perf_counter() - t:.1f} s")
        print(f"peak resident memory after writing: {peak_mb():.0f} MB")
        shapes = [np.load(p, mmap_mode="r").shape for p in paths]
        blocks = [
            da.from_delayed(dask.delayed(np.load)(p), shape=shape, dtype=np.float32)
            for p, shape in zip(paths, shapes)
        ]
        X = da.concatenate(blocks)
        data_mb = X.nbytes / 2**20
        with LocalCluster(n_workers=1, threads_per_worker=2, processes=False) as cluster:
            with Client(cluster):
                estimator = UntiedAutoEncoder(max_samples=None, random_state=0)
                t = time.perf_counter()
                for block in X.blocks:
                    estimator.partial_fit(block.compute())
                fit = time.perf_counter() - t
                print(f"partial_fit per block, one pass over {args.rows:,} rows: {fit:.1f} s")
                print(f"peak resident memory after training: {peak_mb():.0f} MB")
                t = time.perf_counter()
                energies = X.map_blocks(
                    estimator.score_samples, drop_axis=1, dtype=np.float32
                ).compute()
                score = time.perf_counter() - t
                finite = np.isfinite(energies).all()
                print(f"score block by block: {score:.1f} s, all finite: {finite}")
        peak = peak_mb()
        print(f"peak resident memory: {peak:.0f} MB (the data: {data_mb:.0f} MB on disk)")

    rng = np.random.default_rng(123)
    sample = rng.standard_normal((100_000, 20), dtype=np.float32)
    sample[:1000] += 4.0
    probe = rng.standard_normal((10_000, 20), dtype=np.float32)
    probe[:100] += 4.0
    t = time.perf_counter()
    in_memory = UntiedAutoEncoder(random_state=0).fit(sample)
    print(f"in-memory default fit on 100,000 rows: {time.perf_counter() - t:.1f} s")
    out_of_core = estimator.score_samples(probe)
    subsample = in_memory.score_samples(probe)
    # The data's log-density up to a constant: 99% N(0, I) and 1% N(4, I).
    x = probe.astype(np.float64)
    log_density = np.logaddexp(
        np.log(0.99) - 0.5 * (x**2).sum(1), np.log(0.01) - 0.5 * ((x - 4.0) ** 2).sum(1)
    )
    print(
        f"Spearman, out-of-core vs in-memory energies: {spearmanr(out_of_core, subsample)[0]:.3f}"
    )
    print(
        f"Spearman with the log-density: out-of-core {spearmanr(out_of_core, log_density)[0]:.3f}, "
        f"in-memory {spearmanr(subsample, log_density)[0]:.3f}"
    )
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
