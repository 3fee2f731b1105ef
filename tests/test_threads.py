"""The thread policy: sized by the products, within the caller's limit, restored on exit,
safe under concurrent use from several Python threads."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from threadpoolctl import threadpool_limits

from sk_consae import ConservativeFieldExtractor, UntiedAutoEncoder
from sk_consae._nn.threads import MULTIPLY_ADDS_PER_THREAD, SMALL_ROWS, thread_count, torch_threads


@pytest.fixture
def two_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


class RecordThreads(Callback):
    """Records in the history torch's thread count that a callback sees in training."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("threads", torch.get_num_threads())


def threads_in_training(model, X):
    model.set_params(callbacks=[RecordThreads()], max_epochs=2).fit(X)
    return model.history_[:, "threads"]


def fresh_thread_count():
    """torch's count in a thread created now: the process-wide default for new threads."""
    box = []
    worker = threading.Thread(target=lambda: box.append(torch.get_num_threads()))
    worker.start()
    worker.join()
    return box[0]


def test_thread_count_is_sized_by_the_product():
    big = 10 * MULTIPLY_ADDS_PER_THREAD
    assert thread_count(SMALL_ROWS - 1, big, limit=8) == 1  # thread-dependent kernels
    assert thread_count(128, MULTIPLY_ADDS_PER_THREAD - 1, limit=8) == 1
    assert thread_count(128, 2 * MULTIPLY_ADDS_PER_THREAD - 1, limit=8) == 1
    assert thread_count(128, 3 * MULTIPLY_ADDS_PER_THREAD, limit=8) == 3
    assert thread_count(128, big, limit=8) == 8
    assert thread_count(128, big, limit=1) == 1


def test_block_restores_the_callers_count_also_on_error(two_threads):
    with torch_threads(128, 1):
        assert torch.get_num_threads() == 1
        with torch_threads(128, 10 * MULTIPLY_ADDS_PER_THREAD):  # nested: within the limit
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with pytest.raises(RuntimeError), torch_threads(128, 1):
        raise RuntimeError
    assert torch.get_num_threads() == 2
    assert fresh_thread_count() == 2


def big_data():
    # 256-row batches of 400 features x 100 units: 10.2 M multiply-adds, two threads.
    return np.random.default_rng(0).random((512, 400), dtype=np.float32)


def test_fit_uses_threads_for_large_products_and_restores(two_threads):
    assert threads_in_training(UntiedAutoEncoder(batch_size=256), big_data()) == [2, 2]
    assert threads_in_training(UntiedAutoEncoder(8), big_data()[:, :5]) == [1, 1]
    assert torch.get_num_threads() == 2


def test_explicit_torch_limit_is_honoured_and_kept(two_threads):
    torch.set_num_threads(1)
    model = UntiedAutoEncoder(batch_size=256)
    assert threads_in_training(model, big_data()) == [1, 1]
    model.score_samples(big_data())
    assert torch.get_num_threads() == 1


def test_threadpoolctl_openmp_limit_is_honoured(two_threads):
    with threadpool_limits(limits=1, user_api="openmp"):
        assert threads_in_training(UntiedAutoEncoder(batch_size=256), big_data()) == [1, 1]
    assert torch.get_num_threads() == 2


def test_concurrent_fits_and_inference_match_serial_runs(two_threads, digits):
    X = digits[:600]
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, (300, 3))
    field = np.c_[points[:, 1], points[:, 0], points[:, 2]]

    def fit_autoencoder():
        return UntiedAutoEncoder(16, max_epochs=3, random_state=0).fit(X).encoder_weights_

    def fit_extractor():
        return ConservativeFieldExtractor(8, max_epochs=3, random_state=0).fit(points, field)

    fitted = UntiedAutoEncoder(16, max_epochs=3, random_state=0).fit(X)
    serial_weights = fit_autoencoder()
    serial_extractor = fit_extractor().predict(points)
    serial_energies = fitted.score_samples(X)

    with ThreadPoolExecutor(10) as pool:
        fits = [pool.submit(fit_autoencoder), pool.submit(fit_extractor)]
        scores = [pool.submit(fitted.score_samples, X) for _ in range(8)]
        np.testing.assert_array_equal(fits[0].result(), serial_weights)
        np.testing.assert_array_equal(fits[1].result().predict(points), serial_extractor)
        for energies in scores:
            np.testing.assert_array_equal(energies.result(), serial_energies)
    assert torch.get_num_threads() == 2
    assert fresh_thread_count() == 2


def test_inference_during_set_params_and_refits_in_another_thread(digits):
    model = UntiedAutoEncoder(3, max_epochs=1, random_state=0).fit(digits[:200])
    stop, errors, widths = threading.Event(), [], set()

    def infer():
        while not stop.is_set():
            try:
                widths.add(model.transform(digits[:50]).shape[1])
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                errors.append(error)
                return

    reader = threading.Thread(target=infer)
    reader.start()
    for size in (4, 5, 3, 6):
        model.set_params(n_components=size).fit(digits[:200])
    stop.set()
    reader.join()
    assert not errors
    assert widths <= {3, 4, 5, 6}
