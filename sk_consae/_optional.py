"""Optional dependencies, imported where they are needed with a one-line hint."""

__all__ = ["pyplot", "require"]


def require(module, extra):
    """Import ``module``, or raise an ImportError that names the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"this needs {module.split('.')[0]}, which is not installed: "
            f'pip install "sk_consae[{extra}]"'
        ) from None


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
