"""Hostile and broken uploads: each is refused with a message naming the file and the line,
column or member, and nothing else escapes (no traceback, no unbounded memory)."""

from __future__ import annotations

import io
import os
import stat
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from aic_helpers import first, zip_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configlib.aiconfigurator import AicImportError, import_path, import_upload
from configlib.aiconfigurator.readers.folders import MAX_MEMBERS, MAX_UNPACKED_BYTES, MAX_ZIP_BYTES
from configlib.io import InputError


def _zip(members: dict[str, bytes], *, infos: list[zipfile.ZipInfo] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for info in infos or []:
            archive.writestr(info, b"x")
    return buffer.getvalue()


def _refused(name: str, data: bytes) -> str:
    with pytest.raises(InputError) as caught:
        import_upload(name, data)
    return str(caught.value)


def _csv(sglang_dense: Path) -> str:
    return first(sglang_dense, "agg/best_config_topn.csv").read_text()


# ---- Archives ----------------------------------------------------------------------------------


def test_archive_size_limit() -> None:
    message = _refused("big.zip", b"PK\x03\x04" + bytes(MAX_ZIP_BYTES))
    assert "big.zip" in message and f"{MAX_ZIP_BYTES:,}" in message


def test_member_count_limit() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(MAX_MEMBERS + 1):
            archive.writestr(f"d/f{index}.txt", b"")
    message = _refused("many.zip", buffer.getvalue())
    assert f"{MAX_MEMBERS + 1:,} entries" in message and f"{MAX_MEMBERS:,}" in message


def test_unpacked_size_limit_is_checked_before_decompressing() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("bomb/pareto.csv", "w") as handle,
    ):
        chunk = bytes(2**20)
        for _ in range(MAX_UNPACKED_BYTES // 2**20 + 1):
            handle.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 2 * 2**20  # a real zip bomb: tiny archive, huge content
    tracemalloc.start()
    message = _refused("bomb.zip", data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "unpacks to" in message and f"{MAX_UNPACKED_BYTES:,}" in message
    assert peak < 32 * 2**20


def test_member_larger_than_its_header_says(sglang_dense: Path) -> None:
    data = bytearray(_zip({"run/agg/best_config_topn.csv": _csv(sglang_dense).encode()}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.infolist()[0]
    real = info.file_size.to_bytes(4, "little")
    fake = (100).to_bytes(4, "little")
    assert data.count(real) == 2  # local header and central directory
    data = data.replace(real, fake)
    message = _refused("liar.zip", bytes(data))
    assert "best_config_topn.csv" in message


@pytest.mark.parametrize(
    "member", ["../evil.csv", "run/../../evil.csv", "/etc/evil.csv", "C:/evil.csv", "..\\evil.csv"]
)
def test_members_escaping_the_root(member: str) -> None:
    message = _refused("escape.zip", _zip({member: b"x"}))
    assert repr(member) in message


def test_symlink_member() -> None:
    info = zipfile.ZipInfo("run/agg/best_config_topn.csv")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    message = _refused("link.zip", _zip({}, infos=[info]))
    assert "symbolic link" in message and "best_config_topn.csv" in message


@pytest.mark.parametrize(
    "member,content",
    [
        ("run/inner.zip", b"anything"),
        ("run/inner.tar.gz", b"anything"),
        ("run/agg/pareto.csv", _zip({"a.csv": b"x"})),
    ],
)
def test_nested_archives_refused(member: str, content: bytes) -> None:
    message = _refused("outer.zip", _zip({member: content}))
    assert "nested archives are refused" in message and member in message


def test_encrypted_member() -> None:
    data = bytearray(_zip({"run/agg/pareto.csv": b"x"}))
    # zipfile cannot write encrypted members: set bit 0 of the general purpose flags of the
    # local header (offset 6) and the central directory entry (offset 8).
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    message = _refused("secret.zip", bytes(data))
    assert "encrypted" in message and "pareto.csv" in message


def test_not_a_zip_and_other_archives() -> None:
    assert "not a readable .zip" in _refused("broken.zip", b"PK\x03\x04 garbage")
    assert "only .zip" in _refused("results.tar.gz", b"\x1f\x8b\x08\x00 gz")


def test_symlink_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    os.symlink("/etc/passwd", tmp_path / "run" / "pareto.csv")
    with pytest.raises(InputError, match="symbolic link"):
        import_path(tmp_path)


# ---- YAML ----------------------------------------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}]"
        for i in range(8)
    ]
)


def test_alias_bomb_refused_with_bounded_memory() -> None:
    tracemalloc.start()
    message = _refused("bomb.yaml", BILLION_LAUGHS.encode())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "bomb.yaml" in message and "aliases" in message
    assert peak < 32 * 2**20


def test_alias_bomb_inside_a_zip_is_refused_too(sglang_dense: Path) -> None:
    data = _zip(
        {
            "run/agg/best_config_topn.csv": _csv(sglang_dense).encode(),
            "run/agg/exp_config.yaml": BILLION_LAUGHS.encode(),
        }
    )
    result = import_upload("run.zip", data)
    [problem] = [f for f in result.findings if f.severity == "error"]
    assert "exp_config.yaml" in problem.message and "aliases" in problem.message


def test_yaml_syntax_error_names_the_line() -> None:
    message = _refused("bad.yaml", b"model_name: x\nworker_config: {tp: [1, 2\n")
    assert "bad.yaml:" in message and "invalid YAML" in message


def test_not_an_aiconfigurator_yaml() -> None:
    assert "not an aiconfigurator file" in _refused("other.yaml", b"hello: world\n")


@pytest.mark.parametrize(
    "document,fragment",
    [
        ("model_name: m/x\nworker_config: {tp: four}\n", "worker_config.tp must be a whole number"),
        ("model_name: m/x\nworker_config: {tp: 2, flavour: x}\n", "unknown key(s) ['flavour']"),
        (
            "model_name: m/x\nworker_config: {tp: 2}\npredicted_metrics: {ttft: .nan}\n",
            "predicted_metrics.ttft is nan",
        ),
        ("model_name: m/x\nserving_mode: both\nworker_config: {tp: 2}\n", "serving_mode"),
        ("worker_config: {tp: 2}\n", "model_name"),
    ],
)
def test_design_yaml_type_errors(document: str, fragment: str) -> None:
    message = _refused("cand.yaml", document.encode())
    assert "cand.yaml" in message and fragment in message


# ---- CSV -----------------------------------------------------------------------------------------


def _edit(text: str, line: int, column: str, value: str) -> str:
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("abc", "'abc' is not a number"),
        ("", "is not a value (empty or NaN)"),
        ("NaN", "'NaN' is not a value (empty or NaN)"),
        ("inf", "'inf' is not finite"),
        ("2.5", "'2.5' is not a whole number"),
        ("0", "'0' is below the smallest allowed value 1"),
        ("70000", "'70000' is above the largest allowed value 65,536"),
    ],
)
def test_bad_cells_name_line_and_column(
    sglang_dense: Path, value: str, fragment: str, reader: str
) -> None:
    text = _edit(_csv(sglang_dense), 4, "tp", value)
    message = _refused("best_config_topn.csv", text.encode())
    assert message.startswith("best_config_topn.csv:4:")
    assert "column 'tp' (column 20)" in message and fragment in message


