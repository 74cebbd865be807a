"""The adoption report: its content, its captions and its rendering to one self-contained HTML file.

The workspace is small and hand-made so that every expected number can be counted by hand from
the rules in :func:`build_small_workspace`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

import adoption
from adoption.errors import InputError, ReportError
from adoption.ingest import ingest_files
from adoption.report import (
    build_adoption_report,
    describe_headline,
    format_team_table,
    render_adoption_report,
    render_index,
    render_notebook,
    report_notebook_path,
)

FIXTURES = Path(__file__).parent / "fixtures"
#: department -> team -> headcount. Treasury is under the privacy threshold of 5.
TEAMS = {
    "Engineering": {"Platform": 20, "Mobile": 12},
    "Finance": {"Accounting": 15, "FP&A": 10, "Treasury": 3},
    "Sales": {"EMEA Sales": 18},
}
TINY_TEAM = "Treasury"
MONTHS = ("2025-11", "2025-12", "2026-01")


def _slug(team: str) -> str:
    return re.sub(r"[^a-z]+", "-", team.lower()).strip("-")


def _has_seat(i: int) -> bool:
    return i % 5 != 4


def _is_active(i: int, month: int) -> bool:
    """Seat holders with ``i % 10 < 3 + 2 * month`` use the tool in month 0, 1, 2."""
    return _has_seat(i) and i % 10 < 3 + 2 * month


def build_small_workspace(root: Path) -> adoption.Workspace:
    """A workspace with 78 people in 6 teams and three months of usage (Nov 2025 - Jan 2026).

    Person ``i`` of a team (0-based) holds a seat unless ``i % 5 == 4`` and is active in month
    ``m`` (0 = Nov) when :func:`_is_active`; an active person has events on days 3, 10 and 28.
    """
    ws = adoption.init_workspace(root / "ws", adoption.Settings(organisation="Testorg"))
    src = root / "src"
    src.mkdir()
    people = [(f"{_slug(team)}.{i:03d}@example.com", f"Zqname {_slug(team)} {i:03d}", dept, team, i)
              for dept, teams in TEAMS.items() for team, n in teams.items() for i in range(n)]
    with (src / "roster.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "name", "team", "department", "start_date", "as_of"])
        w.writerows([e, name, team, dept, "2024-01-01", "2025-11-01"]
                    for e, name, dept, team, _ in people)
    with (src / "tools.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["tool", "vendor", "category", "sanctioned", "monthly_seat_cost", "currency"])
        w.writerow(["Copilot", "GitHub", "coding", "true", "19", "EUR"])
    with (src / "seats.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["tool", "email", "assigned_on", "removed_on"])
        w.writerows(["Copilot", e, "2025-11-01", ""] for e, *_, i in people if _has_seat(i))
    with (src / "usage.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "email", "tool", "feature", "count"])
        for m, label in enumerate(MONTHS):
            for e, *_, i in people:
                if _is_active(i, m):
                    for day in (3, 10, 28):
                        w.writerow([f"{label}-{day:02d}T10:00:00Z", e, "Copilot", "chat", 2])
    ingest_files(ws, sorted(src.glob("*.csv")))
    return ws


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> adoption.Workspace:
    return build_small_workspace(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def rendered(workspace: adoption.Workspace) -> tuple[Path, str]:
    path = render_adoption_report(workspace, period="2026-01")
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def soup(rendered: tuple[Path, str]) -> BeautifulSoup:
    return BeautifulSoup(rendered[1], "html.parser")


def _expected(month: int) -> dict[str, int]:
    """Organisation counts by hand from the generating rules."""
    idx = [i for teams in TEAMS.values() for n in teams.values() for i in range(n)]
    return {"headcount": len(idx), "seats": sum(map(_has_seat, idx)),
            "active_users": sum(_is_active(i, month) for i in idx)}


# -- content ----------------------------------------------------------------------------------

def test_headline_counts_match_hand_count(workspace: adoption.Workspace) -> None:
    report = build_adoption_report(workspace, period="2026-01")
    h = report.headline.set_index("measure")
    now, before = _expected(2), _expected(1)  # 78/64/51 and 78/64/37 by hand
    for measure in ("headcount", "seats", "active_users"):
        assert h.loc[measure, "estimate"] == now[measure]
        assert h.loc[measure, "comparison_estimate"] == before[measure]
    assert h.loc["penetration", "estimate"] == pytest.approx(now["active_users"] / 78)
    assert h.loc["penetration", "n"] == 78
    assert h.loc["penetration", "ci_low"] < h.loc["penetration", "estimate"] < h.loc[
        "penetration", "ci_high"]
    assert report.comparison_period == "2025-12"  # default: the previous period
    assert h.loc["penetration", "difference"] == pytest.approx(14 / 78)
    assert bool(h.loc["penetration", "is_beyond_noise"])  # 14 new users, none lapsed


def test_headline_caption_reads_plainly(workspace: adoption.Workspace) -> None:
    text = describe_headline(build_adoption_report(workspace, period="2026-01"))
    assert text.startswith("In January 2026, 51 of 78 people (65%, 95% interval ")
    assert "up 18 points on December 2025" in text  # 14 / 78 = 17.9 points
    assert "beyond what chance would explain" in text


def test_tiny_team_is_hidden_in_every_table(workspace: adoption.Workspace) -> None:
    report = build_adoption_report(workspace, period="2026-01")
    tiny = report.teams.set_index("team").loc[TINY_TEAM]
    assert tiny["suppressed"]
    assert tiny[["headcount", "seats", "active_users", "penetration", "difference",
                 "comparison_penetration", "n_paired"]].isna().all()
    # FP&A (10 people) is hidden too, so that Treasury cannot be worked out from Finance
    fpa = report.teams.set_index("team").loc["FP&A"]
    assert fpa["suppressed"] and pd.isna(fpa["difference"])
    assert TINY_TEAM in set(report.suppressed["team"])
    row = format_team_table(report).data.set_index("Team").loc[TINY_TEAM]
    assert row["People"] == "hidden (fewer than 5 people)"
    assert set(row.iloc[2:]) == {"\u2013"}


def test_team_table_marks_changes_beyond_noise(workspace: adoption.Workspace) -> None:
    report = build_adoption_report(workspace, period="2026-01")
    # Platform: 4 people started, none stopped; exact McNemar p = 2 * 0.5**4 = 0.125
    assert not report.teams.set_index("team").loc["Platform", "is_beyond_noise"]
    beyond = (report.teams["team"] == "Platform").astype("boolean")
    marked = replace(report, teams=report.teams.assign(is_beyond_noise=beyond))
    change = format_team_table(marked).data.set_index("Team")["Change since December 2025"]
    assert change["Platform"].endswith(")*")
    assert not change.drop("Platform").str.endswith("*").any()


def test_min_group_size_never_below_the_workspace(workspace: adoption.Workspace) -> None:
    assert build_adoption_report(workspace, period="2026-01", min_group_size=3).min_group_size == 5
    report = build_adoption_report(workspace, period="2026-01", min_group_size=13)
    assert report.min_group_size == 13
    assert report.teams.set_index("team").loc["Mobile", "suppressed"]  # 12 people < 13


def test_period_without_data_says_which_periods_have_data(workspace: adoption.Workspace) -> None:
    with pytest.raises(InputError, match=r"'2026-05' has no activity data.*2025-11 to 2026-01"):
        build_adoption_report(workspace, period="2026-05")


def test_partly_covered_period_is_flagged(workspace: adoption.Workspace) -> None:
    report = build_adoption_report(workspace, period="2026-Q1", period_kind="quarter")
    assert report.comparison_period == "2025-Q4"
    text = describe_headline(report)
    # data run from 3 November to 28 January: 59 of Q4's 92 days, 28 of Q1's 90 days (every
    # source's activity counts now, so the note speaks of activity data, not usage data)
    assert ("Note: Q4 2025 has activity data for only 59 of its 92 days and Q1 2026 has activity "
            "data for only 28 of its 90 days") in text
    assert "Note:" not in describe_headline(build_adoption_report(workspace, period="2026-01"))


def test_comparison_must_be_an_earlier_period_with_data(workspace: adoption.Workspace) -> None:
    report = build_adoption_report(workspace, period="2026-01", comparison_period="2025-11")
    assert report.comparison_title == "November 2025"
    with pytest.raises(InputError, match="is not before"):
        build_adoption_report(workspace, period="2025-12", comparison_period="2026-01")
    with pytest.raises(InputError, match="comparison_period '2025-10' has no activity data"):
        build_adoption_report(workspace, period="2026-01", comparison_period="2025-10")


def test_first_period_has_no_comparison(workspace: adoption.Workspace) -> None:
    report = build_adoption_report(workspace, period="2025-11")
    assert report.comparison_period is None
    assert "no earlier period" in describe_headline(report)


# -- rendering --------------------------------------------------------------------------------

def test_unknown_parameter_is_refused_with_the_allowed_names(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as info:
        render_notebook(report_notebook_path(), tmp_path / "out.html", colour="red",
                        period="2026-01")
    message = str(info.value)
    assert "'colour'" in message
    for name in ("workspace", "period", "period_kind", "comparison_period", "min_group_size",
                 "title"):
        assert repr(name) in message
    assert not (tmp_path / "out.html").exists()


def test_failing_cell_raises_report_error_naming_the_error(tmp_path: Path) -> None:
    out = tmp_path / "broken.html"
    with pytest.raises(ReportError, match=r"broken_report\.ipynb.*share = 1 / divisor.*"
                                          r"ZeroDivisionError: division by zero"):
        render_notebook(FIXTURES / "broken_report.ipynb", out, divisor=0)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_report_is_written_into_the_workspace(rendered: tuple[Path, str],
                                              workspace: adoption.Workspace) -> None:
    path, _ = rendered
    assert path == workspace.reports_dir / "adoption_2026-01.html"
    assert not [p for p in workspace.reports_dir.iterdir() if p.name.startswith(".")]


def test_report_is_self_contained(rendered: tuple[Path, str], soup: BeautifulSoup) -> None:
    html = rendered[1]
    assert "<script src" not in html
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*//""", html)
    assert not soup.find_all("script", src=True)
    assert not soup.find_all("link", href=True)
    images = soup.find_all("img")
    # trend, team intervals, funnel, spend, utilisation, shadow AI by team, active by source,
    # usage segments over time
    assert len(images) == 8
    # charts are SVG (adoption.report.images), percent-encoded: no "http://" of the SVG
    # namespace shows in the file (checked above)
    assert all(img["src"].startswith("data:image/svg+xml,%3Csvg ") for img in images)
    assert all(img.get("alt") for img in images)


