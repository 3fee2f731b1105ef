"""One change at a time to the default model on the density benchmark (not part of the
package): the noise scale (standardised data, so noise = the factor of the RMS
spread), capacity, epochs, three noise scales summed, the scaled family.

    python research/study_density.py [--seeds 3]
"""

import argparse
import sys

import pandas as pd
from _protocol import BENCHMARKS

from sk_consae import UntiedAutoEncoder

sys.path.insert(0, BENCHMARKS)  # the benchmarks' data protocols
from bench_density import run
from study_defaults import Scales


def candidates(seed):
    def ae(**params):
        return lambda: UntiedAutoEncoder(random_state=seed, **params)

    return {
        "default": ae(),
        "noise 0.1": ae(noise=0.1),
        "noise 0.2": ae(noise=0.2),
        "noise 0.3": ae(noise=0.3),
        "noise 0.2, 300 units": ae(noise=0.2, n_components=300),
        "noise 0.2, 300 epochs": ae(noise=0.2, max_epochs=300),
        "scales 0.25+0.5+1": lambda: Scales([0.25, 0.5, 1.0], seed),
        "scaled, noise 0.2": ae(noise=0.2, weight_tying="scaled"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    frame = pd.DataFrame(run(candidates, args.seeds, 2000, 2000, log=lambda line: None))
    columns = ["all", "held-out", "box", "seconds"]
    print(frame.groupby("method")[columns].mean().sort_values("all").round(3).to_markdown())
    print(frame.groupby(["distribution", "method"])["all"].mean().unstack().round(3).to_markdown())


if __name__ == "__main__":
    main()
