"""Which database Store.open() uses: explicit URL, DATABASE_URL, CONFIGLIB_DATA_DIR,
XDG_DATA_HOME, then ~/.local/share; and what the command line says when it cannot open one."""

from __future__ import annotations

from pathlib import Path

import pytest

from configlib.cli import main
from configlib.store import Store
from configlib.store.engine import data_dir, default_url, resolve_url


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("DATABASE_URL", "CONFIGLIB_DATA_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def test_the_default_is_a_file_in_the_users_data_folder(clean_env, tmp_path: Path) -> None:
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "configlib"
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "configlib"
    clean_env.setenv("CONFIGLIB_DATA_DIR", str(tmp_path / "mine"))
    assert default_url() == f"sqlite:///{tmp_path / 'mine' / 'configlib.db'}"
    with Store.open() as store:
        assert store.url == f"sqlite:///{tmp_path / 'mine' / 'configlib.db'}"
    assert (tmp_path / "mine" / "configlib.db").is_file()


def test_database_url_wins_and_an_explicit_url_wins_over_it(clean_env, tmp_path: Path) -> None:
    clean_env.setenv("CONFIGLIB_DATA_DIR", str(tmp_path / "mine"))
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with Store.open() as store:
        assert store.url.endswith("env.db")
    with Store.open(f"sqlite:///{tmp_path / 'given.db'}") as store:
        assert store.url.endswith("given.db")
    assert not (tmp_path / "mine").exists()


def test_postgres_urls_get_the_psycopg_driver_and_hide_passwords() -> None:
    assert resolve_url("postgres://u:secret@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    shown = resolve_url("postgresql://u:secret@h/db").render_as_string(hide_password=True)
    assert "secret" not in shown


def test_the_command_line_names_a_database_it_cannot_reach(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql://someone:hunter2@127.0.0.1:1/none"
    assert main(["db", "upgrade", "--url", url, "--timeout", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("configlib: postgresql+psycopg://someone:***@127.0.0.1:1/none")
    assert "cannot reach" in error and "hunter2" not in error
    assert main(["db", "export", "-", "--url", url, "--timeout", "1"]) == 2
    assert main(["db", "import", "missing.json", "--url", url]) == 2
    assert "no such file" in capsys.readouterr().err
