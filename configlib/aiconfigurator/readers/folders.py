"""Reading a ``--save-dir`` folder or a .zip of it into memory, safely.

Both become a ``FileTree``: the relevant files (CSV, YAML, launch scripts, logs) by their
path inside the folder or archive, as bytes. Everything else (plots, JSON sidecars) is
counted against the limits but never read. Uploads come from browsers, so archives are
checked before anything is decompressed and again while reading:

- the archive is at most ``MAX_ZIP_BYTES``, holds at most ``MAX_MEMBERS`` entries and
  declares at most ``MAX_UNPACKED_BYTES`` in total;
- each read member unpacks to at most ``MAX_MEMBER_BYTES`` and (past ``RATIO_FREE_BYTES``)
  at most ``MAX_MEMBER_RATIO`` times its packed size: checked on the declared sizes first,
  then chunk by chunk while decompressing, so a lying header cannot inflate past them;
- no member may escape the extraction root (``..``, absolute or drive paths), be a
  symlink, be encrypted, or be an archive itself (nested archives are refused, not opened).

Nothing is ever written to disk.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath

from configlib.aiconfigurator.limits import (
    MAX_MEMBER_BYTES,
    MAX_MEMBER_RATIO,
    MAX_YAML_BYTES,
    RATIO_FREE_BYTES,
    over,
)
from configlib.aiconfigurator.limits import (  # re-exported: callers read them from here
    MAX_MEMBERS as MAX_MEMBERS,
)
from configlib.aiconfigurator.limits import (
    MAX_UNPACKED_BYTES as MAX_UNPACKED_BYTES,
)
from configlib.aiconfigurator.limits import (
    MAX_ZIP_BYTES as MAX_ZIP_BYTES,
)
from configlib.io import InputError

#: Bytes decompressed at a time while a member is checked.
_CHUNK = 256 * 1024

#: File name endings that are read; everything else is listed but not opened.
READ_SUFFIXES = (".csv", ".yaml", ".yml", ".sh", ".log")
#: Endings of archive formats: such a member is refused, never unpacked.
ARCHIVE_SUFFIXES = (
    ".zip",
    ".tar",
    ".tgz",
    ".tar.gz",
    ".gz",
    ".bz2",
    ".tbz2",
    ".xz",
    ".txz",
    ".7z",
    ".rar",
    ".zst",
    ".lz4",
    ".whl",
    ".jar",
    ".cab",
    ".iso",
)
_ARCHIVE_MAGIC = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x28\xb5\x2f\xfd",
)
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass
class FileTree:
    """The readable files of a folder or archive, by POSIX path relative to its root."""

    label: str
    """What was opened (folder path or upload name), for messages."""
    files: dict[str, bytes] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)
    """Paths present but not read (images, JSON sidecars, ...)."""

    def display(self, path: str) -> str:
        """A member path as shown in messages: ``upload.zip:agg/pareto.csv``."""
        return f"{self.label}:{path}" if path else self.label

    def directories(self) -> dict[str, list[str]]:
        """Folder -> names of the readable files directly inside it."""
        found: dict[str, list[str]] = {}
        for path in self.files:
            parent, _, name = path.rpartition("/")
            found.setdefault(parent, []).append(name)
        return found


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def looks_like_archive(data: bytes) -> bool:
    return data.startswith(_ARCHIVE_MAGIC) or data[257:262] == b"ustar"


def _wanted(name: str) -> bool:
    return name.lower().endswith(READ_SUFFIXES)


def _safe_member(name: str, label: str) -> str:
    """The member's normalized relative path, or an error naming it."""
    if "\x00" in name:
        raise InputError(label, f"member {name!r} has a NUL byte in its name")
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or _DRIVE.match(cleaned):
        raise InputError(
            label,
            f"member {name!r} has an absolute path; refused (it would "
            "land outside the extraction folder)",
        )
    parts = [p for p in PurePosixPath(cleaned).parts if p not in ("", ".")]
    if ".." in parts:
        raise InputError(label, f"member {name!r} climbs out of the archive with '..'; refused")
    return "/".join(parts)