def test_nan_in_a_metric_column(sglang_dense: Path, reader: str) -> None:
    message = _refused("pareto.csv", _edit(_csv(sglang_dense), 3, "tokens/s/gpu", "nan").encode())
    assert message.startswith("pareto.csv:3:") and "'tokens/s/gpu'" in message


def test_missing_required_column_and_renamed_column(sglang_dense: Path, reader: str) -> None:
    text = _csv(sglang_dense).replace(",tpot,", ",tpot_avg,", 1)
    message = _refused("best_config_topn.csv", text.encode())
    assert "best_config_topn.csv:1:" in message and "'tpot' missing" in message
    assert "may be the column named 'tpot_avg'" in message


def test_missing_and_extra_optional_columns_are_reported(sglang_dense: Path, reader: str) -> None:
    text = _csv(sglang_dense).replace(",tokens/s/user,", ",tokens/s/usr,", 1)
    lines = text.splitlines()
    lines = [lines[0] + ",my_note"] + [line + ",hello" for line in lines[1:]]
    result = import_upload("best_config_topn.csv", "\n".join(lines).encode())
    messages = {f.code: f.message for f in result.findings}
    assert "'tokens/s/user'" in messages["aic-column-missing"]
    assert "'tokens/s/usr'" in messages["aic-column-missing"]
    assert "'my_note' (column 44)" in messages["aic-column-unknown"]
    assert "tokens_per_s_per_user" not in result.candidates[0].predictions


