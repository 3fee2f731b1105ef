"""skorch training for the auto-encoder module, with a fast tensor data path.

skorch's default data path indexes one sample at a time and collates each batch.
Here the whole training set is one tensor on the training device and a batch is a
slice of it (gathered through a permuted index when shuffling), so an epoch costs
what a hand-written loop over tensor slices costs; skorch's callbacks and history
work unchanged.

Randomness is re-derived, not carried: the shuffling at the start of every epoch from
``(seed, epoch)``, the input noise of every step from ``(seed, rows trained before
it)``. Training ``k`` epochs in one call or in ``k`` ``partial_fit`` calls gives the
same weights, and so do consecutive chunks (in order, multiples of the batch size)
and one unshuffled pass over their concatenation, noise included.
"""

import math
import os
import sys

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import PrintLog
from skorch.utils import Ansi
from torch import nn

from ..exceptions import TrainingDivergedError
from .seams import FastEpochs, optimizer_step
from .threads import torch_threads

__all__ = [
    "TensorDataset",
    "TensorBatchIterator",
    "WeightAverage",
    "AutoEncoderNet",
    "epoch_seed",
    "step_seed",
]

_MASK64 = 2**64 - 1


def step_seed(seed: int, rows_before: int) -> int:
    """A 63-bit seed for the optimiser step that follows ``rows_before`` training rows
    (splitmix64 of the pair): cheap enough for every step (about 1 us)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + int(rows_before) + 1) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (z ^ (z >> 31)) >> 1


def epoch_seed(seed: int, epoch: int) -> int:
    """A well-mixed 63-bit seed for ``epoch`` of a stream started at ``seed``."""
    state = np.random.SeedSequence([int(seed), int(epoch)]).generate_state(2, np.uint32)
    return int(state[0]) << 31 ^ int(state[1])


class TensorDataset(torch.utils.data.Dataset):
    """Inputs and targets held as whole tensors; targets default to the inputs.

    ``weights`` (a float64 array, one positive number per row, or None) are frequency
    weights: an epoch visits row i ``weights[i]`` times (see
    :meth:`TensorBatchIterator.epoch_rows`).
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor = None, weights=None):
        self.X = X
        self.y = X if y is None else y
        self.weights = weights

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, index):
        return self.X[index], self.y[index]

    def hold_out(self, fraction, seed):
        """``(train, valid)``: a seeded random ``fraction`` of the rows is held out."""
        n = len(self)
        n_valid = int(round(fraction * n))
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"validation_fraction={fraction} of {n} samples leaves "
                f"{n - n_valid} to train on and {n_valid} to validate on; both need one."
            )
        order = torch.randperm(n, generator=torch.Generator().manual_seed(int(seed)))
        order = order.to(self.X.device)
        valid, train = order[:n_valid], order[n_valid:]

        def subset(rows):
            weights = None if self.weights is None else self.weights[rows.cpu().numpy()]
            return TensorDataset(self.X[rows], None if self.y is self.X else self.y[rows], weights)

        return subset(train), subset(valid)