def tree_from_zip(data: bytes, label: str) -> FileTree:
    """Check and read a .zip upload (limits in the module docstring)."""
    if len(data) > MAX_ZIP_BYTES:
        raise InputError(
            label,
            f"archive is {len(data):,} bytes; the limit is "
            f"{MAX_ZIP_BYTES:,} ({MAX_ZIP_BYTES // 2**20} MB)",
        )
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as error:
        raise InputError(label, f"not a readable .zip archive ({error})") from None
    except (OSError, ValueError, EOFError) as error:
        raise InputError(label, f"not a readable .zip archive ({error})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(
                label, f"archive holds {len(members):,} entries; the limit is {MAX_MEMBERS:,}"
            )
        declared = sum(info.file_size for info in members)
        if declared > MAX_UNPACKED_BYTES:
            raise InputError(
                label,
                f"archive unpacks to {declared:,} bytes; the limit is "
                f"{MAX_UNPACKED_BYTES:,} ({MAX_UNPACKED_BYTES // 2**20} MB)",
            )
        tree = FileTree(label)
        seen: set[str] = set()
        budget = MAX_UNPACKED_BYTES
        for info in members:
            path = _safe_member(info.filename, label)
            mode = (info.external_attr >> 16) & 0xFFFF
            if stat.S_ISLNK(mode):
                raise InputError(label, f"member {info.filename!r} is a symbolic link; refused")
            if info.is_dir() or not path:
                continue
            if path in seen:
                raise InputError(label, f"member {info.filename!r} appears twice")
            seen.add(path)
            if is_archive_name(path):
                raise InputError(
                    label,
                    f"member {info.filename!r} is an archive inside the "
                    "archive; nested archives are refused (unpack it and zip the "
                    "folder)",
                )
            if info.flag_bits & 0x1:
                raise InputError(label, f"member {info.filename!r} is encrypted; refused")
            if not _wanted(path):
                tree.other.append(path)
                continue
            content = _read_member(archive, info, label, min(budget, MAX_UNPACKED_BYTES))
            budget -= len(content)
            if looks_like_archive(content):
                raise InputError(
                    label,
                    f"member {info.filename!r} is an archive (by its "
                    "content); nested archives are refused",
                )
            tree.files[path] = content
    return tree


def member_limit(name: str) -> int:
    """Most bytes one read file may hold: YAML is parsed into objects, so it gets less."""
    return MAX_YAML_BYTES if name.lower().endswith((".yaml", ".yml")) else MAX_MEMBER_BYTES


def _member_ceiling(info: zipfile.ZipInfo, budget: int) -> int:
    """Most bytes ``info`` may unpack to: its declared size, the per-member and ratio limits,
    and what is left of the archive's total."""
    by_ratio = max(RATIO_FREE_BYTES, info.compress_size * MAX_MEMBER_RATIO)
    return min(info.file_size, member_limit(info.filename), by_ratio, budget)


