r"""A user's own vector field as a :class:`~.field.Field`: any torch function of a
batch of points (a score network, a denoiser's residual, learned dynamics).

The function :math:`f` maps a batch (n, D) to (n, D), row by row. It *is* the field:
its Jacobian :math:`\partial f / \partial x` is what the metrics measure, and its energy
is the line integral of :math:`f` itself, by Gauss-Legendre quadrature (no closed form
is known). For an auto-encoder's reconstruction :math:`r`, the Jacobian metrics are the
auto-encoder's (those of :math:`r`, whose curl is that of :math:`r - x`).
"""

import torch

from . import autodiff
from .energy import quadrature_energy
from .field import Field
from .jacobian import antisymmetric_norm_from_norms, dense_curl

__all__ = ["FunctionField", "path_dependence"]

# Gauss-Legendre nodes of a user's field's line integral by default: the deep models'
# rule for smooth fields.
DEFAULT_NODES = 32


class FunctionField(Field):
    """The field :math:`f`, a torch function of batches, computing in ``dtype`` on
    ``device`` for points of ``n_features`` dimensions."""

    potential_scale = None  # nothing is known of its symmetry
    # Plain attributes here, where the auto-encoder families read them off their weights.
    device = dtype = n_features = width = None

    def __init__(self, function, n_features, dtype, device):
        self.function = function
        self.n_features = self.width = int(n_features)
        self.dtype = dtype
        self.device = torch.device(device)

    def to(self, dtype=None, device=None):
        return self  # a user's function stays where its parameters are

    def norm_floats(self, n_features):  # 16 probes at a time, each a batch in and out
        return 16 * 4 * n_features

    def segment_floats(self, n_features):
        return 4 * n_features * 2

    def vector_field(self, X):
        return self.function(X)

    def jacobian(self, X):
        return autodiff.jacobian_columns(self.function, X)

    def jacobian_norms(self, X, n_probes=None, generator=None):
        return autodiff.jacobian_norms(self.function, X, n_probes, generator)

    def jacobian_trace(self, X, n_probes=None, generator=None):
        return autodiff.jacobian_trace(self.function, X, n_probes, generator)

    def curl_rows(self, X):
        if X.shape[1] == 1:
            return torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
        if X.shape[1] == 2:
            return dense_curl(self.jacobian(X))
        return antisymmetric_norm_from_norms(*self.jacobian_norms(X)[:2])

    def energy(self, X, origin, n_nodes=None):
        return quadrature_energy(self.function, X, origin, n_nodes or DEFAULT_NODES)

    def energy_contributions(self, X, origin, n_nodes=None):
        raise NotImplementedError("a user's field is integrated as a whole")


def path_dependence(field, X, origin, detour, n_nodes=DEFAULT_NODES):
    r"""How much the line integral of ``field`` from ``origin`` to each row of X
    depends on the path: the energy along the two segments
    :math:`x_0 \to m \to x`, :math:`m = x_0 + \tfrac12 d + \tfrac12 \lVert d\rVert u`
    (:math:`d = x - x_0`, :math:`u` the unit part of ``detour`` orthogonal to
    :math:`d`), minus the energy along the straight segment. It is minus the
    circulation of the field around that triangle, 0 for every conservative field.

    Parameters
    ----------
    field : Field
    X : Tensor of shape (n, D)
    origin : Tensor of shape (D,)
    detour : Tensor of shape (D,)
        A direction; rows whose displacement is parallel to it (or D = 1) get 0.
    n_nodes : int, default=32

    Returns
    -------
    Tensor of shape (n,)
    """
    displacement = X - origin
    length = torch.linalg.vector_norm(displacement, dim=1, keepdim=True)
    unit = displacement / torch.clamp(length, min=torch.finfo(X.dtype).tiny)
    sideways = detour - (unit @ detour)[:, None] * unit
    sideways_norm = torch.linalg.vector_norm(sideways, dim=1, keepdim=True)
    # No turn where the detour is (numerically) parallel to d: both paths coincide.
    usable = sideways_norm > 1e-6 * torch.linalg.vector_norm(detour)
    sideways = torch.where(usable, sideways / torch.clamp(sideways_norm, min=1e-300), 0.0)
    corner = origin + 0.5 * displacement + 0.5 * length * sideways
    # quadrature_energy takes one start per row as well as a common origin.
    first = quadrature_energy(field.vector_field, corner, origin, n_nodes)
    second = quadrature_energy(field.vector_field, X, corner, n_nodes)
    return first + second - quadrature_energy(field.vector_field, X, origin, n_nodes)
