"""The density benchmark for round 6 of ``study_defaults.py``: the noise default
before round 6 (0.5 x spread) against Scott's bandwidth, ``noise="auto"`` since
(not part of the package).

    python research/study_density_scott.py [--seeds 3]
"""

import argparse
import sys

from _protocol import BENCHMARKS

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)  # the benchmarks' data protocols
from bench_density import markdown, run
from study_defaults import Scales


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    def methods_for_seed(seed):
        return {
            # F / sigma^2 of one model: the ranks, so the Spearman, of its F / T.
            "old default (noise 0.5)": lambda: Scales([0.5], seed),
            "UntiedAutoEncoder() (Scott)": lambda: UntiedAutoEncoder(random_state=seed),
        }

    print(markdown(run(methods_for_seed, args.seeds, 2000, 2000)))


if __name__ == "__main__":
    main()
