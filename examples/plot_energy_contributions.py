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
it finds least typical: with :func:`~sk_consae.inspection.explain_outliers` (a table),
:class:`~sk_consae.plotting.EnergyDisplay` and
:class:`~sk_consae.plotting.ContributionDisplay`.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MinMaxScaler

from sk_consae import UntiedAutoEncoder
from sk_consae.inspection import explain_outliers
from sk_consae.plotting import ContributionDisplay, EnergyDisplay

data = load_breast_cancer()
names = np.array(data.feature_names)
benign, malignant = data.data[data.target == 1], data.data[data.target == 0]
rng = np.random.default_rng(0)
X = np.vstack([benign, malignant[rng.choice(len(malignant), 20, replace=False)]])
is_anomaly = np.r_[np.zeros(len(benign)), np.ones(20)]
X = pd.DataFrame(MinMaxScaler().fit_transform(X), columns=names)  # named features

ae = UntiedAutoEncoder(random_state=0).fit(X)  # default parameters
energy = ae.score_samples(X)
print(f"ROC AUC of the energy: {roc_auc_score(is_anomaly, -energy):.3f}")

# %%
# The energies of benign and malignant samples, the threshold ``offset_`` of
# ``predict`` (the 10% quantile of the training energies, ``contamination=0.1``) and
# the ROC curve of the negated energy.
EnergyDisplay.from_estimator(ae, X, is_anomaly)

# %%
# The contributions add up to each sample's energy minus the energy of the mean.
contributions = ae.energy_contributions(X)
drop = energy - ae.score_samples(pd.DataFrame(ae.energy_origin_[None], columns=names))
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
# The same as a table to act on: the five least typical samples, each with the three
# features that lower its energy most, their values (scaled to [0, 1]) and
# contributions.
table = explain_outliers(ae, X, n_rows=5, n_features=3)
table.insert(0, "malignant", is_anomaly[table.index].astype(bool))
print(table.round(3).to_string())

# %%
# The three least typical samples in detail: each panel shows the eight largest
# contributions in magnitude, red where the feature lowers the energy.
ContributionDisplay.from_estimator(ae, X, n_rows=3)
plt.show()
