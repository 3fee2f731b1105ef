"""Study: training the field far from the data (not part of the package).

    cd benchmarks && python study_far_field.py anomaly [--seeds 3] [--candidates ...]
    cd benchmarks && python study_far_field.py density [--seeds 3] [--candidates ...]

``study_ideal.py`` found the default below its own limit (the kernel density estimate at
``noise_``) with clean training, by up to 0.14 ROC AUC on some datasets, and the reason
on one of them (4_breastw): along the ray from ``energy_origin_`` to an anomaly the
energy first falls, then rises again, above the origin's, a few noise scales out. The
denoising loss only trains the field where noisy rows land, within about sigma sqrt(D)
of the data; farther out a relu network extrapolates linearly, and nothing makes that
extrapolation point back to the data. The limit's field there is x_nearest - x (its
energy falls quadratically).

Candidate: a fraction ``share`` of the noisy rows of every step gets the wide scale
``wide`` x the RMS feature spread instead of sigma, with the same target (the clean
row). The best field is then the posterior mean under a mixture of two kernels: near
the data the narrow kernel's density dominates and the field is the default's, sigma^2
grad log p_sigma; far out the wide kernel's dominates and the field points back to the
data, so the energy falls there. The cost per step is the default's (one more uniform
draw per row). Choice half of the anomaly benchmark and the density benchmark only.
Results: benchmarks/README.md.
"""

import argparse

import torch
from _harness import CHOICE_HALF
from bench_anomaly import datasets, print_against_reference, run

from sk_consae import UntiedAutoEncoder
from sk_consae._nn.net import AutoEncoderNet
from sk_consae._outliers import feature_spread

_default_train_step = AutoEncoderNet.train_step


def _mixture_train_step(self, batch, **fit_params):
    """Rows draw the wide scale with probability ``share`` (study only: the default
    options, so the default step's thread choice, ``weight_length`` projection and
    per-batch loss checks are left out)."""
    wide = getattr(self, "wide_noise", None)
    if not wide or not self.noise:
        return _default_train_step(self, batch, **fit_params)
    inputs, targets = batch
    eps = torch.randn(
        inputs.shape, generator=self._noise_generator, dtype=inputs.dtype, device=inputs.device
    )
    uniform = torch.rand(
        (inputs.shape[0], 1), generator=self._noise_generator, device=inputs.device
    )
    is_wide = uniform < self.wide_share
    scale = torch.where(is_wide, wide, self.noise)
    noisy = inputs + scale * eps
    return self._optimizer_step((noisy, inputs if targets is None else targets), **fit_params)


AutoEncoderNet.train_step = _mixture_train_step


class FarField:
    def __init__(self, seed, share=0.1, wide=1.0, **params):
        self.seed, self.share, self.wide, self.params = seed, share, wide, params

    def fit(self, X):
        model = UntiedAutoEncoder(random_state=self.seed, **self.params)
        original = AutoEncoderNet.initialize

        wide = self.wide * feature_spread(X)
        share = self.share

        def initialize(net):
            net.wide_noise, net.wide_share = wide, share
            return original(net)

        AutoEncoderNet.initialize = initialize
        try:
            self.model_ = model.fit(X)
        finally:
            AutoEncoderNet.initialize = original
        return self

    def score_samples(self, X):
        return self.model_.score_samples(X)


def candidates(seed):
    return {
        "default": lambda: UntiedAutoEncoder(random_state=seed),
        "wide 10% at 1 x spread": lambda: FarField(seed, 0.1, 1.0),
        "wide 10% at 2 x spread": lambda: FarField(seed, 0.1, 2.0),
        "wide 25% at 1 x spread": lambda: FarField(seed, 0.25, 1.0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmark", choices=["anomaly", "density"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--candidates", nargs="*")
    args = parser.parse_args()

    def methods_for_seed(seed):
        methods = candidates(seed)
        if args.candidates:
            methods = {k: v for k, v in methods.items() if k in args.candidates or k == "default"}
        return methods

    if args.benchmark == "density":
        from bench_density import markdown
        from bench_density import run as run_density

        print(markdown(run_density(methods_for_seed, args.seeds, 2000, 2000, log=lambda s: None)))
        return
    import pandas as pd

    rows = run(datasets(CHOICE_HALF, embeddings=False), methods_for_seed, args.seeds,
               ["clean", "unsupervised"], digits=False, log=lambda line: None)  # fmt: skip
    print_against_reference(pd.DataFrame(rows), args.seeds, datasets=True)


if __name__ == "__main__":
    main()