def _check_declared(info: zipfile.ZipInfo, label: str) -> None:
    member = f"member {info.filename!r}"
    limit = member_limit(info.filename)
    if info.file_size > limit:
        raise over(label, f"{member} unpacks to", info.file_size, limit, "bytes")
    if info.file_size > RATIO_FREE_BYTES and (
        info.file_size > info.compress_size * MAX_MEMBER_RATIO
    ):
        ratio = info.file_size // max(info.compress_size, 1)
        raise over(label, f"{member} compression ratio", f"{ratio:,}:1", MAX_MEMBER_RATIO)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, budget: int) -> bytes:
    """The member's bytes, decompressed a chunk at a time and stopped at the first byte past
    its declared size, ``MAX_MEMBER_BYTES``, the compression-ratio limit or the total."""
    _check_declared(info, label)
    limit = _member_ceiling(info, budget)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as handle:
            while size <= limit:
                chunk = handle.read(min(_CHUNK, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as error:
        raise InputError(label, f"member {info.filename!r} cannot be read ({error})") from None
    except Exception as error:  # zlib.error and friends: corrupt data must not escape
        raise InputError(label, f"member {info.filename!r} is corrupt ({error})") from None
    if size > limit:
        member = f"member {info.filename!r}"
        if size > info.file_size:
            raise over(label, f"{member} unpacks to more than its declared size", size, limit)
        if size > budget:
            raise over(label, "bytes unpacked from the archive", "more", MAX_UNPACKED_BYTES)
        raise over(
            label,
            f"{member} unpacks past {MAX_MEMBER_RATIO}x its packed size",
            size,
            limit,
            "bytes",
        )
    return b"".join(chunks)


def tree_from_dir(root: str | Path) -> FileTree:
    """Read a folder with the same limits; symbolic links are refused, not followed."""
    root = Path(root)
    label = str(root)
    tree = FileTree(label)
    count = 0
    total = 0
    for current, dirs, files in os.walk(root, followlinks=False):
        base = Path(current)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                raise InputError(
                    label, f"{(base / name).relative_to(root)} is a symbolic link; refused"
                )
        dirs.sort()
        for name in sorted(files):
            count += 1
            if count > MAX_MEMBERS:
                raise InputError(label, f"folder holds more than {MAX_MEMBERS:,} files")
            full = base / name
            rel = full.relative_to(root).as_posix()
            try:
                info = full.lstat()
            except OSError as error:
                raise InputError(label, f"{rel}: {error.strerror or error}") from None
            if stat.S_ISLNK(info.st_mode):
                raise InputError(label, f"{rel} is a symbolic link; refused")
            if not stat.S_ISREG(info.st_mode):
                continue
            total += info.st_size
            if total > MAX_UNPACKED_BYTES:
                raise over(label, "bytes in the folder's files", total, MAX_UNPACKED_BYTES)
            if is_archive_name(name):
                raise InputError(
                    label, f"{rel} is an archive inside the folder; nested archives are refused"
                )
            if not _wanted(name):
                tree.other.append(rel)
                continue
            limit = member_limit(name)
            if info.st_size > limit:
                raise over(label, f"{rel} holds", info.st_size, limit, "bytes")
            try:
                with full.open("rb") as handle:  # a file growing meanwhile stops at the limit
                    content = handle.read(limit + 1)
                if len(content) > limit:
                    raise over(label, f"{rel} holds", len(content), limit, "bytes")
            except OSError as error:
                raise InputError(label, f"{rel}: {error.strerror or error}") from None
            tree.files[rel] = content
    return tree


# ---- Layouts ----------------------------------------------------------------------------------

_TOP = re.compile(r"^top(\d+)$")
_EXP_CONFIG = re.compile(r"^(?:(trtllm|sglang|vllm)_)?exp_config\.ya?ml$")
#: File names aiconfigurator writes into top-N folders (not candidate documents).
ARTIFACT_NAMES = frozenset(
    {
        "generator_config.yaml",
        "k8s_deploy.yaml",
        "k8s_bench.yaml",
        "sflow.yaml",
        "llm-d-values.yaml",
        "agg_config.yaml",
        "prefill_config.yaml",
        "decode_config.yaml",
    }
)
RESULT_CSVS = ("best_config_topn.csv", "pareto.csv")


@dataclass
class ResultDir:
    """One folder of results: a serving mode of `cli default` or an experiment of `cli exp`."""

    path: str
    best: str | None = None
    pareto: str | None = None
    settings: dict[str | None, str] = field(default_factory=dict)
    """Backend (None: all) -> exp_config.yaml / <backend>_exp_config.yaml / config.yaml."""
    tops: dict[int, str] = field(default_factory=dict)
    """Rank -> top-N folder path."""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1] if self.path else ""

    @property
    def run_root(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def experiment(self) -> str | None:
        """The `cli exp` experiment name (None for agg/disagg/afd of `cli default`)."""
        return None if self.name in ("agg", "disagg", "afd", "") else self.name


@dataclass
class Layout:
    """What a tree holds, by role."""

    results: list[ResultDir] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    """generator_config.yaml files outside result folders (`cli generate`)."""
    documents: list[str] = field(default_factory=list)
    """Other YAML files (design YAML, `cli exp` inputs, lone exp configs)."""
    logs: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    """CSV files that are not result tables of a result folder."""


def discover(tree: FileTree) -> Layout:
    """Find result folders, generate folders and loose documents (at any nesting depth)."""
    layout = Layout()
    folders = tree.directories()
    by_path: dict[str, ResultDir] = {}
    for folder, names in sorted(folders.items()):
        if any(n in RESULT_CSVS for n in names):
            result = ResultDir(folder)
            result.best = (
                _join(folder, "best_config_topn.csv") if ("best_config_topn.csv" in names) else None
            )
            result.pareto = _join(folder, "pareto.csv") if "pareto.csv" in names else None
            for name in names:
                match = _EXP_CONFIG.match(name)
                if match:
                    result.settings[match.group(1)] = _join(folder, name)
            if not result.settings and "config.yaml" in names:
                result.settings[None] = _join(folder, "config.yaml")
            by_path[folder] = result
            layout.results.append(result)
    claimed: set[str] = set()
    for result in layout.results:
        for path in result.settings.values():
            claimed.add(path)
        for csv_name in RESULT_CSVS:
            claimed.add(_join(result.path, csv_name))
    for path in sorted(tree.files):
        parent, _, name = path.rpartition("/")
        top_owner = _top_owner(parent, by_path)
        if top_owner is not None:
            result, rank, top_path = top_owner
            result.tops.setdefault(rank, top_path)
            continue
        if path in claimed:
            continue
        lowered = name.lower()
        if lowered.endswith(".log"):
            layout.logs.append(path)
        elif lowered.endswith(".csv"):
            layout.tables.append(path)
        elif name == "generator_config.yaml":
            layout.generated.append(path)
        elif lowered.endswith((".yaml", ".yml")) and name not in ARTIFACT_NAMES:
            layout.documents.append(path)
    return layout


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _top_owner(parent: str, results: dict[str, ResultDir]) -> tuple[ResultDir, int, str] | None:
    """The result folder whose top-N folder contains ``parent`` (at any depth below it)."""
    parts = parent.split("/") if parent else []
    for index in range(len(parts) - 1, -1, -1):
        match = _TOP.match(parts[index])
        if match:
            owner = "/".join(parts[:index])
            if owner in results:
                return results[owner], int(match.group(1)), "/".join(parts[: index + 1])
    return None


def files_under(tree: FileTree, folder: str) -> dict[str, bytes]:
    """Readable files inside ``folder`` (recursively), by path."""
    prefix = folder + "/"
    return {p: data for p, data in tree.files.items() if p.startswith(prefix)}
