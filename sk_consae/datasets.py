"""Data for the paper's experiments: 2-D toys, a non-conservative field, corruption
and MNIST.

Generators follow scikit-learn's ``make_*`` conventions (``n_samples``, ``noise``,
``random_state``) and never touch the network. :func:`load_mnist` reads the original
idx files from a folder.
"""

import gzip
from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_array, check_random_state

from ._options import AT_LEAST_TWO, COUNT, validated

__all__ = [
    "make_line",
    "make_circle",
    "make_spiral",
    "make_spiral_sink",
    "spiral_sink_field",
    "salt_and_pepper",
    "load_mnist",
]


def _is_real(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_positive(name, value):
    """A finite number > 0 (a length, radius or count of turns)."""
    if not _is_real(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return float(value)


def _check_noise(noise):
    if not _is_real(noise) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}.")
    return float(noise)


def _add_noise(points, noise, rng):
    return points + noise * rng.standard_normal(points.shape) if noise else points


@validated(n_samples=[COUNT])
def make_line(n_samples=500, *, length=1.0, noise=0.0, random_state=None):
    """Points on a horizontal segment centred at the origin (paper Fig. 3).

    Parameters
    ----------
    n_samples : int, default=500
        Number of points.
    length : float, default=1.0
        The segment runs from ``-length / 2`` to ``length / 2`` on the x axis.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to both coordinates.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws; an int gives reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Samples, one per row.

    Examples
    --------
    >>> from sk_consae.datasets import make_line
    >>> make_line(4, random_state=0).shape
    (4, 2)
    """
    n_samples = int(n_samples)
    rng = check_random_state(random_state)
    length = _check_positive("length", length)
    x = rng.uniform(-0.5 * length, 0.5 * length, n_samples)
    return _add_noise(np.c_[x, np.zeros(n_samples)], _check_noise(noise), rng)


@validated(n_samples=[COUNT])
def make_circle(n_samples=500, *, radius=0.4, noise=0.0, random_state=None):
    """Points on a circle centred at the origin (paper Fig. 3).

    Parameters
    ----------
    n_samples : int, default=500
        Number of points.
    radius : float, default=0.4
        Radius of the circle.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to both coordinates.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws; an int gives reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Samples, one per row.
    """
    n_samples = int(n_samples)
    radius = _check_positive("radius", radius)
    rng = check_random_state(random_state)
    angle = rng.uniform(0.0, 2.0 * np.pi, n_samples)
    points = radius * np.c_[np.cos(angle), np.sin(angle)]
    return _add_noise(points, _check_noise(noise), rng)


@validated(n_samples=[COUNT])
def make_spiral(
    n_samples=500,
    *,
    turns=1.9,
    inner_radius=0.12,
    outer_radius=0.6,
    noise=0.01,
    random_state=None,
):
    r"""Points on an Archimedean spiral turning clockwise outwards (paper Fig. 3).

    It starts below the origin, at angle :math:`-\pi/2`.

    The radius grows linearly with the angle,
    :math:`r(\theta) = r_0 + (r_1 - r_0)\,\theta / (2\pi\,\mathrm{turns})`, with
    :math:`\theta` uniform. The defaults match the authors' data
    (``spiral.npz``: radii 0.11-0.61 over about 1.9 turns, radial spread 0.01).

    Parameters
    ----------
    n_samples : int, default=500
        Number of points.
    turns : float, default=1.9
        Number of turns of the spiral.
    inner_radius, outer_radius : float, default=0.12, 0.6
        Distances from the origin where the spiral starts and ends.
    noise : float, default=0.01
        Standard deviation of Gaussian noise added to both coordinates.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws; an int gives reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Samples, one per row.
    """
    n_samples = int(n_samples)
    turns = _check_positive("turns", turns)
    inner_radius = _check_positive("inner_radius", inner_radius)
    outer_radius = _check_positive("outer_radius", outer_radius)
    span = 2.0 * np.pi * turns
    if not np.isfinite(span):
        raise ValueError(
            f"turns must be at most {np.finfo(float).max / (2 * np.pi):.3g}, got {turns!r}."
        )
    rng = check_random_state(random_state)
    theta = rng.uniform(0.0, span, n_samples)
    radius = inner_radius + (outer_radius - inner_radius) * theta / span
    angle = -theta - 0.5 * np.pi
    points = radius[:, None] * np.c_[np.cos(angle), np.sin(angle)]
    return _add_noise(points, _check_noise(noise), rng)


def spiral_sink_field(X):
    r"""The paper's non-conservative field :math:`F(x, y) = (-x + y, -x - y)`.

    Its curl is -2 everywhere; in free space it splits into the gradient
    :math:`(-x, -y)` and the rotation :math:`(y, -x)`.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Samples, one per row.

    Returns
    -------
    V : ndarray of shape (n_samples, 2)
        The field's values at X.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X has shape {X.shape}; expected (n_samples, 2).")
    return np.c_[-X[:, 0] + X[:, 1], -X[:, 0] - X[:, 1]]


@validated(n_points_per_axis=[AT_LEAST_TWO])
def make_spiral_sink(n_points_per_axis=100, *, bounds=(-1.0, 1.0), noise=0.0, random_state=None):
    """Grid points and the spiral-sink field on them (paper Fig. 4).

    Parameters
    ----------
    n_points_per_axis : int, default=100
        The grid has ``n_points_per_axis ** 2`` points, ordered as
        ``numpy.meshgrid(x, y)`` flattened (x fastest).
    bounds : (float, float), default=(-1.0, 1.0)
        The square's extent on both axes.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the field values.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws; an int gives reproducible output.

    Returns
    -------
    X : ndarray of shape (n_points_per_axis ** 2, 2)
        Samples, one per row.
    V : ndarray of shape (n_points_per_axis ** 2, 2)
        :func:`spiral_sink_field` at X.
    """
    n = int(n_points_per_axis)
    pair = list(bounds) if isinstance(bounds, (tuple, list, np.ndarray)) else []
    if (
        len(pair) != 2
        or not all(_is_real(v) and np.isfinite(v) for v in pair)
        or pair[0] >= pair[1]
    ):
        raise ValueError(f"bounds must be two finite numbers, low < high; got {bounds!r}.")
    low, high = float(pair[0]), float(pair[1])
    axis = np.linspace(low, high, n)
    gx, gy = np.meshgrid(axis, axis)
    X = np.c_[gx.ravel(), gy.ravel()]
    V = _add_noise(spiral_sink_field(X), _check_noise(noise), check_random_state(random_state))
    return X, V


def salt_and_pepper(X, p=0.2, *, low=None, high=None, random_state=None):
    """Corrupt a copy of X: each entry becomes ``low`` or ``high`` with probability p.

    Half of the corrupted entries, on average, get each value (paper, Table 2).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Left unchanged; must be finite.
    p : float in [0, 1], default=0.2
        Probability that an entry is corrupted.
    low, high : float or None, default=None
        The "pepper" and "salt" values; X's minimum and maximum when None.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws; an int gives reproducible output.

    Returns
    -------
    ndarray of X's shape
        float32 for float32 input, float64 otherwise.
    """
    X = check_array(X, dtype=[np.float64, np.float32], copy=True)
    if not _is_real(p) or not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}.")
    for name, value in (("low", low), ("high", high)):
        if value is not None and (not _is_real(value) or not np.isfinite(value)):
            raise ValueError(f"{name} must be a finite number or None, got {value!r}.")
    rng = check_random_state(random_state)
    low = X.min() if low is None else low
    high = X.max() if high is None else high
    corrupt = rng.random_sample(X.shape) < p
    salt = rng.random_sample(X.shape) < 0.5
    X[corrupt & salt] = high
    X[corrupt & ~salt] = low
    return X


_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _read_idx(path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4:
        raise ValueError(f"{path} is not an idx file: it has {len(raw)} bytes.")
    zero, dtype_code, ndim = raw[0:2], raw[2], raw[3]
    if zero != b"\x00\x00" or dtype_code != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte idx file.")
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{path} is cut short: its header needs {4 + 4 * ndim} bytes.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} holds {data.size} values, its header says {shape}.")
    return data.reshape(shape)


def _image_label_pair(image_path, label_path):
    images, labels = _read_idx(image_path), _read_idx(label_path)
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(
            f"{image_path} must hold images (n, rows, cols) and {label_path} labels (n,); "
            f"got shapes {images.shape} and {labels.shape}."
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{image_path} holds {len(images)} images but {label_path} holds {len(labels)} labels."
        )
    return images, labels


def _find(folder, stem):
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"No {stem} or {stem}.gz in {folder}.")


def load_mnist(data_home=None, *, subset="train", return_X_y=False):
    """Load MNIST from the original idx files, pixel values scaled to [0, 1].

    Parameters
    ----------
    data_home : str or path-like, optional
        A folder with ``train-images-idx3-ubyte`` and friends (optionally ``.gz``).
        When None, MNIST is fetched from OpenML with
        :func:`sklearn.datasets.fetch_openml` (network; cached by scikit-learn), its
        first 60,000 rows being the training set.
    subset : {"train", "test", "all"}, default="train"
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    Bunch with ``data`` (ndarray (n, 784), float32 in [0, 1]), ``target``
    (ndarray (n,), int64) and ``images`` (ndarray (n, 28, 28), uint8); or
    ``(data, target)`` when ``return_X_y``.
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    parts = ["train", "test"] if subset == "all" else [subset]
    if data_home is None:
        images, labels = _fetch_openml_mnist(parts)
    else:
        folder = Path(data_home).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"data_home {str(folder)!r} is not a folder.")
        pairs = [
            _image_label_pair(_find(folder, img), _find(folder, lab))
            for img, lab in (_MNIST_FILES[p] for p in parts)
        ]
        images = np.concatenate([p[0] for p in pairs])
        labels = np.concatenate([p[1] for p in pairs])
    data = images.reshape(len(images), -1).astype(np.float32) / 255.0
    target = labels.astype(np.int64)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, images=images)


def _fetch_openml_mnist(parts):
    from sklearn.datasets import fetch_openml

    X, y = fetch_openml("mnist_784", version=1, as_frame=False, return_X_y=True)
    splits = {"train": slice(0, 60000), "test": slice(60000, 70000)}
    images = np.concatenate([X[splits[p]] for p in parts]).astype(np.uint8).reshape(-1, 28, 28)
    labels = np.concatenate([y[splits[p]] for p in parts]).astype(np.int64)
    return images, labels
