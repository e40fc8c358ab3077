"""Import hook of a CPU parser environment (installed into its venv by engine_parsers.py).

The engines' import chains reach compiled kernels and GPU-only packages that cannot load on a
machine without a GPU. They provide kernels and media helpers, never command-line flags, so
this hook replaces them with permissive stub modules: any attribute exists, calling it gives
another stub, subclassing it gives a plain class. ``importlib.util.find_spec`` sees a stubbed
package as installed, as on a normal GPU install.

It also makes vLLM resolve its CUDA platform (there is no GPU here), so that parser defaults
are those of an NVIDIA deployment.

Configured by ``_configlib_engine_stubs.json`` beside this file:
``{"stubs": ["flashinfer", "vllm._C*", ...], "platform": "vllm.platforms.cuda.CudaPlatform"}``;
a trailing ``*`` matches any module name with that prefix.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import types
from pathlib import Path
from typing import Any

CONFIG = Path(__file__).with_suffix(".json")


class Stub:
    """Stands in for any object of a stubbed module."""

    def __init__(self, name: str = "stub") -> None:
        self._name = name

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        return Stub(f"{self._name}.{item}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Used as a bare decorator (@stub.something): keep the decorated function.
        if len(args) == 1 and not kwargs and callable(args[0]):
            return args[0]
        return Stub(f"{self._name}()")

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return (object,)

    def __getitem__(self, item: Any) -> Any:
        return Stub(f"{self._name}[]")

    def __or__(self, other: Any) -> Any:
        return self  # annotations such as ``stub.Tokenizer | None``

    def __ror__(self, other: Any) -> Any:
        return self

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<stub {self._name}>"


class _StubType(type):
    def __getattr__(cls, item: str) -> Any:
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        return Stub(f"{cls.__qualname__}.{item}")


class StubClass(metaclass=_StubType):
    """Base of the stand-ins for class names (``xgrammar.StructuralTag``): real classes, so
    that they work in annotations, unions and pydantic models."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        return Stub(f"{type(self).__qualname__}().{item}")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.any_schema()


class StubModule(types.ModuleType):
    def __getattr__(self, item: str) -> Any:
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        if item[:1].isupper():
            made = _StubType(item, (StubClass,), {"__module__": self.__name__})
        else:
            made = Stub(f"{self.__name__}.{item}")
        setattr(self, item, made)
        return made


class _StubLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = StubModule(spec.name)
        module.__path__ = []
        module.__version__ = "0.0.0"
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _PostImport(importlib.abc.Loader):
    """Runs the real loader, then a patch."""

    def __init__(self, real: importlib.abc.Loader, patch: Any) -> None:
        self.real = real
        self.patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.real.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self.real.exec_module(module)
        self.patch(module)


class StubFinder(importlib.abc.MetaPathFinder):
    def __init__(self, patterns: list[str], platform: str | None) -> None:
        self.patterns = patterns
        self.platform = platform

    def _stubbed(self, fullname: str) -> bool:
        for pattern in self.patterns:
            if pattern.endswith("*"):
                if fullname.startswith(pattern[:-1]):
                    return True
            elif fullname == pattern or fullname.startswith(pattern + "."):
                return True
        return False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if self._stubbed(fullname):
            return importlib.machinery.ModuleSpec(fullname, _StubLoader(), is_package=True)
        if self.platform and fullname == "vllm.platforms":
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _PostImport(spec.loader, self._force_platform)
            return spec
        return None

    def _force_platform(self, module: types.ModuleType) -> None:
        qualname = self.platform
        module.resolve_current_platform_cls_qualname = lambda: qualname  # type: ignore[attr-defined]


def install() -> None:
    if not CONFIG.exists():
        return
    config = json.loads(CONFIG.read_text())
    sys.meta_path.insert(0, StubFinder(list(config.get("stubs", [])), config.get("platform")))


install()
