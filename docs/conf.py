"""Sphinx configuration for sk_consae (numpydoc, autosummary, sphinx-gallery)."""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sk_consae  # noqa: E402

project = "sk_consae"
author = "sk_consae developers"
copyright = "2026, sk_consae developers"
release = version = sk_consae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",  # the reproduction report is Markdown, included as written
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "plot_gallery": os.environ.get("SK_CONSAE_DOCS_GALLERY", "True"),
}


def _public_bases(app, name, obj, options, bases):
    """API pages list public base classes: a private base gives way to its own bases."""

    def public(classes):
        for cls in classes:
            if cls.__name__.startswith("_"):
                yield from public(cls.__bases__)
            else:
                yield cls

    bases[:] = list(dict.fromkeys(public(list(bases))))


def setup(app):
    app.connect("autodoc-process-bases", _public_bases)