class TensorBatchIterator:
    """Mini-batches as slices of a :class:`TensorDataset`: no per-sample collation.

    Parameters
    ----------
    dataset : TensorDataset
    batch_size : int
    shuffle : bool, default=False
        Visit samples in the order of ``torch.randperm(n, generator=generator)``.
    generator : torch.Generator, optional
        CPU generator for the permutation; the net re-seeds it every epoch.
    max_samples : int or None, default=None
        With ``shuffle``, visit only the first ``max_samples`` rows of the permutation:
        a fresh random subset every epoch. None (or no shuffling): every row.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None, max_samples=None):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.max_samples = max_samples

    def _rows(self, n):
        return n if not self.shuffle or self.max_samples is None else min(n, self.max_samples)

    def __len__(self):
        weights = self.dataset.weights
        n = len(self.dataset) if weights is None else max(1, round(float(weights.sum())))
        return math.ceil(self._rows(n) / self.batch_size)

    def epoch_rows(self):
        """The row of each sample of this epoch's data, None for every row once.

        With frequency weights row i appears ``floor(w_i)`` times, plus once more
        with probability ``w_i - floor(w_i)`` (drawn from ``generator`` only when a
        weight is fractional): integer weights visit exactly the data with rows
        repeated, whose shuffled epochs they then draw (the rows in the same order).
        """
        weights = self.dataset.weights
        if weights is None:
            return None
        counts = np.floor(weights)
        fractions = weights - counts
        if fractions.any():
            draws = torch.rand(len(weights), generator=self.generator, dtype=torch.float64)
            counts += draws.numpy() < fractions
        rows = np.repeat(np.arange(len(weights)), counts.astype(np.int64))
        return torch.from_numpy(rows).to(self.dataset.X.device)

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        rows_of = self.epoch_rows()
        n = X.shape[0] if rows_of is None else rows_of.shape[0]
        size = self.batch_size
        if not self.shuffle and rows_of is None:
            for start in range(0, n, size):
                yield X[start : start + size], y[start : start + size]
            return
        if not self.shuffle:
            order = torch.arange(n, device=X.device)
            rows = n
        else:
            rows = self._rows(n)
            if rows < n:
                # A uniform subset in random order, drawn in O(rows): a permutation of
                # all n rows would cost more than the epoch's steps at 10^7 rows.
                seed = int(torch.randint(2**62, (), generator=self.generator))
                subset = np.random.default_rng(seed).choice(n, rows, replace=False)
                order = torch.from_numpy(subset).to(X.device)
            else:
                order = torch.randperm(n, generator=self.generator).to(X.device)
        if rows_of is not None:
            order = rows_of[order]
        for start in range(0, rows, size):
            index = order[start : start + size]
            inputs = X[index]
            yield inputs, (inputs if y is X else y[index])


class WeightAverage:
    r"""The exponential average of a module's parameters at the ends of epochs.

    After epoch :math:`t` it is :math:`\bar\theta_t = (1 - m) \sum_{s \le t}
    m^{t-s} \theta_s / (1 - m^t)`, the bias correction of Adam's moment averages;
    ``sums`` hold the uncorrected sums. Between training calls the module holds the
    average and ``iterate`` the last weights, from which training continues.
    """

    def __init__(self, momentum, sums, epochs=0, iterate=None):
        self.momentum, self.sums, self.epochs, self.iterate = momentum, sums, epochs, iterate

    @classmethod
    def start(cls, module, momentum):
        return cls(momentum, [torch.zeros_like(p) for p in module.parameters()])

    @torch.no_grad()
    def update(self, module):
        self.epochs += 1
        for total, parameter in zip(self.sums, module.parameters()):
            total.lerp_(parameter, 1 - self.momentum)

    @torch.no_grad()
    def swap_in(self, module):
        """Give the module the average, keeping its own weights as ``iterate``."""
        self.iterate = [p.detach().clone() for p in module.parameters()]
        correction = 1 - self.momentum**self.epochs
        for total, parameter in zip(self.sums, module.parameters()):
            parameter.copy_(total / correction)

    @torch.no_grad()
    def swap_out(self, module):
        """Give the module back its last weights, to train on from them."""
        for weights, parameter in zip(self.iterate, module.parameters()):
            parameter.copy_(weights)
        self.iterate = None


class SquaredError(nn.Module):
    """Mean over the batch of :math:`\\lVert r(x) - t\\rVert^2` (summed over features)."""

    def forward(self, reconstruction, target):
        residual = reconstruction - target
        return (residual * residual).sum() / residual.shape[0]


class EpochTable(PrintLog):
    """skorch's per-epoch table (``verbose=1``), coloured only on a terminal.

    skorch marks each column's best value with ANSI colour codes; written to a pipe or
    a log file they show up as escape sequences. Colour is dropped when standard output
    is not a terminal or when ``NO_COLOR`` is set (https://no-color.org).
    """

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not _terminal_colours():
            text = text.replace(color, "").replace(Ansi.ENDC.value, "")
        return text


def _terminal_colours():
    isatty = getattr(sys.stdout, "isatty", None)
    return not os.environ.get("NO_COLOR") and bool(isatty and isatty())


class AutoEncoderNet(FastEpochs, NeuralNet):
    """skorch net for :class:`~sk_consae._nn.module.AutoEncoderModule`.

    Adds to :class:`skorch.NeuralNet`: Gaussian input ``noise`` (denoising, drawn
    once per optimiser step so L-BFGS sees one objective per step), a closed-form
    ``contraction`` penalty, the ``weight_length`` projection after every optimiser
    step, epochs on a fresh random subset of at most ``max_samples`` rows, a check
    that stops training on a non-finite loss, a seeded hold-out split
    (``validation_fraction``) for ``valid_loss``, the weights' average over epochs
    (``ema_momentum``, :class:`WeightAverage`), and the tensor data path. The
    module's forward returns the reconstruction and what its penalties take: the
    pre-activations (one hidden layer) or the input (deep modules).
    """

    def __init__(
        self,
        *args,
        noise=0.0,
        contraction=0.0,
        contraction_target="reconstruction",
        asymmetry_penalty=0.0,
        weight_length=None,
        shuffle=True,
        max_samples=None,
        shuffle_seed=0,
        noise_seed=0,
        validation_fraction=None,
        split_seed=0,
        ema_momentum=0.0,
        divergence_advice="or scale the input, e.g. with StandardScaler",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.validation_fraction = validation_fraction
        self.split_seed = split_seed
        self.divergence_advice = divergence_advice
        self.noise = noise
        self.contraction = contraction
        self.contraction_target = contraction_target
        self.asymmetry_penalty = asymmetry_penalty
        self.weight_length = weight_length
        self.shuffle = shuffle
        self.max_samples = max_samples
        self.shuffle_seed = shuffle_seed
        self.noise_seed = noise_seed
        self.ema_momentum = ema_momentum

    def __setstate__(self, state):
        super().__setstate__(state)
        # torch's Optimizer pickles only defaults, state and param_groups, and L-BFGS
        # keeps its parameter list from __init__: a pickled or deep-copied L-BFGS could
        # not step. A new one over the same parameters takes the saved state.
        optimizer = getattr(self, "optimizer_", None)
        if isinstance(optimizer, torch.optim.LBFGS):
            saved = optimizer.state_dict()
            self.initialize_optimizer()
            self.optimizer_.load_state_dict(saved)

    def get_split_datasets(self, X, y=None, **fit_params):
        """The whole :class:`TensorDataset`, or a seeded hold-out split of it when
        ``validation_fraction`` is set (skorch then records ``valid_loss``)."""
        if self.validation_fraction is None:
            return super().get_split_datasets(X, y, **fit_params)
        return X.hold_out(self.validation_fraction, self.split_seed)

    def get_default_callbacks(self):
        return [
            (name, EpochTable() if name == "print_log" else callback)
            for name, callback in super().get_default_callbacks()
        ]

    def get_iterator(self, dataset, training=False):
        # Full batch (L-BFGS): every sample of the epoch, weighted rows repeated included.
        batch_size = sys.maxsize if self.batch_size in (-1, None) else max(1, self.batch_size)
        if not training:  # a fixed generator: weights round the same way every time
            return TensorBatchIterator(dataset, batch_size, generator=torch.Generator())
        self._shuffle_generator = torch.Generator()
        return TensorBatchIterator(
            dataset, batch_size, self.shuffle, self._shuffle_generator, self.max_samples
        )

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        epoch = len(self.history)
        self._shuffle_generator.manual_seed(epoch_seed(self.shuffle_seed, epoch))

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)
        # The fast epoch checks the epoch's loss (per step when callbacks watch
        # batches); a non-finite update in the last step shows only here.
        for name, parameter in self.module_.named_parameters():
            if not torch.isfinite(parameter).all():
                raise TrainingDivergedError(
                    f"Training diverged: parameter {name} became non-finite in epoch "
                    f"{len(self.history)}. Lower the learning rate `lr` (it is {self.lr}) "
                    f"{self.divergence_advice}."
                )
        if self.ema_momentum:
            self.weight_average_.update(self.module_)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        average = vars(self).pop("weight_average_", None)
        if average is not None and average.iterate is not None:
            average.swap_out(self.module_)  # training goes on from the last weights
        if self.ema_momentum:  # a new momentum starts a new average
            same = average is not None and average.momentum == self.ema_momentum
            self.weight_average_ = (
                average if same else WeightAverage.start(self.module_, self.ema_momentum)
            )
        self._batch_hooks = self.uses_batch_hooks()
        if self.noise:
            self._noise_generator = torch.Generator(device=self.device)
        if "rows_trained_" not in vars(self):  # a new net, or one rebuilt from its state
            self.rows_trained_ = sum(
                sum(batch.get("train_batch_size", 0) for batch in epoch.get("batches", []))
                for epoch in self.history
            )

    def _check_loss(self, loss):
        if not math.isfinite(loss):
            raise TrainingDivergedError(
                f"Training diverged: the loss became {loss} in epoch {len(self.history)}. "
                f"Lower the learning rate `lr` (it is {self.lr}) {self.divergence_advice}."
            )

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        if self.ema_momentum and self.weight_average_.epochs:
            self.weight_average_.swap_in(self.module_)
            if self.weight_length is not None:  # an average of unit columns is shorter
                self.module_.project_weight_length_(self.weight_length)
        # Training-only state: keeps the fitted net picklable across devices.
        self._noise_generator = None
        self._shuffle_generator = None

    def get_loss(self, y_pred, y_true, X=None, training=False):
        reconstruction, penalty_input = y_pred  # pre-activations, or X for deep modules
        loss = self.criterion_.forward(reconstruction, y_true)  # no hooks: skip __call__
        if self.contraction:
            penalty = self.module_.contraction(penalty_input, self.contraction_target)
            loss = loss + self.contraction * penalty
        if self.asymmetry_penalty:
            loss = loss + self.asymmetry_penalty * self.module_.asymmetry(penalty_input)
        return loss

    def train_step(self, batch, **fit_params):
        inputs, targets = batch
        if self.noise:
            self._noise_generator.manual_seed(step_seed(self.noise_seed, self.rows_trained_))
            inputs = inputs + self.noise * torch.randn(
                inputs.shape,
                generator=self._noise_generator,
                device=inputs.device,
                dtype=inputs.dtype,
            )
        rows = inputs.shape[0]
        self.rows_trained_ += rows
        with torch_threads(rows, rows * self.module_.multiply_adds_per_row()):
            step = self._optimizer_step((inputs, targets), **fit_params)
        if self._batch_hooks:  # per-batch callbacks see only finite losses
            self._check_loss(step["loss"].item())
        if self.weight_length is not None:
            self.module_.project_weight_length_(self.weight_length)
        return step

    def train_step_single(self, batch, **fit_params):
        """skorch's step (forward, loss, gradients) through :meth:`_loss_backward`, so
        that training with per-batch callbacks computes what training without them does."""
        self.module_.train()
        inputs, targets = batch
        return self._loss_backward(inputs, targets)

    def _loss_backward(self, inputs, targets):
        """The batch's loss, its gradients added to the parameters' ``grad``.

        Without penalties the loss is the squared error, whose gradients the module
        computes itself (in closed form for one hidden layer: autograd's graph costs a
        large part of a small model's step); penalties go through ``get_loss`` and
        autograd.
        """
        if self.contraction or self.asymmetry_penalty:
            y_pred = self.module_(inputs)
            loss = self.get_loss(y_pred, targets, X=inputs, training=True)
            loss.backward()
        else:
            loss, y_pred = self.module_.squared_error_backward(inputs, targets)
        return {"loss": loss, "y_pred": y_pred}

    def _optimizer_step(self, batch, **fit_params):
        """skorch's ``train_step``, minus the ``on_grad_computed`` notification (and the
        generator of parameters it builds every step) when no callback uses it."""
        if self._batch_hooks:
            return super().train_step(batch, **fit_params)
        inputs, targets = batch
        steps = []

        parameters = [p for group in self.optimizer_.param_groups for p in group["params"]]

        def closure():  # L-BFGS calls it several times per step; the first counts
            # What optimizer.zero_grad() does, without its wrappers (0.4 us against
            # 5.8 us timed alone, 2-3% of a small step).
            for parameter in parameters:
                parameter.grad = None
            step = self._loss_backward(inputs, targets)  # training mode set for the epoch
            steps.append(step)
            return step["loss"]

        try:
            optimizer_step(self.optimizer_, closure)
        except RuntimeError as error:
            # torch's optimisers cast lr-derived step sizes to the parameters' dtype:
            # SGD at lr=1e300 overflows there, before any parameter does.
            if "overflow" not in str(error):
                raise
            raise TrainingDivergedError(
                f"Training diverged: the optimiser's step overflowed in epoch "
                f"{len(self.history)} ({error}). Lower the learning rate `lr` (it is "
                f"{self.lr}) {self.divergence_advice}."
            ) from error
        return steps[0]
