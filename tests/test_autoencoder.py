"""UntiedAutoEncoder and ContractiveAutoEncoder as scikit-learn estimators."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder
from sk_consae.metrics import reconstruction_score

from ._helpers import AE_METHODS, TYINGS

ESTIMATORS = [UntiedAutoEncoder, ContractiveAutoEncoder]


def noisy_circle(n=300, seed=0):
    rng = np.random.RandomState(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    return 0.4 * np.c_[np.cos(angle), np.sin(angle)] + 0.05 * rng.randn(n, 2)


def small(cls=UntiedAutoEncoder, **params):
    defaults = {"n_components": 16, "max_epochs": 3, "random_state": 0}
    return cls(**{**defaults, **params})


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("tying", TYINGS)
def test_fitted_attributes_and_output_shapes(cls, tying, digits):
    ae = small(cls, weight_tying=tying).fit(digits)
    D, H = 64, 16
    assert ae.encoder_weights_.shape == ae.decoder_weights_.shape == (D, H)
    assert ae.encoder_bias_.shape == (H,) and ae.decoder_bias_.shape == (D,)
    assert ae.energy_origin_.shape == (D,) and ae.n_features_in_ == D
    assert len(ae.history_) == 3 and ae.n_samples_seen_ == len(digits)
    assert ae.transform(digits).shape == (len(digits), H)
    assert ae.reconstruct(digits).shape == digits.shape
    assert ae.vector_field(digits[:5]).shape == (5, D)
    assert ae.jacobian(digits[:5]).shape == (5, D, D)
    assert ae.score_samples(digits).shape == (len(digits),)
    if tying == "tied":
        np.testing.assert_array_equal(ae.decoder_weights_, ae.encoder_weights_)


def test_training_lowers_the_reconstruction_loss(digits):
    ae = small(max_epochs=10).fit(digits)
    losses = ae.history_[:, "train_loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert reconstruction_score(ae, digits) == pytest.approx(
        -np.mean(((ae.reconstruct(digits) - digits) ** 2).sum(1))
    )


def test_inverse_transform_decodes_hidden_activations(digits):
    ae = small().fit(digits)
    np.testing.assert_allclose(
        ae.inverse_transform(ae.transform(digits)), ae.reconstruct(digits), atol=1e-10
    )
    with pytest.raises(ValueError, match="n_components=16"):
        ae.inverse_transform(digits)


def test_vector_field_is_reconstruction_minus_input(digits):
    ae = small().fit(digits)
    np.testing.assert_allclose(ae.vector_field(digits), ae.reconstruct(digits) - digits)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("tying", ["tied", "scaled"])
def test_tied_and_scaled_estimators_have_symmetric_jacobians(cls, tying, digits):
    ae = small(cls, weight_tying=tying).fit(digits)
    points = np.random.RandomState(0).rand(20, 64)
    J = ae.jacobian(points)
    np.testing.assert_allclose(J, J.transpose(0, 2, 1), rtol=0, atol=1e-6)


def test_jacobian_matches_autograd_of_the_reconstruction(digits):
    ae = small(activation="tanh").fit(digits)
    x = torch.as_tensor(digits[:3])
    field = ae._field(torch.float64)

    expected = torch.stack(
        [
            torch.autograd.functional.jacobian(lambda z: field.reconstruct(z[None])[0], xi)
            for xi in x
        ]
    )
    np.testing.assert_allclose(ae.jacobian(digits[:3]), expected.numpy(), atol=1e-10)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_same_seed_gives_identical_weights(optimizer, noise, digits):
    params = dict(optimizer=optimizer, noise=noise, max_epochs=2)
    a = small(**params, random_state=3).fit(digits)
    b = small(**params, random_state=3).fit(digits)
    c = small(**params, random_state=4).fit(digits)
    np.testing.assert_array_equal(a.encoder_weights_, b.encoder_weights_)
    np.testing.assert_array_equal(a.decoder_weights_, b.decoder_weights_)
    assert not np.array_equal(a.encoder_weights_, c.encoder_weights_)


def test_random_state_leaves_global_generators_alone(digits):
    torch.manual_seed(0)
    np.random.seed(0)
    expected = torch.rand(1), np.random.rand()
    torch.manual_seed(0)
    np.random.seed(0)
    small(noise=0.1).fit(digits)
    assert torch.rand(1) == expected[0] and np.random.rand() == expected[1]


def test_partial_fit_k_times_equals_fit_with_k_epochs(digits):
    fitted = small(max_epochs=3, noise=0.05).fit(digits)
    streamed = small(noise=0.05)
    for _ in range(3):
        streamed.partial_fit(digits)
    np.testing.assert_array_equal(streamed.encoder_weights_, fitted.encoder_weights_)
    np.testing.assert_array_equal(streamed.decoder_bias_, fitted.decoder_bias_)
    assert len(streamed.history_) == 3


def test_partial_fit_over_three_chunks_equals_one_epoch_on_their_concatenation(digits):
    X = digits[:1536]  # three chunks of 512, each a multiple of batch_size=128
    chunks = np.split(X, 3)
    # A fixed batch size and noise: "auto" would resolve them from each chunk.
    fixed = {"shuffle": False, "batch_size": 128, "noise": 0.0}
    one_epoch = small(max_epochs=1, **fixed).fit(X)
    streamed = small(**fixed)
    for chunk in chunks:
        streamed.partial_fit(chunk)
    np.testing.assert_allclose(
        streamed.encoder_weights_, one_epoch.encoder_weights_, rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(streamed.energy_origin_, X.mean(0), atol=1e-12)
    assert streamed.n_samples_seen_ == len(X)
    assert len(streamed.history_) == 3


class _EpochWeights(Callback):
    """Records the module's weights at every epoch's end."""

    def on_train_begin(self, net, **kwargs):
        self.weights_ = []

    def on_epoch_end(self, net, **kwargs):
        self.weights_.append([p.detach().numpy().copy() for p in net.module_.parameters()])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_fitted_weights_are_the_bias_corrected_average_of_the_epochs(cls, digits):
    # ema_momentum does not change the trajectory: the last-weights model's epochs
    # give the average independently, summed here in float64.
    last = small(cls, max_epochs=5, ema_momentum=0.0, callbacks=[_EpochWeights()]).fit(digits)
    (recorder,) = [cb for _, cb in last.net_.callbacks_ if isinstance(cb, _EpochWeights)]
    momentum, epochs = 0.6, recorder.weights_
    shares = [(1 - momentum) * momentum ** (len(epochs) - 1 - t) for t in range(len(epochs))]
    averaged = small(cls, max_epochs=5, ema_momentum=momentum).fit(digits)
    for position, parameter in enumerate(averaged.net_.module_.parameters()):
        expected = sum(s * w[position].astype(np.float64) for s, w in zip(shares, epochs))
        np.testing.assert_allclose(parameter.detach().numpy(), expected / sum(shares), atol=1e-6)
    for parameter, weights in zip(last.net_.module_.parameters(), epochs[-1]):
        np.testing.assert_array_equal(parameter.detach().numpy(), weights)


def test_averaged_training_continues_from_the_last_weights(digits):
    # k partial_fit calls, or a pickled model trained on, give fit(max_epochs=k)'s model.
    whole = small(max_epochs=4, ema_momentum=0.6).fit(digits)
    stream = small(ema_momentum=0.6)
    for _ in range(2):
        stream.partial_fit(digits)
    stream = pickle.loads(pickle.dumps(stream))
    for _ in range(2):
        stream.partial_fit(digits)
    np.testing.assert_array_equal(stream.encoder_weights_, whole.encoder_weights_)
    np.testing.assert_array_equal(stream.decoder_weights_, whole.decoder_weights_)


def test_averaged_weights_keep_the_weight_length_and_save_whole(digits, tmp_path):
    from sk_consae.persistence import load_weights, save_weights

    ae = small(weight_length=1.5, ema_momentum=0.9, max_epochs=4).fit(digits)
    for weights in (ae.encoder_weights_, ae.decoder_weights_):  # (D, H): unit columns
        np.testing.assert_allclose(np.linalg.norm(weights, axis=0), 1.5, rtol=1e-5)
    save_weights(ae, tmp_path / "ae.safetensors")
    loaded = load_weights(tmp_path / "ae.safetensors")
    np.testing.assert_array_equal(loaded.score_samples(digits), ae.score_samples(digits))


def test_partial_fit_rejects_a_changed_feature_count(digits):
    ae = small().partial_fit(digits)
    with pytest.raises(
        ValueError, match="X has 10 features, but UntiedAutoEncoder is expecting 64"
    ):
        ae.partial_fit(digits[:, :10])


def test_lbfgs_lowers_the_loss_on_a_2d_toy():
    X = noisy_circle()
    ae = UntiedAutoEncoder(n_components=50, optimizer="lbfgs", max_epochs=10, random_state=0).fit(X)
    losses = ae.history_[:, "train_loss"]
    assert losses[-1] < 0.2 * losses[0]
    assert ae.history_[-1, "train_batch_count"] == 1  # full batch


def test_sgd_uses_momentum(digits):
    ae = small(optimizer="sgd", momentum=0.5).fit(digits)
    assert ae.net_.optimizer_.param_groups[0]["momentum"] == 0.5
    assert ae.net_.optimizer_.param_groups[0]["lr"] == 1e-2


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("tying", TYINGS)
def test_weight_length_holds_after_fit(cls, tying, digits):
    ae = small(cls, weight_tying=tying, weight_length=0.8).fit(digits)
    np.testing.assert_allclose(np.linalg.norm(ae.encoder_weights_, axis=0), 0.8, rtol=1e-5)
    if tying == "untied":
        np.testing.assert_allclose(np.linalg.norm(ae.decoder_weights_, axis=0), 0.8, rtol=1e-5)


@pytest.mark.parametrize("target", ["reconstruction", "encoder"])
def test_contractive_loss_is_reconstruction_plus_penalty(target, digits):
    cae = small(ContractiveAutoEncoder, contraction=0.3, contraction_target=target).fit(digits)
    net = cae.net_
    X = torch.as_tensor(digits[:50], dtype=torch.float32)
    reconstruction, U = net.module_(X)
    loss = net.get_loss((reconstruction, U), X)
    expected = ((reconstruction - X) ** 2).sum(1).mean() + 0.3 * net.module_.contraction(U, target)
    torch.testing.assert_close(loss, expected)


def test_contraction_shrinks_the_jacobian(digits):
    plain = small(ContractiveAutoEncoder, contraction=0.0, max_epochs=10).fit(digits)
    contracted = small(ContractiveAutoEncoder, contraction=1.0, max_epochs=10).fit(digits)
    norm = lambda ae: np.linalg.norm(ae.jacobian(digits[:100]), axis=(1, 2)).mean()  # noqa: E731
    assert norm(contracted) < 0.8 * norm(plain)


def test_extra_callbacks_run_and_are_not_mutated(digits):
    class CountEpochs(Callback):
        def initialize(self):
            self.epochs_ = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs_ += 1
            net.history.record("counted", self.epochs_)

    callback = CountEpochs()
    ae = small(callbacks=[callback]).fit(digits)
    assert ae.history_[:, "counted"] == [1, 2, 3]
    assert not hasattr(callback, "epochs_")  # the parameter is copied, not used


def test_verbose_prints_skorch_epoch_table(digits, capsys):
    small(verbose=1).fit(digits)
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out


def test_warm_start_continues_training(digits):
    ae = small(warm_start=True).fit(digits)
    first = ae.encoder_weights_
    ae.fit(digits)
    assert len(ae.history_) == 6
    assert not np.array_equal(first, ae.encoder_weights_)
    cold = small().fit(digits)
    cold.fit(digits)
    assert len(cold.history_) == 3


def test_lr_default_depends_on_the_optimizer(digits):
    assert small(optimizer="adam").fit(digits).net_.lr == 1e-3
    assert small(optimizer="lbfgs", max_epochs=1).fit(digits).net_.lr == 1.0
    assert small(lr=0.05).fit(digits).net_.lr == 0.05


# --- unfitted use and bad parameters (bad data: test_input_validation.py) -----------------


@pytest.mark.parametrize(
    "method",
    [*AE_METHODS, "inverse_transform"],
)
def test_unfitted_use_raises_not_fitted_error(method, digits):
    with pytest.raises(NotFittedError):
        getattr(small(), method)(digits)
    with pytest.raises(NotFittedError):
        small().encoder_weights_


@pytest.mark.parametrize(
    "param, value",
    [
        ("n_components", 0),
        ("activation", "swish"),
        ("weight_tying", "loose"),
        ("optimizer", "rmsprop"),
        ("lr", -1.0),
        ("noise", -0.1),
        ("contamination", 0.7),
        ("weight_length", 0.0),
        ("energy_quadrature", 0),
        ("device", "tpu"),
        ("max_epochs", 0),
        ("batch_size", 0),
    ],
)
def test_invalid_parameter_raises_at_fit(param, value, digits):
    ae = small().set_params(**{param: value})  # setting is lazy, as in scikit-learn
    with pytest.raises(InvalidParameterError, match=param):
        ae.fit(digits)
    with pytest.raises(InvalidParameterError, match=param):
        small().set_params(**{param: value}).partial_fit(digits)


def test_invalid_contractive_parameters_raise_at_fit(digits):
    with pytest.raises(InvalidParameterError, match="contraction_target"):
        small(ContractiveAutoEncoder, contraction_target="decoder").fit(digits)
    with pytest.raises(InvalidParameterError, match="contraction"):
        small(ContractiveAutoEncoder, contraction=-1.0).fit(digits)


def test_inputs_are_never_modified(digits):
    X = digits.copy()
    X32 = X.astype(np.float32)
    ae = small(noise=0.2, weight_length=1.0).fit(X)
    ae.partial_fit(X32)
    for method in (ae.transform, ae.score_samples, ae.vector_field, ae.predict, ae.score):
        method(X)
        method(X32)
    ae.inverse_transform(ae.transform(X))
    np.testing.assert_array_equal(X, digits)
    np.testing.assert_array_equal(X32, digits.astype(np.float32))


def test_failed_refit_keeps_the_previous_fit(digits):
    ae = small().fit(digits)
    weights = ae.encoder_weights_
    with pytest.raises(ValueError):
        ae.fit(np.full((4, 64), np.nan))
    np.testing.assert_array_equal(ae.encoder_weights_, weights)
    assert ae.n_features_in_ == 64


def test_cuda_request_without_a_gpu_is_explained(digits, no_gpu):
    with pytest.raises(ValueError, match="device='cuda'"):
        small(device="cuda").fit(digits)


# --- composition ----------------------------------------------------------------------


def test_pipeline_on_digits_classifies_above_ninety_percent():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("ae", UntiedAutoEncoder(n_components=64, max_epochs=20, random_state=0)),
            ("clf", LogisticRegression(max_iter=2000)),
        ]
    ).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.9


def test_grid_search_over_size_activation_and_tying_with_two_jobs(digits):
    search = GridSearchCV(
        small(max_epochs=2),
        {
            "n_components": [8, 16],
            "activation": ["sigmoid", "relu"],
            "weight_tying": ["untied", "tied"],
        },
        cv=2,
        n_jobs=2,
    ).fit(digits)
    assert len(search.cv_results_["params"]) == 8
    assert search.best_estimator_.n_components in (8, 16)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.transform(digits[:3]).shape[0] == 3


def test_feature_names_and_pandas_output(digits):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(digits, columns=[f"pixel{i}" for i in range(64)])
    ae = small(n_components=4).set_output(transform="pandas").fit(frame)
    np.testing.assert_array_equal(ae.feature_names_in_, frame.columns)
    out = ae.transform(frame)
    assert list(out.columns) == [f"untiedautoencoder{i}" for i in range(4)]
    assert list(ae.get_feature_names_out()) == list(out.columns)


def test_clone_and_params_round_trip():
    ae = small(ContractiveAutoEncoder, contraction=0.5, weight_tying="scaled")
    params = ae.get_params()
    twin = clone(ae)
    assert twin.get_params() == params
    twin.set_params(**params)
    assert twin.get_params() == params
    assert "contraction_target" in params and "energy_quadrature" in params


# --- energy and the outlier contract ----------------------------------------------------


@pytest.mark.parametrize("tying", ["tied", "scaled"])
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "softplus", "linear"])
def test_closed_form_energy_agrees_with_the_line_integral_on_fitted_models(
    tying, activation, digits
):
    ae = small(weight_tying=tying, activation=activation).fit(digits)
    field = ae._field(torch.float64)
    X = torch.as_tensor(digits[:100])
    origin = torch.as_tensor(ae.energy_origin_)
    expected = field.closed_form_energy(X) - field.closed_form_energy(origin[None])
    torch.testing.assert_close(field.segment_energy(X, origin), expected, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(
        ae.score_samples(digits[:100]) * ae.temperature_, field.closed_form_energy(X).numpy()
    )


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus"])
def test_untied_quadrature_energy_converges_to_the_exact_line_integral(activation, digits):
    exact = small(activation=activation).fit(digits)
    approx = clone(exact).set_params(energy_quadrature=48).fit(digits)
    np.testing.assert_allclose(
        approx.score_samples(digits), exact.score_samples(digits), rtol=1e-8, atol=1e-8
    )
    assert exact.score_samples(exact.energy_origin_[None])[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("tying", TYINGS)
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "softplus", "linear"])
def test_energies_are_finite_for_any_finite_input(cls, tying, activation, digits):
    ae = small(cls, weight_tying=tying, activation=activation, max_epochs=1).fit(digits)
    extreme = np.r_[digits[:5] * 1e6, -digits[:5] * 1e6, np.full((1, 64), 1e12)]
    for X in (extreme, extreme.astype(np.float32)):
        assert np.isfinite(ae.score_samples(X)).all()


def test_outlier_contract(digits):
    ae = small(contamination=0.05, max_epochs=5).fit(digits)
    scores = ae.score_samples(digits)
    np.testing.assert_allclose(ae.decision_function(digits), scores - ae.offset_)
    labels = ae.predict(digits)
    assert set(np.unique(labels)) == {-1, 1}
    assert np.mean(labels == -1) == pytest.approx(0.05, abs=0.005)
    np.testing.assert_array_equal(labels, np.where(ae.decision_function(digits) < 0, -1, 1))
    np.testing.assert_array_equal(ae.fit_predict(digits), labels)


def test_corrupted_digits_are_flagged_as_outliers(digits):
    from sk_consae.datasets import salt_and_pepper

    ae = small(n_components=64, weight_tying="tied", max_epochs=30).fit(digits)
    assert np.mean(ae.predict(salt_and_pepper(digits, 0.2, random_state=0)) == -1) > 0.9


@pytest.mark.parametrize("n_samples, batches", [(125, 16), (300, 17), (7000, 55)])
def test_auto_batch_size_gives_small_data_enough_steps(n_samples, batches):
    # "auto" = min(128, max(8, n // 16)): 125 rows -> 8 per batch, 7000 rows -> 128.
    X = np.random.default_rng(0).normal(size=(n_samples, 3))
    ae = UntiedAutoEncoder(4, max_epochs=1, random_state=0).fit(X)
    assert ae.history_[-1, "train_batch_count"] == batches


def test_auto_noise_is_resolved_from_the_training_data():
    X = np.random.default_rng(0).normal(size=(200, 3)) * 4.0
    ae = UntiedAutoEncoder(4, max_epochs=1, random_state=0).fit(X)
    # Scott's bandwidth: n^(-1/(D+4)) times the root-mean-square spread.
    assert ae.noise_ == pytest.approx(200 ** (-1 / 7) * np.sqrt(X.var(0).mean()))
    assert ae.net_.noise == ae.noise_
    assert UntiedAutoEncoder(4, noise=0.0, max_epochs=1).fit(X).noise_ == 0.0


def test_asymmetry_penalty_makes_an_untied_model_more_conservative(digits):
    from sk_consae.metrics import jacobian_asymmetry, jacobian_symmetricity

    params = dict(n_components=32, max_epochs=20, random_state=0)
    plain = UntiedAutoEncoder(**params).fit(digits)
    penalised = UntiedAutoEncoder(asymmetry_penalty=1.0, **params).fit(digits)
    assert jacobian_symmetricity(penalised, digits) > jacobian_symmetricity(plain, digits)
    assert jacobian_asymmetry(penalised, digits) < jacobian_asymmetry(plain, digits)
    # Tied models are conservative already: the penalty is 0 and changes nothing.
    tied = UntiedAutoEncoder(weight_tying="tied", **params).fit(digits)
    tied_penalised = UntiedAutoEncoder(weight_tying="tied", asymmetry_penalty=5.0, **params)
    np.testing.assert_array_equal(
        tied_penalised.fit(digits).encoder_weights_, tied.encoder_weights_
    )