def test_report_hides_code(rendered: tuple[Path, str], soup: BeautifulSoup) -> None:
    html = rendered[1]
    assert "build_adoption_report" not in html
    assert "import " not in soup.get_text()
    assert not soup.select(".jp-CodeCell .jp-InputArea, .highlight, pre code")
    assert "Traceback" not in html and "Warning" not in soup.get_text()


def test_report_has_the_team_table(soup: BeautifulSoup) -> None:
    table = soup.find("table", attrs={"data-table": "teams"})
    assert table is not None
    header = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
    assert header == ["Department", "Team", "People", "Active on any AI tool",
                      "Share of all people", "With a seat", "Share of seat holders",
                      "Change since December 2025", "Sources"]
    rows = {tr.find_all("td")[1].get_text(strip=True): dict(zip(header, [
        td.get_text(strip=True) for td in tr.find_all("td")], strict=True))
            for tr in table.find("tbody").find_all("tr")}
    assert set(rows) == {t for teams in TEAMS.values() for t in teams}
    platform = rows["Platform"]
    # Platform: 20 people, 16 seats (i % 5 != 4), 12 active in January (i % 10 < 7 with a seat)
    assert (platform["People"], platform["With a seat"], platform["Active on any AI tool"]) == (
        "20", "16", "12")
    assert re.fullmatch(r"60% \(\d+\u2013\d+\)", platform["Share of all people"])  # 12 / 20
    assert re.fullmatch(r"75% \(\d+\u2013\d+\)", platform["Share of seat holders"])  # 12 / 16
    # Platform: 8 of 20 active in December, 12 in January, none lapsed
    assert platform["Change since December 2025"].startswith("+20 pts (")
    assert platform["Sources"] == "Usage events (generic)"  # the one usage log


