"""Optional dependencies, imported where they are needed with a one-line hint."""

__all__ = ["pyplot"]


def pyplot():
    """``matplotlib.pyplot``, or an ImportError that names the extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "this draws figures with matplotlib, which is not installed: "
            'pip install "sk_consae[plot]"'
        ) from None
    return plt
