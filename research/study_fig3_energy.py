"""Where the demo's Fig. 3 energies peak (issue 35): the paper's toy models against the
package's defaults, on the quick settings.

    python research/study_fig3_energy.py     # about 2 minutes on 2 cores

For each 2-D toy (line, circle, spiral; 500 points, seed 0) and each configuration, an
untied auto-encoder with 200 units, 200 epochs of Adam at lr 3e-3 and batch 32 (the
quick reproduction's Fig. 3 settings), then ``score_samples`` on a 61 x 61 grid of the
figure's box [-0.8, 0.8]^2: where the energy peaks (in noise scales from the nearest
training point) and whether the data's median energy is above the box's corners.
"""

import numpy as np

from sk_consae import UntiedAutoEncoder
from sk_consae.datasets import make_circle, make_line, make_spiral

CONFIGURATIONS = {
    "paper (sigmoid, noise 0.05)": {"activation": "sigmoid", "noise": 0.05},
    "sigmoid, noise auto": {"activation": "sigmoid"},
    "relu (saturating), noise 0.05": {"noise": 0.05},
    "defaults (relu, noise auto)": {},
}


def main():
    axis = np.linspace(-0.8, 0.8, 61)
    grid = np.array(np.meshgrid(axis, axis)).reshape(2, -1).T
    corners = np.array([[-0.8, -0.8], [-0.8, 0.8], [0.8, -0.8], [0.8, 0.8]])
    print("| toy | configuration | peak: noise scales from the data | data median / corners max |")
    print("|---|---|---|---|")
    for name, make in (("line", make_line), ("circle", make_circle), ("spiral", make_spiral)):
        X = make(500, random_state=0)
        for label, params in CONFIGURATIONS.items():
            model = UntiedAutoEncoder(
                200, max_epochs=200, batch_size=32, lr=3e-3, random_state=0, **params
            ).fit(X)
            energies = model.score_samples(grid)
            peak = grid[np.argmax(energies)]
            distance = np.linalg.norm(X - peak, axis=1).min() / model.noise_
            data, corner = np.median(model.score_samples(X)), model.score_samples(corners).max()
            print(f"| {name} | {label} | {distance:.1f} | {data:.2f} / {corner:.2f} |")


if __name__ == "__main__":
    main()
