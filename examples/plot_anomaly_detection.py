"""
Anomaly detection on digits with auto-encoder energies
======================================================

An auto-encoder's energy :math:`F(x)` (``score_samples``) is an unnormalised
log-density, so it scores how typical a sample is. Here each digit class in turn is
"normal": models are fitted on that class only and must rank held-out samples of it
above samples of the other nine classes. We report the ROC AUC of each method's
``score_samples`` (or negative reconstruction error for PCA) against scikit-learn's
anomaly detectors and the Gaussian-RBM-like free energy of
:class:`~sklearn.neural_network.BernoulliRBM`.
"""

# %%
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.neural_network import BernoulliRBM
from sklearn.svm import OneClassSVM

from sk_consae import UntiedAutoEncoder

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)


class PCAReconstruction:
    """Negative PCA reconstruction error as a normality score."""

    def __init__(self, n_components):
        self.pca = PCA(n_components)

    def fit(self, X):
        self.pca.fit(X)
        return self

    def score_samples(self, X):
        residual = X - self.pca.inverse_transform(self.pca.transform(X))
        return -(residual**2).sum(1)


def detectors():
    return {
        # Default training: batch_size="auto" gives each class of about 90 samples
        # 11 optimiser steps an epoch, noise="auto" makes the models denoising.
        "tied AE energy": UntiedAutoEncoder(32, weight_tying="tied", random_state=0),
        "scaled AE energy": UntiedAutoEncoder(32, weight_tying="scaled", random_state=0),
        "untied AE energy": UntiedAutoEncoder(32, random_state=0),
        "IsolationForest": IsolationForest(random_state=0),
        "LOF (novelty)": LocalOutlierFactor(novelty=True),
        "OneClassSVM": OneClassSVM(gamma="scale", nu=0.1),
        "PCA reconstruction": PCAReconstruction(16),
        "BernoulliRBM": BernoulliRBM(32, learning_rate=0.05, n_iter=50, random_state=0),
    }


# %%
# One row per normal class, one column per method.
rows = {}
for digit in range(10):
    normal = X_train[y_train == digit]
    is_normal = (y_test == digit).astype(int)
    rows[digit] = {
        name: roc_auc_score(is_normal, model.fit(normal).score_samples(X_test))
        for name, model in detectors().items()
    }
auc = pd.DataFrame(rows).T
auc.index.name = "normal digit"
auc.loc["mean"] = auc.mean()
print(auc.round(3).to_string())

# %%
# Ranked by mean AUC. On this small, clean dataset a linear model of the normal class
# (PCA reconstruction, 0.997) and the three auto-encoder energies (0.996 each) are
# within 0.001 of each other, ahead of LOF, the one-class SVM and IsolationForest
# (0.986, 0.983, 0.972), and far ahead of BernoulliRBM.score_samples (0.594), whose
# pseudo-likelihood on continuous pixels is noisy.
# The tied and scaled models' energies are closed forms; the untied model integrates
# its nearly conservative field from the training mean.
best = auc.loc["mean"].sort_values(ascending=False)
print(best.round(3).to_string())

# %%
# One class up close: the untied model fitted on the zeros. The held-out zeros sit at
# high energy, the other digits below; ``offset_`` (dashed) is the 10% quantile of the
# training energies (``contamination=0.1``).
from sk_consae.plotting import EnergyDisplay  # noqa: E402

zeros = UntiedAutoEncoder(32, random_state=0).fit(X_train[y_train == 0])
EnergyDisplay.from_estimator(zeros, X_test, (y_test != 0).astype(int))
