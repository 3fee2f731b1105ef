"""Training speed of deep auto-encoders: a deep untied fit against a hand-written PyTorch
loop over the same model, and the cost of the other deep configurations against it.

    python benchmarks/bench_deep.py [--epochs 3] [--n 20000] [--rounds 2]

The model: 784 inputs, one hidden layer of 500 sigmoid units, a code of 250, the mirrored
decoder (250 -> 500 sigmoid -> 784 linear), Glorot-uniform weights, zero biases, Adam at
1e-3, batch 128, no input noise, shuffled every epoch. Per-epoch times are medians over
epochs after the first, and over ``--rounds`` alternating runs of the package and the
hand loop.
"""

import argparse
import time

import torch
from _harness import alternate, mnist_like, report, steady

from sk_consae import ContractiveAutoEncoder, UntiedAutoEncoder

HIDDEN, CODE, BATCH = (500,), 250, 128


def glorot_layers(sizes, generator):
    """Glorot-uniform (in, out) weights and zero biases, drawn layer by layer."""
    parameters = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = (6 / (fan_in + fan_out)) ** 0.5
        weight = torch.empty(fan_in, fan_out).uniform_(-bound, bound, generator=generator)
        parameters += [weight.requires_grad_(), torch.zeros(fan_out, requires_grad=True)]
    return parameters


def hand_loop_epochs(X, epochs):
    """The baseline: the same deep untied model in a plain loop over shuffled slices."""
    g = torch.Generator().manual_seed(0)
    sizes = [X.shape[1], *HIDDEN, CODE]
    encoder, decoder = glorot_layers(sizes, g), glorot_layers(sizes[::-1], g)
    optimizer = torch.optim.Adam(encoder + decoder, lr=1e-3)
    data = torch.from_numpy(X)
    layers = list(zip(encoder[::2], encoder[1::2])) + list(zip(decoder[::2], decoder[1::2]))
    durations = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(data), generator=g)
        for i in range(0, len(data), BATCH):
            batch = data[order[i : i + BATCH]]
            optimizer.zero_grad()
            hidden = batch
            for j, (weight, bias) in enumerate(layers):
                hidden = torch.addmm(bias, hidden, weight)
                if j < len(layers) - 1:
                    hidden = torch.sigmoid(hidden)
            loss = ((hidden - batch) ** 2).sum() / batch.shape[0]
            loss.backward()
            optimizer.step()
        loss.item()  # one sync per epoch, as the package's lean epoch
        durations.append(time.perf_counter() - start)
    return durations


def package_epochs(cls, X, epochs, **params):
    params = {"batch_size": BATCH, "activation": "sigmoid", "noise": 0.0, **params}
    params.setdefault("max_samples", None)  # every row each epoch, as the hand loop
    model = cls(CODE, hidden_layer_sizes=HIDDEN, max_epochs=epochs, random_state=0, **params)
    return model.fit(X).history_[:, "dur"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    X, data = mnist_like(args.n)

    hand, ours = alternate(
        lambda: hand_loop_epochs(X, args.epochs),
        lambda: package_epochs(UntiedAutoEncoder, X, args.epochs),
        args.rounds,
    )
    scaled = steady(package_epochs(UntiedAutoEncoder, X, args.epochs, weight_tying="scaled"))
    penalty = steady(package_epochs(UntiedAutoEncoder, X, args.epochs, asymmetry_penalty=0.1))
    contractive = steady(package_epochs(ContractiveAutoEncoder, X, args.epochs, contraction=0.01))
    rows = [
        ("data", data),
        ("model", f"784 -> {HIDDEN} -> {CODE} -> mirrored decoder, sigmoid, batch {BATCH}"),
        ("hand-written loop, s/epoch", hand),
        ("deep untied UntiedAutoEncoder, s/epoch", ours),
        ("ratio deep untied / hand loop (target <= 1.10)", ours / hand),
        ("deep scaled (gradient of a scalar network), s/epoch", scaled),
        ("ratio deep scaled / deep untied", scaled / ours),
        ("deep untied with asymmetry_penalty (Hutchinson), s/epoch", penalty),
        ("ratio asymmetry penalty / deep untied", penalty / ours),
        ("deep ContractiveAutoEncoder (Hutchinson), s/epoch", contractive),
        ("ratio deep CAE / deep untied", contractive / ours),
    ]
    report(
        "deep",
        rows,
        notes=[
            "The scaled model's decoder is the encoder's backward pass written out, so a "
            "training step differentiates through it (double backpropagation); it has no "
            "decoder weights, so its products are the encoder's twice over.",
            "The Hutchinson penalties recompute the reconstruction and add one "
            "vector-Jacobian product (CAE) or one JVP and one VJP (asymmetry) per step.",
        ],
    )


if __name__ == "__main__":
    main()
