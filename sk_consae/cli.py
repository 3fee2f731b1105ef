"""Command line: ``sk-consae reproduce`` (also ``python -m sk_consae reproduce``)."""

import argparse
import sys

__all__ = ["main"]


def _seed(text):
    """A seed NumPy accepts, checked before anything is written."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {value}")
    return value


def _parser():
    from . import __version__
    from .paper.registry import EXPERIMENTS

    parser = argparse.ArgumentParser(
        prog="sk-consae",
        description="Conservative auto-encoders (Im, Belghazi & Memisevic, AAAI 2016).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    reproduce = commands.add_parser(
        "reproduce",
        help="reproduce the paper's tables and figures into a report",
        description="Run the paper's experiments and write report.md and PNG figures.",
    )
    reproduce.add_argument(
        "--quick",
        action="store_true",
        help="load_digits and the 2-D toys with small models: about 2 minutes on 2 CPU cores",
    )
    reproduce.add_argument(
        "--mnist",
        metavar="DIR",
        help="folder with the MNIST idx files (needed without --quick)",
    )
    reproduce.add_argument(
        "--out",
        metavar="DIR",
        default="consae-report",
        help="output folder (default: ./consae-report)",
    )
    reproduce.add_argument(
        "--toy-data",
        metavar="DIR",
        help="folder with the authors' line.npz, circle.npz and spiral.npz for Fig. 3 "
        "(default: generated toys)",
    )
    reproduce.add_argument(
        "--resume",
        action="store_true",
        help="reuse the results an earlier run with the same settings saved in DIR/results",
    )
    reproduce.add_argument(
        "--only",
        nargs="+",
        choices=list(EXPERIMENTS),
        metavar="EXPERIMENT",
        help=f"run only these experiments ({', '.join(EXPERIMENTS)}); the report also "
        "shows the others' saved results",
    )
    reproduce.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    reproduce.add_argument(
        "--seed", type=_seed, default=0, help="random seed, 0 to 2**32 - 1 (default: 0)"
    )
    return parser


def main(argv=None):
    """Entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise RuntimeError("--device cuda was given but torch sees no GPU")
        if not args.quick and args.mnist is None:
            raise ValueError("the full reproduction needs --mnist DIR (or use --quick)")
        from .paper import run

        run(
            args.out,
            quick=args.quick,
            mnist=args.mnist,
            toy_data=args.toy_data,
            device=args.device,
            random_state=args.seed,
            resume=args.resume,
            only=args.only,
        )
    except KeyboardInterrupt:
        print("sk-consae: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, no traceback, non-zero status
        print(f"sk-consae: error: {exc}", file=sys.stderr)
        return 1
    return 0
