"""Command line: ``sk-consae reproduce`` (also ``python -m sk_consae reproduce``)."""

import argparse
import sys

__all__ = ["main"]


def _parser():
    parser = argparse.ArgumentParser(
        prog="sk-consae",
        description="Conservative auto-encoders (Im, Belghazi & Memisevic, AAAI 2016).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    reproduce = commands.add_parser(
        "reproduce",
        help="reproduce the paper's tables and figures into a report",
        description="Run the paper's experiments and write report.md and PNG figures.",
    )
    reproduce.add_argument(
        "--quick",
        action="store_true",
        help="load_digits and the 2-D toys with small models: minutes on a CPU",
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
    reproduce.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    reproduce.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
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
        from .reproduce import run

        run(
            args.out, quick=args.quick, mnist=args.mnist, device=args.device, random_state=args.seed
        )
    except KeyboardInterrupt:
        print("sk-consae: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, no traceback, non-zero status
        print(f"sk-consae: error: {exc}", file=sys.stderr)
        return 1
    return 0
