r"""Hidden-unit activations with their derivatives and antiderivatives.

Every activation :math:`h` is stored with

* :math:`h'`, which enters the Jacobian :math:`J = R\,\mathrm{diag}(h'(u))\,W^\top`;
* an antiderivative :math:`A` (:math:`A' = h`), which gives the closed-form energy
  of a tied or scaled auto-encoder;
* the mean of :math:`h` on a segment,
  :math:`\bar h(u_0, u_1) = \int_0^1 h(u_0 + t (u_1 - u_0))\,dt
  = (A(u_1) - A(u_0)) / (u_1 - u_0)`, which gives the exact line-integral energy
  of an untied auto-encoder.

All functions are pure: tensors in, tensors of the same shape and dtype out.

References
----------
.. [1] Im, D. J., Belghazi, M. I. D. and Memisevic, R. "Conservativeness of untied
   auto-encoders", AAAI 2016, eq. (3)-(4).
.. [2] Kamyshanska, H. and Memisevic, R. "The potential energy of an autoencoder",
   IEEE TPAMI 2015.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import torch
import torch.nn.functional as F

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "get_activation",
    "saturating_relu",
    "softplus_antiderivative",
]

Tensor = torch.Tensor

_LOG2 = math.log(2.0)
_PI2_OVER_6 = math.pi**2 / 6.0

# Bernoulli numbers B_0..B_18 (B_1 = -1/2), for the series
# Li2(1 - e^{-y}) = sum_n B_n y^(n+1) / (n+1)!, which converges like (y / 2 pi)^n.
_BERNOULLI = {
    0: Fraction(1),
    1: Fraction(-1, 2),
    2: Fraction(1, 6),
    4: Fraction(-1, 30),
    6: Fraction(1, 42),
    8: Fraction(-1, 30),
    10: Fraction(5, 66),
    12: Fraction(-691, 2730),
    14: Fraction(7, 6),
    16: Fraction(-3617, 510),
    18: Fraction(43867, 798),
}
# Coefficients of y^(n+1), highest power first, for Horner's scheme.
_LI2_COEFFS = [float(_BERNOULLI.get(n, 0) / math.factorial(n + 1)) for n in range(18, -1, -1)]


def _li2_of_one_minus_exp(y: Tensor) -> Tensor:
    r"""Return :math:`\mathrm{Li}_2(1 - e^{-y})` for :math:`0 \le y \le \log 2`.

    Bernoulli series :math:`\sum_n B_n y^{n+1}/(n+1)!`; on this range the terms fall
    by a factor of about 9 each, so 19 terms reach double precision.
    """
    acc = torch.zeros_like(y)
    for coeff in _LI2_COEFFS:
        acc = (acc + coeff) * y
    return acc


def softplus_antiderivative(u: Tensor) -> Tensor:
    r"""Return :math:`-\mathrm{Li}_2(-e^{u})`, the antiderivative of softplus.

    .. math::

        -\mathrm{Li}_2(-e^u) = \int_{-\infty}^{u} \log(1 + e^t)\,dt .

    For :math:`a = |u|`, :math:`y = \mathrm{softplus}(-a) \in (0, \log 2]`, Landen's
    identity gives :math:`-\mathrm{Li}_2(-e^{-a}) = \mathrm{Li}_2(1 - e^{-y}) + y^2/2`,
    and the inversion formula gives the positive side,
    :math:`-\mathrm{Li}_2(-e^{a}) = \pi^2/6 + a^2/2 + \mathrm{Li}_2(-e^{-a})`.
    Both avoid :math:`e^{u}`, so the function is finite for any finite ``u``.

    Parameters
    ----------
    u : Tensor
        Any shape, floating dtype.

    Returns
    -------
    Tensor
        Same shape and dtype as ``u``.
    """
    a = u.abs()
    y = F.softplus(-a)
    negative_side = _li2_of_one_minus_exp(y) + 0.5 * y * y
    return torch.where(u <= 0, negative_side, _PI2_OVER_6 + 0.5 * u * u - negative_side)


def _log_cosh(u: Tensor) -> Tensor:
    # |u| + softplus(-2|u|) - log 2: no cosh overflow for large |u|.
    a = u.abs()
    return a + F.softplus(-2.0 * a) - _LOG2


def _divided_difference(antiderivative, function, u0: Tensor, u1: Tensor) -> Tensor:
    r"""Mean of ``function`` on the segment [u0, u1] for a smooth activation.

    :math:`(A(u_1) - A(u_0)) / (u_1 - u_0)` loses digits when the segment is short,
    so below a length of :math:`\epsilon^{1/3} (1 + |u_0| + |u_1|)` the midpoint value
    is used; its error, :math:`(u_1 - u_0)^2 |h''| / 24`, is then below the
    cancellation error it replaces.
    """
    du = u1 - u0
    eps = torch.finfo(du.dtype).eps
    short = du.abs() <= eps ** (1.0 / 3.0) * (1.0 + u0.abs() + u1.abs())
    safe_du = torch.where(short, torch.ones_like(du), du)
    secant = (antiderivative(u1) - antiderivative(u0)) / safe_du
    return torch.where(short, function(0.5 * (u0 + u1)), secant)


def _relu_segment_mean(u0: Tensor, u1: Tensor) -> Tensor:
    # Exact on each piece: no cancellation when both ends share a sign.
    lo, hi = torch.minimum(u0, u1), torch.maximum(u0, u1)
    crossing = (lo < 0) & (hi > 0)
    safe_span = torch.where(crossing, hi - lo, torch.ones_like(hi))
    crossing_mean = 0.5 * hi * hi / safe_span
    same_sign_mean = torch.where(lo >= 0, 0.5 * (u0 + u1), torch.zeros_like(u0))
    return torch.where(crossing, crossing_mean, same_sign_mean)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation h with h', an antiderivative A and its segment mean.

    Attributes
    ----------
    name : str
    function : callable
        :math:`h(u)`.
    derivative : callable
        :math:`h'(u)`; the right derivative 0 is used at the ReLU kink.
    antiderivative : callable
        :math:`A(u)` with :math:`A' = h`.
    segment_mean : callable
        ``segment_mean(u0, u1)`` is :math:`\\int_0^1 h(u_0 + t (u_1 - u_0))\\,dt`.
    kinks : tuple of float
        Where a piecewise-linear h changes slope (ReLU: ``(0.0,)``; linear: none).
        None for a smooth h. Networks of piecewise-linear units are affine between
        the points where a pre-activation crosses a kink, so their line integrals are
        exact piece by piece.
    """

    name: str
    function: Callable[[Tensor], Tensor]
    derivative: Callable[[Tensor], Tensor]
    antiderivative: Callable[[Tensor], Tensor]
    segment_mean: Callable[[Tensor, Tensor], Tensor]
    kinks: tuple | None = None

    def __reduce__(self):
        # Pickled by name: the functions are closures, and the registry is the truth.
        return get_activation, (self.name,)


