"""device="cuda" gives the CPU's results up to float tolerance (skipped without a GPU)."""

import pickle

import numpy as np
import pytest
import torch

from sk_consae import ConservativeFieldExtractor, ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.datasets import make_spiral_sink
from sk_consae.metrics import jacobian_symmetricity

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize("cls", [UntiedAutoEncoder, ContractiveAutoEncoder])
@pytest.mark.parametrize("tying", ["untied", "scaled"])
def test_cuda_training_matches_cpu(cls, tying, digits):
    params = dict(n_components=32, weight_tying=tying, max_epochs=5, random_state=0)
    cpu = cls(**params).fit(digits)
    gpu = cls(device="cuda", **params).fit(digits)
    assert gpu.net_.module_.encoder_weight.is_cuda
    np.testing.assert_allclose(gpu.encoder_weights_, cpu.encoder_weights_, atol=1e-4)
    np.testing.assert_allclose(gpu.transform(digits), cpu.transform(digits), atol=1e-4)
    np.testing.assert_allclose(
        gpu.score_samples(digits), cpu.score_samples(digits), rtol=1e-4, atol=1e-3
    )
    assert jacobian_symmetricity(gpu, digits) == pytest.approx(
        jacobian_symmetricity(cpu, digits), abs=1e-4
    )


def test_cuda_extractor_matches_cpu():
    X, V = make_spiral_sink(30)
    params = dict(n_components=32, max_epochs=5, random_state=0)
    cpu = ConservativeFieldExtractor(**params).fit(X, V)
    gpu = ConservativeFieldExtractor(device="cuda", **params).fit(X, V)
    np.testing.assert_allclose(gpu.predict(X), cpu.predict(X), atol=1e-3)


def test_cuda_model_pickles_and_predicts(digits):
    gpu = UntiedAutoEncoder(16, device="cuda", max_epochs=2, random_state=0).fit(digits)
    loaded = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_array_equal(loaded.score_samples(digits), gpu.score_samples(digits))