@pytest.mark.parametrize(
    "data,fragment",
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"model,isl,osl,ttft,tpot,tp,pp\n", "header only"),
        (b"a,b,c\n1,2,3\n", "not an aiconfigurator result table"),
        (b"model;isl;osl;tp;pp\nm;1;1;1;1\n", "this header uses ';'"),
        (b"model,isl\x00,osl\n", "binary data"),
    ],
)
def test_empty_and_foreign_csv(data: bytes, fragment: str, reader: str) -> None:
    assert fragment in _refused("table.csv", data)


def test_non_utf8_names_the_line(sglang_dense: Path, reader: str) -> None:
    text = _csv(sglang_dense).encode()
    lines = text.split(b"\n")
    lines[2] = lines[2].replace(b"Qwen", b"Qw\xe9n", 1)
    message = _refused("best_config_topn.csv", b"\n".join(lines))
    assert message.startswith("best_config_topn.csv:3:") and "not UTF-8" in message


def test_ragged_rows(sglang_dense: Path, reader: str) -> None:
    lines = _csv(sglang_dense).splitlines()
    long = lines[:]
    long[3] += ",extra"
    assert _refused("t.csv", "\n".join(long).encode()).startswith("t.csv:4:")
    short = lines[:]
    short[2] = short[2].rsplit(",", 1)[0]
    message = _refused("t.csv", "\n".join(short).encode())
    assert message.startswith("t.csv:3:") and "the row has 42 fields, the header 43" in message


def test_duplicate_and_unnamed_columns(sglang_dense: Path, reader: str) -> None:
    text = _csv(sglang_dense)
    dup = text.replace(",tp,", ",tp_size,", 1).replace(",pp,", ",tp,", 1)
    assert "both hold tp" in _refused("t.csv", dup.encode())
    assert "column 2 has no name" in _refused("t.csv", text.replace(",isl,", ",,", 1).encode())


def test_bad_backend_row_is_skipped_not_fatal(sglang_dense: Path, reader: str) -> None:
    text = _edit(_csv(sglang_dense), 3, "backend", "tensorrt")
    result = import_upload("best_config_topn.csv", text.encode())
    [problem] = [f for f in result.findings if f.severity == "error"]
    assert problem.path == "best_config_topn.csv:3" and "'tensorrt'" in problem.message
    assert len(result.candidates) == len(text.splitlines()) - 2


def test_one_broken_file_in_a_folder_does_not_hide_the_rest(sglang_dense: Path) -> None:
    good = zip_folder(sglang_dense)
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    pareto = next(n for n in members if n.endswith("disagg/best_config_topn.csv"))
    members[pareto] = b"model,isl\n"
    result = import_upload("run.zip", _zip(members))
    errors = [f for f in result.findings if f.severity == "error"]
    assert len(errors) == 1 and "disagg/best_config_topn.csv" in errors[0].message
    assert {c.serving_mode for c in result.candidates} == {"agg"}
    with pytest.raises(AicImportError, match="not an aiconfigurator result table"):
        import_upload("only.zip", _zip({pareto: b"model,isl\n"}))


