"""Reading untrusted documents: clear errors with file and line, bounded work."""

from __future__ import annotations

from pathlib import Path

import pytest

from configlib.io import InputError, decode, dump_document, load_document, parse_document


def test_json_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "task.json"
    path.write_text('{\n  "task_name": "t",\n  "model": {\n}\n  "x": 1\n}')
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(caught.value).startswith(f"{path}:5: invalid JSON")


def test_yaml_errors_name_the_line() -> None:
    with pytest.raises(InputError, match=r"^task.yaml:3: invalid YAML"):
        parse_document("a: 1\nb: [1, 2\nc: 3\n", "task.yaml")


def test_non_utf8_empty_binary_and_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not UTF-8 text"):
        decode(b'{"a": "\xff"}', "x.json")
    with pytest.raises(InputError, match="empty document"):
        parse_document("   \n", "x.yaml")
    with pytest.raises(InputError, match="binary data"):
        decode(b"PK\x03\x04\x00\x00", "x.json")
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a folder"):
        load_document(tmp_path)


def test_huge_files_are_refused_before_reading(tmp_path: Path) -> None:
    from configlib import io

    path = tmp_path / "big.json"
    path.write_text("[" + "1," * 100 + "1]")
    with pytest.raises(InputError, match="the limit is 10"):
        io.read_text(path, max_bytes=10)


def test_huge_integers_and_deep_nesting() -> None:
    with pytest.raises(InputError, match="invalid JSON"):
        parse_document('{"tp": ' + "9" * 5000 + "}", "x.json")
    with pytest.raises(InputError, match="nested too deeply"):
        parse_document("[" * 100_000 + "]" * 100_000, "x.json")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    # 9^9 references: refused while counting, before anything walks the expanded document.
    with pytest.raises(InputError, match="expands to more than"):
        parse_document("\n".join(lines), "bomb.yaml")


def test_small_anchors_still_load() -> None:
    data = parse_document("x: &id001 [1, 2]\ny: *id001\n", "ok.yaml")
    assert data == {"x": [1, 2], "y": [1, 2]}


def test_dump_round_trip() -> None:
    data = {"b": [1, 2], "a": {"c": "é"}}
    assert parse_document(dump_document(data, "yaml"), "x.yaml") == data
    assert parse_document(dump_document(data, "json"), "x.json") == data
