"""
Why is a sample unusual? Exact per-feature energy contributions
================================================================

An auto-encoder's energy :math:`F(x)` (``score_samples``) is a line integral of its
vector field :math:`v = r - x` from the typical point :math:`x_0` (the training mean),
and that integral is a sum over features:

.. math::

    F(x) - F(x_0) = \\sum_i \\phi_i(x), \\qquad
    \\phi_i(x) = (x_i - x_{0,i}) \\int_0^1 v_i(x_0 + t (x - x_0))\\,dt .

``energy_contributions`` returns the :math:`\\phi_i` (integrated gradients of the
energy): they add up exactly to the drop in energy, so the features with the most
negative terms are *why* a sample scores as an anomaly.

The data are the Wisconsin breast-cancer measurements shipped with scikit-learn
(30 features of cell nuclei). We train on benign samples mixed with a few malignant
ones, without labels, as an anomaly detector would be used, and explain the samples
it finds least typical.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MinMaxScaler

from sk_consae import UntiedAutoEncoder

data = load_breast_cancer()
names = np.array(data.feature_names)
benign, malignant = data.data[data.target == 1], data.data[data.target == 0]
rng = np.random.default_rng(0)
X = np.vstack([benign, malignant[rng.choice(len(malignant), 20, replace=False)]])
is_anomaly = np.r_[np.zeros(len(benign)), np.ones(20)]
X = MinMaxScaler().fit_transform(X)

ae = UntiedAutoEncoder(random_state=0).fit(X)  # default parameters
energy = ae.score_samples(X)
print(f"ROC AUC of the energy: {roc_auc_score(is_anomaly, -energy):.3f}")

# %%
# The contributions add up to each sample's energy minus the energy of the mean.
contributions = ae.energy_contributions(X)
drop = energy - ae.score_samples(ae.energy_origin_[None])
print(f"largest |sum - drop|: {np.abs(contributions.sum(1) - drop).max():.1e}")

# %%
# The ten least typical samples, and the features that made them so. Each row sums
# to the sample's :math:`F(x) - F(x_0)`; red cells pulled its energy down. Some are
# benign: the energy finds what is unusual in the data, not what is malignant.
worst = np.argsort(energy)[:10]
shown = np.argsort(contributions[worst].sum(0))[:12]  # features that matter most here
limit = np.abs(contributions[np.ix_(worst, shown)]).max()
fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
image = ax.imshow(contributions[np.ix_(worst, shown)], cmap="RdBu", vmin=-limit, vmax=limit)
ax.set_xticks(range(len(shown)), names[shown], rotation=50, ha="right")
ax.set_yticks(
    range(len(worst)),
    [f"#{i} ({'malignant' if is_anomaly[i] else 'benign'})" for i in worst],
)
ax.set_ylabel("sample (its true label)")
ax.set_title("Energy contributions of the ten least typical samples")
fig.colorbar(image, ax=ax, label=r"contribution $\phi_i$ to $F(x) - F(x_0)$")

# %%
# One sample in detail: :math:`F(x) - F(x_0)` split over its five most negative
# terms and the rest.
sample = worst[0]
order = np.argsort(contributions[sample])
top = order[:5]
rest = contributions[sample, order[5:]].sum()
labels = [*names[top], "other 25 features"]
values = [*contributions[sample, top], rest]
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
ax.barh(labels[::-1], values[::-1], color=["tab:gray", *["tab:red"] * 5])
ax.axvline(0, color="black", linewidth=0.8)
ax.set_xlabel(r"contribution to $F(x) - F(x_0)$")
ax.set_title(f"Sample #{sample}: $F(x) - F(x_0)$ = {drop[sample]:.3f}, the sum of the bars")
plt.show()
