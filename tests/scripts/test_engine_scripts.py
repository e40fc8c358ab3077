"""The manifest writer, the environment builder and the stub hook, without any engine installed.

scripts/engine_manifest.py reads any argparse parser, so synthetic parsers that use the same
constructs as the engines (aliases, --no-x negations, custom actions, closures as types, set
choices, enum defaults) pin its output; the shipped manifests pin its layout.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import importlib.util
import io
import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
MANIFESTS = ROOT / "configlib" / "engines" / "manifests"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"script_{name}", SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


writer = load("engine_manifest")
driver = load("engine_parsers")
envs = sys.modules["engine_envs"]  # the builder, imported by engine_parsers


# ---- Reading a parser ----------------------------------------------------------------------


class Mode(enum.Enum):
    RAW = "raw"


def optional_type(inner: Any) -> Any:
    def _optional_type(value: str) -> Any:
        return None if value in ("", "None") else inner(value)

    return _optional_type


class DeprecatedStoreConstAction(argparse.Action):
    def __init__(
        self,
        option_strings: Any,
        dest: str,
        new_flag: Any = None,
        const_value: Any = None,
        nargs: int = 0,
        **kwargs: Any,
    ) -> None:
        self.new_flag = new_flag
        self.const_value = const_value
        super().__init__(option_strings, dest, nargs=nargs, **kwargs)

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        setattr(namespace, self.dest, self.const_value)


class QuietStore(argparse._StoreAction):
    """A subclass of a stock action: reported with the stock semantics plus its class."""


def synthetic_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engine")
    parser.add_argument("model_tag", nargs="?")
    group = parser.add_argument_group("CacheConfig")
    group.add_argument("--tensor-parallel-size", "-tp", "--tp", type=int, default=1)
    group.add_argument("--enable-prefix-caching", action=argparse.BooleanOptionalAction)
    parser.add_argument("--sizes", type=int, nargs="+", default={3, 1, 2})
    parser.add_argument("--seed", type=optional_type(int), default=None)
    parser.add_argument("--backend", choices={"torch", "aiter", "flashinfer"})
    parser.add_argument("--mode", default=Mode.RAW, help="Deprecated: use --other.")
    parser.add_argument(
        "--disable-graphs",
        dest="graph_backend",
        action=DeprecatedStoreConstAction,
        new_flag="--graph-backend=disabled",
        const_value="disabled",
    )
    parser.add_argument("--quiet-store", action=QuietStore, type=float, default=0.5)
    parser.add_argument("--trust", action="store_true")
    return parser


def by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in entries}


def test_flag_entries_read_every_construct_the_engines_use() -> None:
    entries = writer.flag_entries(synthetic_parser())
    assert [e["name"] for e in entries] == sorted(e["name"] for e in entries)
    flags = by_name(entries)
    tp = flags["--tensor-parallel-size"]
    assert (tp["aliases"], tp["type"], tp["group"], tp["default"]) == (
        ["-tp", "--tp"],
        "int",
        "CacheConfig",
        1,
    )
    prefix = flags["--enable-prefix-caching"]
    assert prefix["negation"] == ["--no-enable-prefix-caching"]
    assert (prefix["type"], prefix["action"], prefix["nargs"]) == (
        "bool",
        "BooleanOptionalAction",
        0,
    )
    assert flags["--sizes"]["type"] == "list[int]"
    assert flags["--sizes"]["default"] == [1, 2, 3]  # a set, sorted
    assert flags["--seed"]["type"] == "optional[int]"
    assert flags["--backend"]["choices"] == ["aiter", "flashinfer", "torch"]
    assert flags["--mode"]["default"] == "<Mode.RAW: 'raw'>"
    assert flags["--mode"]["deprecated"] is True
    quiet = flags["--quiet-store"]
    assert (quiet["action"], quiet["action_class"], quiet["type"]) == (
        "store",
        "QuietStore",
        "float",
    )
    assert flags["--trust"]["type"] == "bool" and "const" not in flags["--trust"]


def test_a_deprecated_custom_action_keeps_its_replacement_and_constant() -> None:
    entry = by_name(writer.flag_entries(synthetic_parser()))["--disable-graphs"]
    assert entry["dest"] == "graph_backend"
    assert entry["action"] == "DeprecatedStoreConstAction"
    assert entry["deprecated"] is True
    assert entry["type"] == "str"
    # Key order as in the shipped files: replacement, const, then the class.
    assert list(entry)[-3:] == ["replacement", "const", "action_class"]
    assert entry["replacement"] == "--graph-backend=disabled"
    assert entry["const"] == "disabled"


def test_hidden_option_strings_are_part_of_the_flag() -> None:
    parser = synthetic_parser()
    action = parser._option_string_actions["--enable-prefix-caching"]
    parser._option_string_actions["--disable-prefix-caching"] = action  # hidden from help
    action.negative_option_strings = {"--disable-prefix-caching"}  # type: ignore[attr-defined]
    entry = by_name(writer.flag_entries(parser))["--enable-prefix-caching"]
    assert entry["negation"] == ["--no-enable-prefix-caching", "--disable-prefix-caching"]


@pytest.mark.parametrize("path", sorted(MANIFESTS.glob("[sv]*.json")), ids=lambda p: p.stem)
def test_the_writer_lays_out_the_shipped_files_byte_for_byte(path: Path) -> None:
    text = path.read_text()
    data = json.loads(text)
    head = {
        k: data[k]
        for k in ("engine", "version", "launcher", "source", "allow_abbrev", "dotted_keys")
    }
    assert writer.render(head, data.get("positionals", []), data["flags"]) == text


def test_parse_results_report_errors_instead_of_exiting() -> None:
    parser = synthetic_parser()
    ok = writer._parse_one(parser.parse_args, ["m", "-tp", "2", "--no-enable-prefix-caching"])
    assert ok["ok"] and ok["namespace"]["tensor_parallel_size"] == 2
    assert ok["namespace"]["enable_prefix_caching"] is False
    assert ok["namespace"]["mode"] == "raw"  # enums as their value
    refused = writer._parse_one(parser.parse_args, ["--backend", "cuda"])
    assert not refused["ok"] and "invalid choice: 'cuda'" in refused["error"]


# ---- Building environments -----------------------------------------------------------------


def fake_wheel(tmp_path: Path, requires: list[str]) -> Path:
    wheel = tmp_path / "engine-1.0-py3-none-any.whl"
    metadata = "Metadata-Version: 2.1\nName: sglang\nVersion: 1.0\n" + "".join(
        f"Requires-Dist: {line}\n" for line in requires
    )
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("sglang-1.0.dist-info/METADATA", metadata)
        archive.writestr("sglang/__init__.py", "")
        archive.writestr("sglang/_kernels.cpython-311-x86_64-linux-gnu.so", b"\0")
    return wheel


def test_requirements_come_from_the_wheel_minus_gpu_packages(tmp_path: Path) -> None:
    wheel = fake_wheel(
        tmp_path,
        [
            "transformers==4.56.1",
            "torch==2.8.0",
            "flashinfer_python==0.3.1",
            "nvidia-cutlass-dsl[cu13]==4.5.2",
            "fastapi[standard]>=0.115.0",
            'uvloop; sys_platform == "linux"',
            'pywin32; sys_platform == "win32"',
            'openai==1.99.1; extra == "runtime_common"',
            'pytest; extra == "test"',
            'sglang[runtime_common]; extra == "srt"',
        ],
    )
    wanted = envs.wheel_requirements(wheel, envs.RECIPES["sglang"])
    assert wanted == [
        "fastapi[standard]>=0.115.0",
        "openai==1.99.1",
        "transformers==4.56.1",
        "uvloop",
    ]


def test_unpacking_leaves_compiled_extensions_out(tmp_path: Path) -> None:
    wheel = fake_wheel(tmp_path, [])
    assert envs.unpack(wheel, tmp_path / "engine") == 2
    assert not list((tmp_path / "engine").rglob("*.so"))


@pytest.mark.parametrize("text", ["sglang", "trtllm-1.0", "vllm-latest", "vllm_0.10.2"])
def test_release_names_are_checked(text: str) -> None:
    with pytest.raises(SystemExit, match="is not a release"):
        driver.split_release(text)


def test_releases_and_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert driver.split_release("vllm-0.10.2") == ("vllm", "0.10.2")
    assert ("sglang", "0.5.23") in driver.shipped_releases()
    monkeypatch.setenv("CONFIGLIB_ENGINES_CACHE", str(tmp_path))
    assert driver.env_dir("vllm", "0.33.0") == tmp_path / "vllm-0.33.0"
    assert not driver.is_built("vllm", "0.33.0")
    with pytest.raises(driver.BuildError, match=r"engine_parsers\.py build vllm-0\.33\.0"):
        driver.parse_many("vllm", "0.33.0", [["m"]])


# ---- The stub hook -------------------------------------------------------------------------


@pytest.fixture
def stubbed() -> Iterator[ModuleType]:
    hook = load("engine_stubs")
    finder = hook.StubFinder(["fake_gpu_kernels", "json._fake_C*"], None)
    sys.meta_path.insert(0, finder)
    try:
        yield hook
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.startswith(("fake_gpu_kernels", "json._fake_C"))]:
            del sys.modules[name]


def test_stubbed_modules_import_and_behave_permissively(stubbed: ModuleType) -> None:
    assert importlib.util.find_spec("fake_gpu_kernels") is not None  # "installed"
    kernels = importlib.import_module("fake_gpu_kernels.jit.ops")
    assert kernels.compile(1, 2).anything is not None

    @kernels.register_op
    def op() -> int:
        return 7

    assert op() == 7  # a stub used as a decorator keeps the function
    tokenizer = kernels.LLTokenizer
    assert isinstance(tokenizer, type)
    assert (tokenizer | None) is not None  # annotations such as `Tokenizer | None`

    class Child(kernels.Base):  # subclassing a stub
        pass

    assert Child() is not None
    assert importlib.import_module("json._fake_C_stable").anything is not None


def test_stub_classes_work_in_pydantic_models(stubbed: ModuleType) -> None:
    from pydantic import BaseModel

    kernels = importlib.import_module("fake_gpu_kernels")

    class Uses(BaseModel):
        tag: kernels.StructuralTag | None = None

    assert Uses().tag is None


def test_batches_are_served_one_line_each() -> None:
    lines = [
        json.dumps([["m", "-tp", "4"], ["--backend", "cuda"]]) + "\n",
        "\n",
        "not json\n",
        json.dumps({"argv": ["m"]}) + "\n",
    ]
    out = io.StringIO()
    writer.serve_lines("engine", lines, out, parse=synthetic_parser().parse_args)
    first, bad_json, bad_shape = (json.loads(line) for line in out.getvalue().splitlines())
    assert first[0]["namespace"]["tensor_parallel_size"] == 4
    assert not first[1]["ok"]
    assert bad_json["error"].startswith("not JSON")
    assert bad_shape == {"error": "not a JSON list of lists of strings"}


def test_config_items_are_written_to_a_file_and_read_through_the_launch_function(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The load-config operation: the YAML becomes a file with the item's name, ``{config}``
    in the argv its path; what the launch function makes of it is reported like a parse."""
    seen: list[list[str]] = []

    def launch(args: list[str]) -> argparse.Namespace:
        seen.append(args)
        path = args[args.index("--config") + 1]
        return argparse.Namespace(config=path, text=Path(path).read_text())

    items = [
        {"config": "tp-size: 2\n", "argv": ["--config", "{config}", "-x"], "name": "p.yml"},
        {"config": "a: 1\n", "argv": ["--config={config}"]},
    ]
    first, second = writer.load_config_many("sglang", items, launch)
    assert first["ok"] and first["namespace"]["text"] == "tp-size: 2\n"
    assert first["namespace"]["config"].endswith("/p.yml") and seen[0][-1] == "-x"
    assert not second["ok"] and "ValueError" in second["error"]  # no "--config" word
    lines = [json.dumps(items[:1]) + "\n", json.dumps([["m"]]) + "\n"]
    out = io.StringIO()
    monkeypatch.setattr(writer, "launch_function", lambda engine: launch)
    writer.serve_config_lines("sglang", lines, out)
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert replies[0][0]["ok"]
    assert replies[1] == {"error": "not a JSON list of config items"}


