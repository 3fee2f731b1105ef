r"""What every family of auto-encoder fields answers: the one interface that
estimators, metrics and callbacks use.

A *field* holds the parameters of a reconstruction :math:`r(x)` (tensors) and answers,
for a batch ``X`` of shape ``(n, D)``: the code, the reconstruction, the vector field
:math:`v(x) = r(x) - x`, the Jacobian :math:`J = \partial r / \partial x`, its trace and its two
norms :math:`\lVert J\rVert_F^2` and :math:`\operatorname{tr}(JJ)`, the curl, the
energy :math:`F` with :math:`\nabla F = v` and its split over the features. Each family
computes these its own way (the one-hidden-layer family in closed form, deeper ones
with forward and reverse mode); callers never ask which family they hold.

A new family is one module under ``_maths/`` with a subclass of :class:`Field` (its
parameters usually a :class:`~typing.NamedTuple` it inherits from) and a torch module
whose ``field()`` returns it.
"""

import torch

from .jacobian import asymmetry_from_norms, symmetricity_from_norms

__all__ = ["Field"]


class Field:
    """Interface of an auto-encoder's vector field; subclasses implement the methods
    that raise ``NotImplementedError``. Every method is pure: tensors in, tensors out,
    in the field's dtype and on its device."""

    # --- structure ----------------------------------------------------------------

    def parameters(self) -> dict:
        """The parameters as tensors under the names of ``field_parameters_``."""
        raise NotImplementedError

    def to(self, dtype=None, device=None):
        """The field cast to ``dtype`` and moved to ``device``."""
        raise NotImplementedError

    @property
    def device(self) -> torch.device:
        """Where the field computes."""
        return self.encoder_weight.device

    @property
    def dtype(self) -> torch.dtype:
        """The floating dtype it computes in."""
        return self.encoder_weight.dtype

    @property
    def n_features(self) -> int:
        """D, the dimension of the points."""
        return self.encoder_weight.shape[0]

    @property
    def width(self) -> int:
        """Features times this is about one row's multiply-adds (threads are sized
        from it): the first layer's width for auto-encoders."""
        return self.encoder_weight.shape[1]

    @property
    def is_gradient(self) -> bool:
        """True when the Jacobian is symmetric by construction (tied or scaled)."""
        return self.potential_scale is not None

    @property
    def code_width(self) -> int:
        """H, the number of code units: what :meth:`hidden` returns per row."""
        return self.width

    @property
    def saturable(self) -> bool:
        """Whether :meth:`saturated` can cap the code units (ReLU units only)."""
        return False

    def saturated(self, caps):
        """The field with its code units capped at ``caps`` (shape (H,))."""
        raise NotImplementedError

    def norm_floats(self, n_features):
        """Floats one row of the Jacobian norms (or curl) allocates at most, to size
        chunks of inference; None for the default ``4 * max(n_features, width)``."""
        return None

    def segment_floats(self, n_features):
        """Floats one row of a line integral (or its contributions) allocates at most;
        None for the default."""
        return None

    # --- the map ------------------------------------------------------------------

    def hidden(self, X):
        """The code :math:`h(x)`, shape (n, H)."""
        raise NotImplementedError

    def decode(self, hidden):
        """The decoder applied to codes of shape (n, H); shape (n, D)."""
        raise NotImplementedError

    def reconstruct(self, X):
        """:math:`r(X)`, shape (n, D)."""
        raise NotImplementedError

    def vector_field(self, X):
        """:math:`v(X) = r(X) - X`, shape (n, D)."""
        return self.reconstruct(X) - X

    def squared_error(self, X):
        r""":math:`\lVert r(x) - x\rVert^2` per row, shape (n,)."""
        residual = self.vector_field(X)
        return (residual * residual).sum(1)

    # --- the Jacobian -------------------------------------------------------------

    def jacobian(self, X):
        """Dense Jacobians :math:`\\partial r / \\partial x`, shape (n, D, D)."""
        raise NotImplementedError

    def jacobian_norms(self, X, n_probes=None, generator=None):
        r""":math:`\lVert J\rVert_F^2` and :math:`\operatorname{tr}(JJ)` per row, and
        their standard errors (None when exact).

        ``n_probes`` asks for Hutchinson's estimate from that many Rademacher probes
        drawn with ``generator``; a family with a cheap exact form may ignore it.
        """
        raise NotImplementedError

    def jacobian_trace(self, X, n_probes=None, generator=None):
        r""":math:`\operatorname{tr} J(x)` per row, shape (n,): the divergence of
        :math:`r`, so that :math:`\nabla \cdot v = \operatorname{tr} J - D`.

        ``n_probes`` asks for Hutchinson's estimate :math:`E[z^\top J z]` from that many
        Rademacher probes drawn with ``generator``; a family with a cheap exact form
        may ignore it.
        """
        raise NotImplementedError

    def exact_norms(self, n_probes) -> bool:
        """Whether :meth:`jacobian_norms` with ``n_probes`` is exact (no standard
        errors)."""
        return n_probes is None

    def symmetricity_rows(self, X, n_probes=None, generator=None):
        """Symmetricity of :math:`J(x)` per row; exactly 1 for gradient fields."""
        if self.is_gradient:
            return torch.ones(X.shape[0], dtype=X.dtype, device=X.device)
        return symmetricity_from_norms(*self.jacobian_norms(X, n_probes, generator)[:2])

    def asymmetry_rows(self, X, normalize=False, n_probes=None, generator=None):
        """QCSBM's asymmetry (``normalize``: NAsym) per row; exactly 0 for gradient
        fields."""
        if self.is_gradient:
            return torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
        norms = self.jacobian_norms(X, n_probes, generator)
        return asymmetry_from_norms(*norms[:2], normalize)

    def curl_rows(self, X):
        r"""Curl of :math:`v` per row: signed in 2-D,
        :math:`\lVert J - J^\top\rVert_F / \sqrt 2` beyond, 0 for gradient fields."""
        raise NotImplementedError

    def linearised_symmetricity(self):
        """Symmetricity of the Jacobian with every :math:`h'` replaced by 1 (the
        paper's weight symmetricity), a 0-d tensor."""
        raise NotImplementedError

    # --- the energy ---------------------------------------------------------------

    def energy(self, X, origin, n_nodes=None):
        r"""Energy :math:`F(x)` per row: the closed form of a gradient field (``origin``
        and ``n_nodes`` unused), else the line integral of :math:`v` from ``origin``
        with ``n_nodes`` Gauss-Legendre nodes (None: the family's exact rule)."""
        raise NotImplementedError

    def energy_contributions(self, X, origin, n_nodes=None):
        r"""The line integral from ``origin`` split over the features, (n, D): rows sum
        to :math:`F(x) - F(x_0)`. ``n_nodes`` as in :meth:`energy`."""
        raise NotImplementedError
