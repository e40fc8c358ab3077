"""Opt-in checks against the engines' real argument parsers.

They need the per-release parser environments (``python scripts/engine_parsers.py build
--all``) and run only when asked for: ``python -m pytest -m engine_parsers`` (or with
CONFIGLIB_ENGINE_PARSERS=1). Otherwise, and for every release whose environment is missing,
they skip with a message saying how to enable them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from parser_env import DRIVER, RELEASE_IDS, RELEASES, RealParser


def _opted_in(config: pytest.Config) -> bool:
    if os.environ.get("CONFIGLIB_ENGINE_PARSERS") == "1":
        return True
    expression = config.getoption("markexpr", default="") or ""
    return "engine_parsers" in expression and "not engine_parsers" not in expression


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _opted_in(config):
        return
    skip = pytest.mark.skip(
        reason="opt-in: build the environments (python scripts/engine_parsers.py build --all), "
        "then run python -m pytest -m engine_parsers"
    )
    for item in items:
        if "engine_parsers" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", params=RELEASES, ids=RELEASE_IDS)
def real_parser(request: pytest.FixtureRequest) -> Iterator[RealParser]:
    """Session-scoped and parametrized: pytest runs every test of one release together and
    closes its parser process before starting the next, so one engine is loaded at a time."""
    runtime, version = request.param
    if not DRIVER.is_built(runtime, version):
        pytest.skip(
            f"no parser environment for {runtime} {version}: "
            f"python scripts/engine_parsers.py build {runtime}-{version}"
        )
    parser = RealParser(runtime, version)
    yield parser
    parser.close()