def _smooth(name, function, derivative, antiderivative) -> Activation:
    def segment_mean(u0, u1):
        return _divided_difference(antiderivative, function, u0, u1)

    return Activation(name, function, derivative, antiderivative, segment_mean)


def _sigmoid_derivative(u: Tensor) -> Tensor:
    s = torch.sigmoid(u)
    return s * (1.0 - s)


def _tanh_derivative(u: Tensor) -> Tensor:
    t = torch.tanh(u)
    return 1.0 - t * t


ACTIVATIONS = {
    "sigmoid": _smooth("sigmoid", torch.sigmoid, _sigmoid_derivative, F.softplus),
    "tanh": _smooth("tanh", torch.tanh, _tanh_derivative, _log_cosh),
    "softplus": _smooth("softplus", F.softplus, torch.sigmoid, softplus_antiderivative),
    "relu": Activation(
        "relu",
        torch.relu,
        # 1 where u > 0, else 0: sign(relu(u)) is two cheap kernels, a comparison and a
        # cast are several times slower (13 vs 4 us on a 128 x 100 batch, CPU).
        lambda u: torch.sign(torch.relu(u)),
        lambda u: 0.5 * torch.relu(u) ** 2,
        _relu_segment_mean,
        kinks=(0.0,),
    ),
    "linear": Activation(
        "linear",
        lambda u: u,
        torch.ones_like,
        lambda u: 0.5 * u * u,
        lambda u0, u1: 0.5 * (u0 + u1),
        kinks=(),
    ),
}


def get_activation(name: str) -> Activation:
    """Return the :class:`Activation` called ``name``."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None


def saturating_relu(caps: Tensor) -> Activation:
    r"""ReLU units that saturate at per-unit ``caps`` :math:`c_k \ge 0`:

    .. math::

        h_k(u) = \min(\max(u, 0), c_k) = \mathrm{relu}(u) - \mathrm{relu}(u - c_k),

    a difference of two ReLUs, so its derivative, antiderivative and segment mean are
    those of ReLU at :math:`u` minus those at :math:`u - c_k`, and every closed form of
    the one-layer family holds. ``caps`` has shape (H,) and broadcasts over the last
    axis of the pre-activations (cast to their dtype and device).
    """
    relu = ACTIVATIONS["relu"]

    def shifted(u):
        return u - caps.to(u)

    return Activation(
        "relu, saturating",
        lambda u: relu.function(u) - relu.function(shifted(u)),
        lambda u: relu.derivative(u) - relu.derivative(shifted(u)),
        lambda u: relu.antiderivative(u) - relu.antiderivative(shifted(u)),
        lambda u0, u1: relu.segment_mean(u0, u1) - relu.segment_mean(shifted(u0), shifted(u1)),
    )