def test_tiny_team_appears_only_as_hidden(soup: BeautifulSoup) -> None:
    table = soup.find("table", attrs={"data-table": "teams"})
    row = next(tr for tr in table.find("tbody").find_all("tr")
               if tr.find_all("td")[1].get_text(strip=True) == TINY_TEAM)
    cells = [td.get_text(strip=True) for td in row.find_all("td")][2:]
    assert cells[0] == "hidden (fewer than 5 people)"
    assert set(cells[1:]) == {"\u2013"}
    text = soup.get_text(" ")
    mentions = [m.end() for m in re.finditer(TINY_TEAM, text)]
    # its rows in the team tables (adoption, governance, sources) and the hidden-groups list:
    # each mention is followed by "hidden", never by a figure
    assert len(mentions) >= 2
    assert all("hidden" in text[end:end + 40] for end in mentions)
    assert re.search(r"Treasury \(Finance\)\s*: all figures hidden \(fewer than 5 people\)", text)


def test_report_names_no_person(rendered: tuple[Path, str],
                                workspace: adoption.Workspace) -> None:
    html = rendered[1].lower()
    assert "@example.com" not in html
    assert "zqname" not in html
    with workspace.store(read_only=True) as store:
        ids = store.query("SELECT person_id AS id FROM people UNION "
                          "SELECT identity_hash FROM identities")["id"]
    assert len(ids) >= 78
    assert not [i for i in ids if i.lower() in html]