def fake_environment(cache: Path, python_source: str) -> None:
    """A built-looking environment whose 'python' is the given script."""
    home = cache / "sglang-9.9.9"
    (home / "venv" / "bin").mkdir(parents=True)
    python = home / "venv" / "bin" / "python"
    python.write_text(f"#!{sys.executable}\n{python_source}")
    python.chmod(0o755)
    (home / "built.json").write_text("{}")


def test_a_parser_session_sends_batches_over_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFIGLIB_ENGINES_CACHE", str(tmp_path))
    fake_environment(
        tmp_path,
        (
            "import json, os, sys\n"
            "for line in sys.stdin:\n"
            "    argvs = json.loads(line)\n"
            "    print(json.dumps([{'ok': True, 'namespace': {'argv': a, 'pid': os.getpid()}}"
            " for a in argvs]), flush=True)\n"
        ),
    )
    with driver.ParserSession("sglang", "9.9.9") as session:
        first = session.parse_many([["--model-path", "m"], ["--tp", "2"]])
        second = session.parse_many([["--dp", "2"]])
    assert [r["namespace"]["argv"] for r in first] == [["--model-path", "m"], ["--tp", "2"]]
    assert second[0]["namespace"]["pid"] == first[0]["namespace"]["pid"]


def test_a_parser_that_dies_is_reported_with_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFIGLIB_ENGINES_CACHE", str(tmp_path))
    fake_environment(
        tmp_path,
        "import sys\nprint('ImportError: no module flashinfer_x', file=sys.stderr)\nsys.exit(3)\n",
    )
    with (
        driver.ParserSession("sglang", "9.9.9") as session,
        pytest.raises(driver.BuildError, match="no module flashinfer_x"),
    ):
        session.parse_many([["--model-path", "m"]])


def test_build_missing_builds_only_the_environments_not_built(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built = {("sglang", "0.5.2"), ("vllm", "0.33.0")}
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(driver, "is_built", lambda engine, version: (engine, version) in built)

    def fake_build(engine: str, version: str, *, force: bool = False) -> float:
        calls.append((engine, version))
        return 1.0

    monkeypatch.setattr(driver, "build", fake_build)
    assert driver.main(["build", "--missing"]) == 0
    # Builds run in parallel, so they finish in any order.
    assert sorted(calls) == sorted(r for r in driver.shipped_releases() if r not in built)
    missing = len(driver.shipped_releases()) - len(built)
    assert f"built {missing} of {missing} in" in capsys.readouterr().out
    built.update(calls)
    calls.clear()
    assert driver.main(["build", "--missing"]) == 0
    assert calls == []
