import gzip

import numpy as np
import pytest

from sk_consae.datasets import (
    load_mnist,
    make_circle,
    make_line,
    make_spiral,
    make_spiral_sink,
    salt_and_pepper,
    spiral_sink_field,
)


@pytest.mark.parametrize("make", [make_line, make_circle, make_spiral])
def test_toys_are_seeded_and_shaped(make):
    a, b = make(300, random_state=0), make(300, random_state=0)
    assert a.shape == (300, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, make(300, random_state=1))
    with pytest.raises(ValueError, match="n_samples"):
        make(0)
    with pytest.raises(ValueError, match="noise"):
        make(10, noise=-1.0)


def _authors(shared_data, name):
    data = np.load(shared_data / "paper_synthetic" / f"{name}.npz")
    return np.concatenate([data["X_train"], data["X_valid"], data["X_test"]])


def test_line_matches_the_authors_data(shared_data):
    theirs, ours = _authors(shared_data, "line"), make_line(660, random_state=0)
    assert np.all(theirs[:, 1] == 0) and np.all(ours[:, 1] == 0)
    assert ours[:, 0].min() == pytest.approx(theirs[:, 0].min(), abs=0.03)
    assert ours[:, 0].max() == pytest.approx(theirs[:, 0].max(), abs=0.03)
    assert ours[:, 0].std() == pytest.approx(theirs[:, 0].std(), rel=0.05)


def test_circle_matches_the_authors_data(shared_data):
    theirs, ours = _authors(shared_data, "circle"), make_circle(660, random_state=0)
    np.testing.assert_allclose(np.linalg.norm(theirs, axis=1), 0.4, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 0.4, atol=1e-12)


def test_spiral_matches_the_authors_data(shared_data):
    theirs, ours = _authors(shared_data, "spiral"), make_spiral(660, random_state=0)

    def radius_against_angle(X):
        radius = np.linalg.norm(X, axis=1)
        order = np.argsort(radius)
        angle = np.unwrap(np.arctan2(X[order, 1], X[order, 0]))
        slope, intercept = np.polyfit(angle, radius[order], 1)
        spread = np.std(radius[order] - (slope * angle + intercept))
        return radius.min(), radius.max(), slope, (angle.max() - angle.min()) / (2 * np.pi), spread

    for mine, authors in zip(radius_against_angle(ours), radius_against_angle(theirs)):
        assert mine == pytest.approx(authors, rel=0.15, abs=0.01)


def test_spiral_sink_grid_and_field():
    X, V = make_spiral_sink(5, bounds=(-2, 2))
    assert X.shape == V.shape == (25, 2)
    np.testing.assert_array_equal(X[:5, 1], -2)  # x runs fastest
    np.testing.assert_array_equal(V, np.c_[-X[:, 0] + X[:, 1], -X[:, 0] - X[:, 1]])
    _, noisy = make_spiral_sink(5, bounds=(-2, 2), noise=0.1, random_state=0)
    assert 0 < np.abs(noisy - V).std() < 0.2
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        spiral_sink_field(np.ones((3, 3)))


def test_salt_and_pepper():
    X = np.random.RandomState(0).uniform(0.2, 0.8, (400, 50))
    original = X.copy()
    corrupted = salt_and_pepper(X, 0.3, low=0.0, high=1.0, random_state=0)
    np.testing.assert_array_equal(X, original)
    changed = corrupted != X
    assert changed.mean() == pytest.approx(0.3, abs=0.01)
    assert set(np.unique(corrupted[changed])) == {0.0, 1.0}
    assert (corrupted[changed] == 1.0).mean() == pytest.approx(0.5, abs=0.02)
    defaults = salt_and_pepper(X, 1.0, random_state=0)
    assert set(np.unique(defaults)) == {X.min(), X.max()}
    np.testing.assert_array_equal(salt_and_pepper(X, 0.0), X)
    assert salt_and_pepper(X.astype(np.float32), 0.1).dtype == np.float32
    with pytest.raises(ValueError, match="probability"):
        salt_and_pepper(X, 1.5)


def test_load_mnist_reads_the_idx_files(shared_data):
    train = load_mnist(shared_data / "mnist")
    assert train.data.shape == (60000, 784) and train.data.dtype == np.float32
    assert train.images.shape == (60000, 28, 28)
    assert train.data.min() == 0.0 and train.data.max() == 1.0
    assert train.target[:5].tolist() == [5, 0, 4, 1, 9]
    X, y = load_mnist(shared_data / "mnist", subset="test", return_X_y=True)
    assert X.shape == (10000, 784) and np.bincount(y).sum() == 10000


def test_load_mnist_reads_uncompressed_files_and_checks_headers(tmp_path, shared_data):
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        with gzip.open(shared_data / "mnist" / f"{stem}.gz") as f:
            (tmp_path / stem).write_bytes(f.read())
    X, y = load_mnist(tmp_path, subset="test", return_X_y=True)
    assert X.shape == (10000, 784)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x0d\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="unsigned-byte idx"):
        load_mnist(tmp_path, subset="test")


def test_load_mnist_errors_are_specific(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_mnist(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="subset"):
        load_mnist(tmp_path, subset="validation")
