"""
Is my score network conservative, and what is its energy?
=========================================================

Score-based and diffusion models learn :math:`s(x) \\approx \\nabla \\log p(x)` with an
unconstrained network: nothing makes its field a gradient (Salimans and Ho 2021; Chao et
al. 2023). The measurements of the paper apply to any such network: the symmetricity
of its Jacobian and its curl say how far it is from a gradient, the line integral of
the field gives an energy together with how much that energy depends on the path, and
:class:`~sk_consae.ConservativeFieldExtractor` fits the nearest gradient field and its
potential from the network itself.

We train two small networks by denoising score matching on a 2-D mixture of three
Gaussians (a few seconds on a CPU): an unconstrained MLP :math:`s_\\theta(x)`, and the
gradient of a scalar MLP, :math:`\\nabla E_\\theta(x)`, conservative by construction.
Their target is the score of the mixture smoothed by the noise, whose log-density
:math:`\\log p_\\sigma` is known in closed form.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import spearmanr

from sk_consae import ConservativeFieldExtractor
from sk_consae.metrics import curl, field_energy, jacobian_symmetricity

torch.manual_seed(0)
rng = np.random.default_rng(0)
means = np.array([[-1.5, 0.0], [1.2, 1.0], [0.8, -1.4]])
scales = np.array([0.35, 0.5, 0.3])
weights = np.array([0.4, 0.35, 0.25])
SIGMA = 0.3  # the noise of denoising score matching


def sample(n):
    component = rng.choice(3, size=n, p=weights)
    return means[component] + scales[component, None] * rng.standard_normal((n, 2))


def smoothed_log_density(X):
    """log p_sigma: the mixture convolved with N(0, sigma^2 I), in closed form."""
    variances = scales**2 + SIGMA**2
    squared = ((X[:, None, :] - means[None]) ** 2).sum(-1)
    logs = np.log(weights) - np.log(2 * np.pi * variances) - squared / (2 * variances)
    return np.logaddexp.reduce(logs, axis=1)


def mlp(n_outputs):
    """2 -> 64 -> 64 -> n_outputs, with SiLU units."""
    return torch.nn.Sequential(
        torch.nn.Linear(2, 64), torch.nn.SiLU(), torch.nn.Linear(64, 64),
        torch.nn.SiLU(), torch.nn.Linear(64, n_outputs),
    )  # fmt: skip


class GradientNetwork(torch.nn.Module):
    """A conservative field: the gradient of a scalar network, by torch.func."""

    def __init__(self):
        super().__init__()
        self.energy = mlp(1)

    def forward(self, x):
        def energy_of_point(point):
            return self.energy(point[None])[0, 0]

        return torch.func.vmap(torch.func.grad(energy_of_point))(x)


def train(network, X, steps=1500):
    """Denoising score matching: s(x + sigma e) should be -e / sigma."""
    data = torch.as_tensor(X, dtype=torch.float32)
    optimizer = torch.optim.Adam(network.parameters(), lr=2e-3)
    for _ in range(steps):
        batch = data[torch.randint(len(data), (256,))]
        noise = torch.randn_like(batch)
        loss = ((network(batch + SIGMA * noise) + noise / SIGMA) ** 2).sum(1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return network.double().eval()


X = sample(4000)
score_net = train(mlp(2), X)  # an unconstrained field: 2 -> 64 -> 64 -> 2
gradient_net = train(GradientNetwork(), X)

# %%
# How conservative is each network?
# ----------------------------------
# Both metrics take the module itself: its Jacobian comes from forward and reverse
# mode (exact here; ``n_probes`` switches to Hutchinson's estimate for large inputs).
points = sample(1000)
for name, network in (("score network", score_net), ("gradient network", gradient_net)):
    symmetricity = jacobian_symmetricity(network, points)
    mean_curl = np.abs(curl(network, points)).mean()
    print(f"{name:17s} symmetricity {symmetricity:.4f}, mean |curl| {mean_curl:.4f}")

# %%
# Energies against the true log-density
# --------------------------------------
# ``field_energy`` integrates each field from the data's mean; its
# ``path_dependence`` is the energy along a detour minus the straight one, 0 for a
# gradient. The extractor fits the nearest gradient field to the score network's own
# values and gives its potential.
grid_x, grid_y = np.meshgrid(np.linspace(-3, 3, 80), np.linspace(-3, 3, 80))
grid = np.c_[grid_x.ravel(), grid_y.ravel()]
truth = smoothed_log_density(grid)
origin = X.mean(0)
score_energy = field_energy(score_net, grid, origin=origin)
gradient_energy = field_energy(gradient_net, grid, origin=origin)
extractor = ConservativeFieldExtractor(n_components=64, max_epochs=100, random_state=0)
extractor.fit(X, score_net)
potential = extractor.score_samples(grid)
conservative_share = extractor.score(points, score_net)
score_curl = curl(score_net, grid)

# Compare where the data are: the 90% of grid points of highest true density.
dense = truth > np.quantile(truth, 0.1)


def agreement(values):
    return spearmanr(values[dense], truth[dense]).statistic


def titled(name, values):
    return f"{name}\nSpearman {agreement(values):.3f}"


panels = [
    (truth, r"true $\log p_\sigma$", "viridis"),
    (score_energy.energy, titled("score network: line integral", score_energy.energy), "viridis"),
    (potential, titled("its conservative part's potential", potential), "viridis"),
    (gradient_energy.energy, titled("gradient network: energy", gradient_energy.energy), "viridis"),
    (score_curl, "score network: curl", "RdBu_r"),
    (score_energy.path_dependence, "score network: path dependence\nof its energy", "RdBu_r"),
]
fig, axes = plt.subplots(2, 3, figsize=(12, 7.6), sharex=True, sharey=True)
for ax, (values, title, cmap) in zip(axes.ravel(), panels):
    image = values.reshape(grid_x.shape)
    if cmap == "RdBu_r":
        limit = np.abs(image).max()
        shown = ax.contourf(grid_x, grid_y, image, 30, cmap=cmap, vmin=-limit, vmax=limit)
    else:  # energies are defined up to a constant: clip the far tail for contrast
        shown = ax.contourf(grid_x, grid_y, np.maximum(image, np.quantile(image, 0.1)), 30)
    ax.scatter(*X[:300].T, s=2, c="white", alpha=0.5)
    ax.set_title(title, fontsize="medium")
    fig.colorbar(shown, ax=ax, shrink=0.85)
fig.suptitle(
    "A score network's energy and its conservative part "
    f"(share of its field's variance at the data that is a gradient's: {conservative_share:.4f})"
)
fig.tight_layout()
plt.show()

# %%
# The unconstrained network is close to, but not exactly, a gradient at the data: its
# Jacobian's symmetricity is just below 1. Its curl is small on the modes and large
# away from them (between the modes and towards the corners), where no data
# constrained it. Its line integral still ranks points like the true log-density; the
# path dependence shows where that ranking is least reliable, away from the data. The
# gradient network is conservative by construction (symmetricity 1, curl 0 up to
# rounding).
