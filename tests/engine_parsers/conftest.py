"""Checks against the engines' real argument parsers.

They need the per-release parser environments (``python scripts/engine_parsers.py build
--missing``; ``make test`` builds them first). They run with the rest of the suite; a release
whose environment is missing skips with a message saying how to build it. CONFIGLIB_ENGINE_PARSERS=0
(or ``-m "not engine_parsers"``) leaves them out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from parser_env import DRIVER, RELEASE_IDS, RELEASES, RealParser


def _opted_out() -> bool:
    return os.environ.get("CONFIGLIB_ENGINE_PARSERS") == "0"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _opted_out():
        return
    skip = pytest.mark.skip(reason="CONFIGLIB_ENGINE_PARSERS=0 leaves the real-parser checks out")
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