# ---- Anything at all -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["x.csv", "x.yaml", "x.zip", "x"]), data=st.binary(max_size=600))
def test_arbitrary_bytes_never_escape_as_other_errors(name: str, data: bytes) -> None:
    try:
        result = import_upload(name, data)
    except InputError as error:
        assert str(error).startswith(name)
        return
    assert result.candidates  # an import that returns always found something


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(st.text(alphabet='0123456789.-eNa ,"x\n', max_size=8), min_size=43, max_size=45)
)
def test_arbitrary_cells_in_a_real_header_never_escape(cells: list[str], reader: str) -> None:
    header = (
        "model,isl,osl,prefix,concurrency,request_rate,bs,global_bs,ttft,tpot,"
        "request_latency,encoder_latency,encoder_memory,seq/s,seq/s/gpu,tokens/s,"
        "tokens/s/gpu,tokens/s/user,num_total_gpus,tp,pp,dp,moe_tp,moe_ep,cp,parallel,"
        "gemm,kvcache,fmha,moe,comm,memory,balance_score,num_ctx_reqs,num_gen_reqs,"
        "num_tokens,ctx_tokens,gen_tokens,backend,version,system,power_w,"
        "tokens/s/gpu_cluster"
    )
    text = header + "\n" + ",".join(cells) + "\n"
    try:
        result = import_upload("best_config_topn.csv", text.encode())
    except InputError as error:
        assert str(error).startswith("best_config_topn.csv")
        return
    for candidate in result.candidates:
        try:
            task = candidate.task
        except InputError as error:
            assert str(error).startswith("best_config_topn.csv")
            continue
        assert task.task_name == candidate.name


_KEYS = st.sampled_from(
    [
        "model_name",
        "model_path",
        "serving_mode",
        "system_name",
        "backend_name",
        "total_gpus",
        "isl",
        "osl",
        "ttft",
        "tpot",
        "concurrency",
        "worker_config",
        "prefill_worker_config",
        "decode_worker_config",
        "predicted_metrics",
        "advanced_tuning_config",
        "tp",
        "pp",
        "dp",
        "moe_tp",
        "moe_ep",
        "gemm_quant_mode",
        "kvcache_quant_mode",
        "config",
        "mode",
        "profiles",
        "exps",
        "agg_tp_candidates",
        "params",
        "WorkerConfig",
        "ServiceConfig",
        "SlaConfig",
        "inclusive_tpot",
        "attention_dp",
        "tp_list",
        "replica_config",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70_000),
    st.floats(allow_nan=True),
    st.sampled_from(
        [
            "agg",
            "disagg",
            "h200_sxm",
            "sglang",
            "trtllm",
            "fp8",
            "float16",
            "Qwen/Qwen3-32B",
            "QWEN3_32B",
            "x",
            "",
        ]
    ),
)
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=6)),
    max_leaves=25,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(_KEYS, _DOCS, min_size=1, max_size=8))
def test_arbitrary_yaml_documents_never_escape(doc: dict[str, object]) -> None:
    import yaml

    text = yaml.safe_dump(doc)
    try:
        result = import_upload("doc.yaml", text.encode(), runtime="vllm")
    except InputError as error:
        assert str(error).startswith("doc.yaml")
        assert "not readable as an aiconfigurator file" not in str(error)  # the last resort
        return
    for problem in result.findings:
        assert "not readable as an aiconfigurator file" not in problem.message
    for candidate in result.candidates:
        try:
            task = candidate.task
        except InputError as error:
            assert str(error).startswith("doc.yaml")
            continue
        assert task.task_name == candidate.name


_ROLES = st.sampled_from(
    [
        "agg/exp_config.yaml",
        "agg/top1/generator_config.yaml",
        "agg/top1/k8s_deploy.yaml",
        "agg/top1/run_0.sh",
        "disagg/top1/generator_config.yaml",
    ]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role=_ROLES, doc=st.dictionaries(_KEYS, _DOCS, max_size=6))
def test_arbitrary_files_inside_a_result_folder(role: str, doc: dict[str, object]) -> None:
    import yaml

    folder = (
        Path(__file__).parent.parent / "data" / "aiconfigurator" / "sglang-default-qwen3_32b-h200"
    )
    with zipfile.ZipFile(io.BytesIO(zip_folder(folder))) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    target = next(name for name in members if name.endswith(role))
    members[target] = yaml.safe_dump(doc).encode()
    result = import_upload("run.zip", _zip(members))
    for problem in result.findings:
        assert "not readable as an aiconfigurator file" not in problem.message
    for candidate in result.candidates:
        assert candidate.task.task_name == candidate.name
        assert isinstance(candidate.flag_differences(), list)
        assert isinstance(candidate.findings, list)
