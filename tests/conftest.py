"""Shared fixtures for the unit tests (nbval tests the notebooks, see pyproject.toml)."""

from __future__ import annotations

import functools
import os
import shutil

import matplotlib

matplotlib.use("Agg")  # no windows from the unit tests

import pytest
import torch

from aecourse.data import data_root, verify_fashion_mnist, verify_mnist

# The unit tests use tiny tensors: one thread is faster than two fighting over the cores
# (notebooks run in their own kernels and are not affected).
torch.set_num_threads(1)


def _real_data(verify, folder: str):
    root = data_root()
    if not all(s == "ok" for s in verify(root).values()):
        pytest.skip(
            f"{folder} is not in {root}/{folder}/raw (run `python -m aecourse data` or copy the "
            "archives there)"
        )
    return root


@pytest.fixture(scope="session")
def mnist_root():
    """The real MNIST files (copied into data/ by .ci/run); tests needing them skip without."""
    return _real_data(verify_mnist, "MNIST")


@pytest.fixture(scope="session")
def fashion_mnist_root():
    """The real Fashion-MNIST files (as mnist_root); the tests that need them skip without them."""
    return _real_data(verify_fashion_mnist, "FashionMNIST")


@pytest.fixture(scope="session")
def loaded():
    """Each data set read once per test run: loaded(ae.load_mnist, root) -> (train, test)."""
    return functools.cache(lambda load, root: load(root))


@pytest.fixture
def images():
    """64 small synthetic 'images' in [0, 1], shape (64, 1, 28, 28), with low-rank structure."""
    g = torch.Generator().manual_seed(0)
    basis = torch.rand(4, 784, generator=g)
    weights = torch.rand(64, 4, generator=g)
    return (weights @ basis / 4).clamp(0, 1).reshape(64, 1, 28, 28)


@pytest.fixture(autouse=True)
def _no_data_env(monkeypatch):
    """Tests see the default data root unless they set AECOURSE_DATA themselves."""
    if "AECOURSE_DATA" in os.environ and os.environ.get("AECOURSE_TEST_KEEP_DATA_ENV") != "1":
        monkeypatch.delenv("AECOURSE_DATA")


# ---------------------------------------------------------------- the browser (pytest-playwright)
# The browser tests (tests/tools/test_site.py, test_slides.py) drive the system's Chromium through
# pytest-playwright, one browser for the whole run; `playwright install` (a browser download) is
# never needed. Without Chromium they skip, unless AECOURSE_REQUIRE_BROWSER=1 (.ci/run sets it).

CHROMIUM = (
    os.environ.get("AECOURSE_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
    or shutil.which("google-chrome")
)
# Requests that stay on this machine: files, inline data, and the tests' own http.server.
LOCAL_PREFIXES = ("file:", "data:", "blob:", "about:", "http://127.0.0.1:")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches the system Chromium, headless, with background networking off."""
    if CHROMIUM is None:
        message = (
            "headless Chromium not found (Debian: `apt-get install chromium`; .ci/run installs it)"
        )
        if os.environ.get("AECOURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"AECOURSE_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps",
             "--no-first-run", "--disable-domain-reliability", "--no-pings"]  # fmt: skip
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": flags}


class Offline:
    """A fresh browser context in which every request that would leave the machine is recorded and
    aborted, and every console error, page error, failed request and HTTP error is recorded."""

    def __init__(self, browser, **context_args):
        self.context = browser.new_context(**context_args)
        self.outside: list[str] = []
        self.problems: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def watch(self, page):
        """Record page's console errors, uncaught exceptions, failed requests and HTTP errors."""
        page.on(
            "console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}")
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on(
            "requestfailed",
            lambda r: self.problems.append(f"failed: {r.url} ({r.failure})"),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"),
        )
        return page

    def new_page(self):
        page = self.context.new_page()
        page.on("popup", self.watch)
        return self.watch(page)

    def close(self):
        self.context.close()


@pytest.fixture
def offline(browser):
    """An Offline context of the session's browser, closed after the test."""
    ctx = Offline(browser, viewport={"width": 1280, "height": 720})
    yield ctx
    ctx.close()
