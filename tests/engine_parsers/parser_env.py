"""The engines' real parsers, reached through the environments scripts/engine_parsers.py builds."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from configlib.engines import Engine, get_engine, supported_versions
from configlib.vocab import Runtime

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

#: Every supported release, as (runtime, version) and as an id such as ``sglang-0.5.2``.
RELEASES = [(r.value, v) for r in Runtime for v in supported_versions(r)]
RELEASE_IDS = [f"{r}-{v}" for r, v in RELEASES]


def _load_driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "engine_parsers_driver", SCRIPTS / "engine_parsers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


DRIVER = _load_driver()


class RealParser:
    """One release's real parser, kept loaded in its environment for the tests using it."""

    def __init__(self, runtime: str, version: str) -> None:
        self.runtime = runtime
        self.version = version
        self.engine: Engine = get_engine(runtime, version)
        self._cache: dict[tuple[str, ...], dict[str, Any]] = {}
        self._session: Any = None
        self._loader: Any = None

    @property
    def label(self) -> str:
        return f"{self.runtime}-{self.version}"

    def parse_many(self, argvs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
        """Results in order; argv are the arguments after the launcher (model included)."""
        keys = [tuple(a) for a in argvs]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            if self._session is None:
                self._session = DRIVER.ParserSession(self.runtime, self.version)
            results = self._session.parse_many([list(k) for k in missing])
            assert len(results) == len(missing)
            self._cache.update(zip(missing, results, strict=True))
        return [self._cache[k] for k in keys]

    def parse(self, argv: Sequence[str]) -> dict[str, Any]:
        return self.parse_many([argv])[0]

    def load_many(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Config items (``{"config": YAML text, "argv": [... "{config}" ...]}``) read as the
        release's launcher reads them, its own config loader included; results in order."""
        if self._loader is None:
            self._loader = DRIVER.ParserSession(self.runtime, self.version, "load-config")
        results: list[dict[str, Any]] = self._loader.send([dict(item) for item in items])
        assert len(results) == len(items)
        return results

    def model_args(self, model: str = "org/model") -> list[str]:
        """The arguments that name the model, as configlib's launch command writes them."""
        spec = self.engine.spec
        return [spec.model_flag, model] if spec.model_flag else [model]

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._loader is not None:
            self._loader.close()
            self._loader = None


def namespace(result: dict[str, Any], argv: Sequence[str]) -> dict[str, Any]:
    """The parsed attributes, failing the test with the parser's message when it refused."""
    assert result["ok"], f"the real parser refused {list(argv)}: {result['error']}"
    values: dict[str, Any] = result["namespace"]
    return values