def test_index_lists_the_report(rendered: tuple[Path, str],
                                workspace: adoption.Workspace) -> None:
    index = (workspace.reports_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="adoption_2026-01.html"' in index
    assert "January 2026" in index and "Testorg" in index
    # no script and no URL (the Content-Security-Policy tag's http-equiv is not one)
    assert "<script" not in index and "http:" not in index and "https:" not in index


def test_index_orders_reports_newest_period_first(tmp_path: Path) -> None:
    stamp = dt.datetime(2026, 2, 3, 10, 15, tzinfo=dt.UTC).isoformat()
    for period in ("2025-12", "2026-01", "2025-11"):
        (tmp_path / f"adoption_{period}.html").write_text(
            f'<html><head><meta content="{period}" name="adoption:period">'
            f'<meta name="adoption:period_kind" content="month">'
            f'<meta name="adoption:title" content="Report &amp; more">'
            f'<meta name="adoption:rendered_at" content="{stamp}"></head></html>')
    index = render_index(tmp_path, organisation="Testorg").read_text(encoding="utf-8")
    order = [index.index(f"adoption_{p}.html") for p in ("2026-01", "2025-12", "2025-11")]
    assert order == sorted(order)
    assert "Report &amp; more" in index and "2026-02-03 10:15 UTC" in index


def test_render_progress_names_the_sections(workspace: adoption.Workspace, capsys) -> None:
    """On a terminal the CLI asks for a bar: it names the section being computed."""
    from adoption.report.render import render_adoption_report

    render_adoption_report(workspace, period="2026-01", progress=True)
    err = capsys.readouterr().err
    # the notebook's computing cells come first, then its "##" sections (Alerts, Teams, ...)
    assert "computing sections" in err and "Teams" in err and "cell" in err


def test_section_names_follow_the_headings() -> None:
    import nbformat

    from adoption.report.progress import section_names

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("## Teams"),
        nbformat.v4.new_code_cell("x"), nbformat.v4.new_markdown_cell("Some words"),
        nbformat.v4.new_code_cell("y")])
    nb.cells[0]["id"] = "build-governance"
    assert section_names(nb) == ["computing governance", "Teams", "Teams", "Teams", "Teams"]
