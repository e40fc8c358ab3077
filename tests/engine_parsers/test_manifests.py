"""The shipped manifests are what the real parsers say, byte for byte."""

from __future__ import annotations

import pytest
from parser_env import DRIVER, RealParser

pytestmark = pytest.mark.engine_parsers


def test_regenerating_the_manifest_gives_the_shipped_file(real_parser: RealParser) -> None:
    diff = DRIVER.compare(real_parser.runtime, real_parser.version)
    assert not diff, "".join(diff[:40])


def test_the_values_checked_after_parsing_are_the_shipped_lists(real_parser: RealParser) -> None:
    assert DRIVER.compare_value_lists(real_parser.runtime, real_parser.version) == []
