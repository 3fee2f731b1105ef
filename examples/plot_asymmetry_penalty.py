"""
A conservativeness regulariser for untied auto-encoders
=======================================================

An untied auto-encoder's field :math:`r(x) - x` is conservative only where its
Jacobian :math:`J = R\\,\\mathrm{diag}(h')\\,W^\\top` is symmetric. Tying the weights
(:math:`R = W`) makes it symmetric everywhere, at the price of a more restricted model.
``asymmetry_penalty`` is the middle way the paper's discussion asks for: it adds
:math:`\\lambda\\,\\tfrac12 \\lVert J - J^\\top\\rVert_F^2` (QCSBM's Asym, computed exactly
from two :math:`H \\times H` matrices) to the training loss.

We train on scikit-learn's digits with three penalty weights and follow the Jacobian's
symmetricity during training with :class:`~sk_consae.callbacks.ConservativenessMonitor`.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sk_consae import UntiedAutoEncoder
from sk_consae.callbacks import ConservativenessMonitor
from sk_consae.metrics import jacobian_asymmetry, reconstruction_score

X = load_digits().data / 16.0
models = {}
for penalty in (0.0, 0.1, 1.0):
    monitor = ConservativenessMonitor(X[:300], metrics="jacobian_symmetricity")
    models[penalty] = UntiedAutoEncoder(
        asymmetry_penalty=penalty, max_epochs=60, random_state=0, callbacks=[monitor]
    ).fit(X)

# %%
# Symmetricity during training, and what the penalty costs in reconstruction error
# (``-reconstruction_score``, the mean squared reconstruction error per sample).

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for penalty, model in models.items():
    epochs, values = zip(*model.history_[:, ("epoch", "jacobian_symmetricity")])
    left.plot(epochs, values, label=f"asymmetry_penalty={penalty:g}")
left.set_xlabel("epoch")
left.set_ylabel("mean sym(J) on 300 digits")
left.legend()
labels = [f"{p:g}" for p in models]
right.bar(labels, [-reconstruction_score(model, X) for model in models.values()], color="tab:gray")
right.set_xlabel("asymmetry_penalty")
right.set_ylabel("reconstruction error")
fig.tight_layout()

for penalty, model in models.items():
    print(
        f"asymmetry_penalty={penalty:g}: NAsym {jacobian_asymmetry(model, X, normalize=True):.4f}, "
        f"reconstruction error {-reconstruction_score(model, X):.3f}"
    )
