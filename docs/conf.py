"""Sphinx configuration of the course's website. Build it with `python -m aecourse site` (not sphinx-build
directly): that stages the notebooks and the offline JavaScript libraries next to these files first."""

import os

project = "aecourse"
author = "the aecourse authors"
copyright = "2026, the aecourse authors"
language = "en"

extensions = ["myst_nb"]
nb_execution_mode = "off"  # the pages show the stored outputs that nbval checks; no kernel is started
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
exclude_patterns = ["_extra", "_notebook_table.md", "build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = "aecourse: autoencoders, hands on"
html_static_path = ["_static"]
html_extra_path = ["_extra"]          # the notebooks as stored, for the download links
html_css_files = ["aecourse.css"]
html_js_files = [("aecourse.js", {"priority": 200})]  # before require.js: it sets require.js's paths
html_copy_source = False              # no _sources/: the download link serves the notebook as stored
html_show_sourcelink = False
html_show_search_summary = False      # the search page fetch()es snippets, which file:// pages may not
html_last_updated_fmt = None
html_context = {"default_mode": "auto"}  # pydata-sphinx-theme logs an error on a first visit without it
html_theme_options = {
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}

# Offline: MathJax 3, require.js and the widget renderer from the pinned npm packages that
# `python -m aecourse site` copies to _static/assets/ (tools/assets.json), never from a CDN.
# AECOURSE_SITE_DEFAULTS=1 keeps Sphinx's and myst-nb's defaults (CDNs): the browser tests'
# meta-test builds such a site to show that its checks catch it.
if os.environ.get("AECOURSE_SITE_DEFAULTS") != "1":
    mathjax_path = "assets/mathjax3/es5/tex-mml-chtml.js"
    nb_ipywidgets_js = {
        "assets/requirejs/require.js": {},
        "assets/html-manager/dist/embed-amd.js": {"data-jupyter-widgets-cdn-only": "false"},
    }
else:
    html_js_files = []
    html_context = {}
    html_show_search_summary = True
