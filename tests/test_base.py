"""The machinery every estimator shares (sk_consae._base): chunked inference and the
fitted field as plain values."""

import numpy as np
import pytest

from sk_consae import UntiedAutoEncoder


def test_inference_chunks_follow_scikit_learns_working_memory(fitted, few_digits, monkeypatch):
    import sklearn

    import sk_consae._base as base

    model = fitted[UntiedAutoEncoder]
    expected = model.score_samples(few_digits)
    sizes = []
    real = base.as_tensor

    def record(array, device, dtype=None):
        sizes.append(len(array))
        return real(array, device, dtype)

    monkeypatch.setattr(base, "as_tensor", record)
    with sklearn.config_context(working_memory=0.01):  # 10 KiB: a few rows per chunk
        np.testing.assert_allclose(model.score_samples(few_digits), expected, rtol=1e-6)
    assert max(sizes) < len(few_digits) and len(sizes) > 10


@pytest.mark.parametrize("tying", ["untied", "tied", "scaled"])
def test_field_parameters_are_plain_values_that_rebuild_the_field(tying, few_digits):
    model = UntiedAutoEncoder(6, weight_tying=tying, max_epochs=2, random_state=0)
    params = model.fit(few_digits).field_parameters_
    assert params.weight_tying == tying and params.activation == "relu"
    assert all(v is None or isinstance(v, (np.ndarray, str)) for v in params.values())
    # r(x) = R h(W^T x + b) + c in NumPy, the ReLU units saturating at unit_caps.
    hidden = np.clip(few_digits @ params.encoder_weight + params.encoder_bias, 0, params.unit_caps)
    rebuilt = hidden @ params.decoder_weight.T + params.decoder_bias - few_digits
    np.testing.assert_allclose(rebuilt, model.vector_field(few_digits), rtol=1e-5, atol=1e-6)
    model.set_params(weight_tying="untied" if tying != "untied" else "tied")
    assert model.field_parameters_.weight_tying == tying  # the fitted state
