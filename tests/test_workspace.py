"""Workspace creation and opening, settings, pseudonymisation key, periods."""

from __future__ import annotations

import datetime as dt
import stat

import pytest

import adoption
from adoption.config import Settings
from adoption.errors import InputError, PeriodError, WorkspaceError
from adoption.periods import parse_period


def test_init_creates_complete_workspace(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", Settings(organisation="Acme", currency="USD"))
    names = sorted(p.name for p in ws.root.iterdir())
    assert names == ["adoption.toml", "archive", "reports", "secret.key", "store.duckdb"]
    assert stat.S_IMODE(ws.key_path.stat().st_mode) == 0o600  # owner only
    reopened = adoption.open_workspace(ws.root)
    assert reopened.settings == ws.settings
    assert reopened.settings.organisation == "Acme"
    with reopened.store() as store:
        assert store.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(adoption.schema.SCHEMA_VERSION)


def test_init_refuses_foreign_or_existing_folders(tmp_path):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"x")
    with pytest.raises(WorkspaceError, match="not an empty folder"):
        adoption.init_workspace(foreign)
    assert sorted(p.name for p in foreign.iterdir()) == ["cat.jpg"]  # nothing half-made
    ws = adoption.init_workspace(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match="already an adoption workspace"):
        adoption.init_workspace(ws.root)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert adoption.init_workspace(empty).root == empty.resolve()


def test_failed_init_leaves_nothing(tmp_path, monkeypatch):
    def fail(self):
        raise RuntimeError("injected")

    monkeypatch.setattr(adoption.store.Store, "create_schema", fail)
    with pytest.raises(RuntimeError):
        adoption.init_workspace(tmp_path / "ws")
    assert list(tmp_path.iterdir()) == []


def test_open_errors_say_how_to_fix(tmp_path, clean_env):
    with pytest.raises(WorkspaceError, match="does not exist.*adoption init"):
        adoption.open_workspace(tmp_path / "missing")
    with pytest.raises(WorkspaceError, match="not an adoption workspace"):
        adoption.open_workspace(tmp_path)
    ws = adoption.init_workspace(tmp_path / "ws")
    ws.key_path.unlink()
    with pytest.raises(WorkspaceError, match="incomplete.*secret.key"):
        adoption.open_workspace(ws.root)


def test_workspace_from_environment(tmp_path, monkeypatch):
    ws = adoption.init_workspace(tmp_path / "ws")
    monkeypatch.setenv("ADOPTION_WORKSPACE", str(ws.root))
    assert adoption.open_workspace().root == ws.root


def test_keys_differ_between_workspaces(tmp_path):
    a = adoption.init_workspace(tmp_path / "a").pseudonymise(["x@example.com"])
    b = adoption.init_workspace(tmp_path / "b").pseudonymise(["x@example.com"])
    assert a != b


@pytest.mark.parametrize("changes,message", [
    ({"min_group_size": 2}, "at least 3"),
    ({"time_zone": "Mars/Olympus"}, "not an IANA time zone"),
    ({"week_start": "funday"}, "allowed"),
    ({"currency": "euro"}, "ISO 4217"),
])
def test_bad_settings_are_explained(changes, message):
    with pytest.raises(InputError, match=message):
        Settings(**changes)


def test_settings_file_round_trip_and_unknown_keys(tmp_path):
    s = Settings(organisation='Quote "Co"', min_group_size=7, keep_names=True)
    path = tmp_path / "adoption.toml"
    path.write_text(s.to_toml())
    assert Settings.read(path) == s
    path.write_text(s.to_toml() + "colour = 'blue'\n")
    with pytest.raises(InputError, match=r"unknown setting\(s\) \['colour'\]"):
        Settings.read(path)


@pytest.mark.parametrize("label,kind,start,end", [
    ("2026-01", None, dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
    ("2024-02", None, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2026-Q1", None, dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026-W03", None, dt.date(2026, 1, 12), dt.date(2026, 1, 18)),
    ("2026-01-14", None, dt.date(2026, 1, 12), dt.date(2026, 1, 18)),
    ("2026-02", "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
])
def test_parse_period(label, kind, start, end):
    p = parse_period(label, kind)
    assert (p.start, p.end) == (start, end)


def test_period_arithmetic_and_errors():
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert parse_period("2026-W01").previous().start == dt.date(2025, 12, 22)
    assert parse_period("2026-W03", week_start=6).start == dt.date(2026, 1, 11)  # Sunday
    with pytest.raises(PeriodError, match="not understood"):
        parse_period("January")
    with pytest.raises(PeriodError, match="is a quarter but the period kind is 'month'"):
        parse_period("2026-Q1", "month")


def test_open_store_takes_a_store_a_workspace_or_a_path(tmp_path):
    from adoption.workspace import open_store

    ws = adoption.init_workspace(tmp_path / "ws")
    with ws.store() as store:
        with open_store(store) as same:  # a store is used as it is, and left open
            assert same is store
        assert store.query("SELECT 1 AS one")["one"].tolist() == [1]
    for source in (ws, tmp_path / "ws", str(tmp_path / "ws")):
        with open_store(source) as opened:
            assert opened.read_only
    with pytest.raises(WorkspaceError, match="found 'int'"), open_store(42):
        pass
