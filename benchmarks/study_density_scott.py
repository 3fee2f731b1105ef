"""The density benchmark for round 6 of ``study_defaults.py``: the noise default
before round 6 (0.5 x spread) against Scott's bandwidth, ``noise="auto"`` since
(not part of the package).

    cd benchmarks && python study_density_scott.py [--seeds 3]
"""

import argparse

from bench_density import markdown, run
from study_defaults import Scales

from sk_consae import UntiedAutoEncoder


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
