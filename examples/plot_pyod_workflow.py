"""
An auto-encoder's energy among PyOD's detectors
===============================================

:class:`~sk_consae.pyod.EnergyDetector` makes any sk_consae auto-encoder a PyOD
detector: after ``fit`` it has ``decision_scores_``, ``threshold_`` and ``labels_``,
its ``decision_function`` is the negated energy (higher = more abnormal), and PyOD's
base class gives it ``predict_proba`` and ``predict_confidence``. So it goes wherever
a PyOD detector goes: here next to PyOD's IForest and KNN, and in the average of their
standardised scores (PyOD's ``standardizer``; ``pyod.models.combination.average`` does
the same with the ``combo`` package installed).

The data are the breast-cancer measurements of the contributions example: benign
samples with 20 malignant ones mixed in, no labels used in training (PyOD's
unsupervised setting). Running it needs ``pip install "sk_consae[pyod]"``.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from pyod.models.iforest import IForest
from pyod.models.knn import KNN
from pyod.utils.utility import standardizer
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_consae import UntiedAutoEncoder
from sk_consae.pyod import EnergyDetector

data = load_breast_cancer()
benign, malignant = data.data[data.target == 1], data.data[data.target == 0]
rng = np.random.default_rng(0)
X = np.vstack([benign, malignant[rng.choice(len(malignant), 20, replace=False)]])
X = pd.DataFrame(X, columns=data.feature_names)  # named features for the explanation
y = np.r_[np.zeros(len(benign)), np.ones(20)]  # PyOD's convention: 1 = outlier

detectors = {
    "EnergyDetector (UntiedAutoEncoder)": EnergyDetector(
        make_pipeline(StandardScaler(), UntiedAutoEncoder(random_state=0))
    ),
    "IForest": IForest(random_state=0),
    "KNN": KNN(),
}
scores = {}
for name, detector in detectors.items():
    detector.fit(X)
    scores[name] = detector.decision_scores_
    flagged = detector.labels_.mean()
    print(f"{name:36s} ROC AUC {roc_auc_score(y, scores[name]):.3f}, flags {flagged:.0%}")

# %%
# The average of the three standardised scores, PyOD's simplest combination.
combined = standardizer(np.column_stack(list(scores.values()))).mean(axis=1)
scores["average of the three"] = combined
print(f"{'average of the three':36s} ROC AUC {roc_auc_score(y, combined):.3f}")

# %%
# PyOD's probabilities and confidences come from its base class.
energy_detector = detectors["EnergyDetector (UntiedAutoEncoder)"]
probability = energy_detector.predict_proba(X, method="unify")[:, 1]
labels, confidence = energy_detector.predict(X, return_confidence=True)
print(
    f"mean outlier probability: malignant {probability[y == 1].mean():.2f}, "
    f"benign {probability[y == 0].mean():.2f}"
)

fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
names = list(scores)
ax.barh(names[::-1], [roc_auc_score(y, scores[n]) for n in names[::-1]], color="tab:blue")
ax.set_xlim(0.5, 1.0)
ax.set_xlabel("ROC AUC on the training data (no labels used in fitting)")
ax.set_title("Malignant among benign samples")
plt.show()

# %%
# Why the detector flags its top rows: the features that lower their energy most.
# The contributions are in the standardised coordinates the auto-encoder sees; the
# values are the rows' own measurements.
print(energy_detector.explain(X, n_rows=3, n_features=2).round(3).to_string())
