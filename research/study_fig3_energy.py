"""Where the demo's Fig. 3 energies peak (issue 35): the paper's toy models against the
package's defaults, on the quick settings.

    python research/study_fig3_energy.py           # about 2 minutes on 2 cores
    python research/study_fig3_energy.py --curl    # through the demo's own function

For each 2-D toy (line, circle, spiral; 500 points, seed 0) and each configuration, an
untied auto-encoder with 200 units, 200 epochs of Adam at lr 3e-3 and batch 32 (the
quick reproduction's Fig. 3 settings), then ``score_samples`` on a 61 x 61 grid of the
figure's box [-0.8, 0.8]^2: where the energy peaks (in noise scales from the nearest
training point) and whether the data's median energy is above the box's corners.

With ``--curl``, the same measures for the models ``toy_curl_training`` (what the
report's Fig. 3 runs) trains on its own generated toys, seed 0, one model per toy, with
the data's minimum energy and the curl before training, at its largest and over the last
5 epochs, and whether the report would call it falling.
"""

import sys

import numpy as np

from sk_consae import UntiedAutoEncoder
from sk_consae.datasets import make_circle, make_line, make_spiral
from sk_consae.paper import toy_curl_training
from sk_consae.paper.report import describe_curl

CONFIGURATIONS = {
    "paper (sigmoid, noise 0.05)": {"activation": "sigmoid", "noise": 0.05},
    "sigmoid, noise auto": {"activation": "sigmoid"},
    "relu (saturating), noise 0.05": {"noise": 0.05},
    "defaults (relu, noise auto)": {},
}

AXIS = np.linspace(-0.8, 0.8, 61)
GRID = np.array(np.meshgrid(AXIS, AXIS)).reshape(2, -1).T
CORNERS = np.array([[-0.8, -0.8], [-0.8, 0.8], [0.8, -0.8], [0.8, 0.8]])
# --curl: (units, noise) of toy_curl_training's models at the quick sizes.
CURL_CONFIGURATIONS = [("sigmoid", "auto"), ("relu", "auto"), ("relu", 0.05)]


def measures(model, X):
    """Noise scales from the data to the grid's energy peak, the data's energies, and
    the largest energy at the box's corners."""
    peak = GRID[np.argmax(model.score_samples(GRID))]
    distance = np.linalg.norm(X - peak, axis=1).min() / model.noise_
    return distance, model.score_samples(X), model.score_samples(CORNERS).max()


def through_the_demo():
    print(
        "| units, noise | toy | peak: noise scales from the data "
        "| data min / median / corners max | curl | fell |"
    )
    print("|---|---|---|---|---|---|")
    for activation, noise in CURL_CONFIGURATIONS:
        result = toy_curl_training(
            n_components=200, max_epochs=200, lr=3e-3, activation=activation, noise=noise
        )
        for name, toy in result.items():
            curve = toy.curls[0]
            distance, data, corner = measures(toy.estimators[0], toy.X)
            print(
                f"| {activation}, {noise} | {name} | {distance:.2f} | {data.min():.2f} / "
                f"{np.median(data):.2f} / {corner:.2f} | "
                f"{curve[0]:.3f} -> {curve.max():.3f} -> {curve[-5:].mean():.3f} | "
                f"{'yes' if describe_curl(curve)[1] else 'no'} |"
            )


def main():
    if "--curl" in sys.argv[1:]:
        return through_the_demo()
    print("| toy | configuration | peak: noise scales from the data | data median / corners max |")
    print("|---|---|---|---|")
    for name, make in (("line", make_line), ("circle", make_circle), ("spiral", make_spiral)):
        X = make(500, random_state=0)
        for label, params in CONFIGURATIONS.items():
            model = UntiedAutoEncoder(
                200, max_epochs=200, batch_size=32, lr=3e-3, random_state=0, **params
            ).fit(X)
            distance, data, corner = measures(model, X)
            print(f"| {name} | {label} | {distance:.1f} | {np.median(data):.2f} / {corner:.2f} |")


if __name__ == "__main__":
    main()
