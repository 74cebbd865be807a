"""Demo export of GitHub Copilot in GitHub's own formats (see :mod:`adoption.vendors.github`).

Writes into the demo inbox:

- ``github_copilot_seats.json``: the seats API response as of the last day, 100 seats per
  page, the pages concatenated as a JSON array (seats held on the last day; logins are the
  local part of the e-mail with dots replaced by hyphens);
- ``github_copilot_metrics_org_example-corp.json``: the Copilot metrics API response of the
  organisation ``example-corp`` (scope from the file name) for the last 28 days
  (aggregates by feature, editor, language and model);
- ``github_copilot_users_YYYY-MM.ndjson``: the per-user daily usage metrics reports of the
  last three months; these GitHub Copilot events are claimed, so the generic usage files
  leave them out;
- ``github_copilot_organization-28-day_latest.ndjson``: the organisation's 28-day
  usage-metrics report (:mod:`adoption.demo.vendors_github_reports`; agent mode grows in one
  team over the report months);
- ``identities_github.csv``: the identities mapping (``email,identifier,system``) from the
  roster e-mail to the GitHub login, for everyone who appears in the files above.

The demo's features map onto GitHub's feature names as follows (an approximation for the
demo only): completions -> ``code_completion`` (code generations), chat ->
``chat_panel_ask_mode``, agent -> ``chat_panel_agent_mode``, review ->
``chat_panel_edit_mode``, next_edit -> ``chat_inline`` (user-initiated interactions). So a
person-day's ``events`` read back from the reports equal the generic events of that day.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from adoption.demo.story import CONTRACTOR_EMAILS, TOOLS, add_months
from adoption.demo.vendors_github_reports import grow_agent_mode, write_organization_report
from adoption.demo.world import DemoWorld

__all__ = ["FEATURE_NAMES", "REPORT_MONTHS", "login_of", "write"]

TOOL = "GitHub Copilot"
#: months of per-user reports, counted back from the last month
REPORT_MONTHS = 3
METRICS_DAYS = 28
PER_PAGE = 100
#: demo feature -> (GitHub feature name, counted as code generation?)
FEATURE_NAMES = {"completions": ("code_completion", True),
                 "chat": ("chat_panel_ask_mode", False),
                 "agent": ("chat_panel_agent_mode", False),
                 "review": ("chat_panel_edit_mode", False),
                 "next_edit": ("chat_inline", False)}
EDITORS = (("vscode", 0.7), ("JetBrains", 0.2), ("VisualStudio", 0.1))
LANGUAGES = (("python", 0.35), ("typescript", 0.3), ("java", 0.2), ("go", 0.15))


def login_of(email: str) -> str:
    """The demo's GitHub login of an e-mail: its local part with dots as hyphens."""
    return email.strip().split("@", 1)[0].replace(".", "-").lower()


def _emails(world: DemoWorld) -> np.ndarray:
    return np.concatenate([world.org.emails, np.array(CONTRACTOR_EMAILS, dtype=object)])


def _stamp(day: np.datetime64, minute: int) -> str:
    """An ISO 8601 UTC timestamp on ``day`` (daytime, so the Berlin day is the same)."""
    return f"{day}T{7 + minute // 60:02d}:{minute % 60:02d}:00Z"


def write(world: DemoWorld) -> list[Path]:
    """Write the GitHub Copilot exports of the demo organisation; returns their paths."""
    tool = [t.name for t in TOOLS].index(TOOL)
    spec = TOOLS[tool]
    offset = sum(len(t.features) for t in TOOLS[:tool])
    rng = world.rng("vendors_github")
    emails = _emails(world)
    n_people = len(emails)
    editor = rng.choice(len(EDITORS), n_people, p=[p for _, p in EDITORS])
    language = rng.choice(len(LANGUAGES), n_people, p=[p for _, p in LANGUAGES])

    ev = world.events
    mine = ev.tool == tool
    frame = pd.DataFrame({"person": ev.person[mine], "day": ev.day[mine],
                          "feature": ev.feature[mine] - offset, "count": ev.count[mine]})
    frame["name"] = np.array([FEATURE_NAMES[f][0] for f in spec.features])[frame["feature"]]
    frame["generation"] = np.array([FEATURE_NAMES[f][1] for f in spec.features])[frame["feature"]]

    last = np.datetime64(world.last_day, "D")
    first = np.datetime64(world.first, "D")
    paths = [_write_seats(world, rng, emails, frame, last, first, tool),
             _write_metrics(world, frame, editor, language, last, first)]
    report_start = add_months(world.first, world.months - REPORT_MONTHS)
    start_index = (np.datetime64(report_start, "D") - first).astype(int)
    frame = grow_agent_mode(world, frame, int(start_index))
    paths += _write_reports(world, frame[frame["day"] >= start_index], emails, editor,
                            language, first)
    paths.append(write_organization_report(world, frame, first))
    world.claim(mine & (ev.day >= start_index))

    seats = world.seats
    people = set(frame.loc[frame["day"] >= start_index, "person"].tolist())
    people |= set(seats.person[seats.tool == tool].tolist())
    mapping = pd.DataFrame({"email": [emails[p] for p in sorted(people)]})
    mapping["identifier"] = mapping["email"].map(login_of)
    mapping["system"] = "github"
    path = world.out / "identities_github.csv"
    mapping.to_csv(path, index=False, lineterminator="\n")
    paths.append(path)
    return paths


def _write_seats(world: DemoWorld, rng: np.random.Generator, emails: np.ndarray,
                 frame: pd.DataFrame, last: np.datetime64, first: np.datetime64,
                 tool: int) -> Path:
    s = world.seats
    held = (s.tool == tool) & (s.assigned_on <= last) & (np.isnat(s.removed_on)
                                                          | (s.removed_on > last))
    last_use = frame.groupby("person")["day"].max()
    seats = []
    for person, on in zip(s.person[held], s.assigned_on[held], strict=True):
        created = _stamp(on, int(rng.integers(0, 600)))
        used = last_use.get(person)
        activity = _stamp(first + int(used), int(rng.integers(0, 600))) if used is not None \
            else None
        seats.append({
            "created_at": created, "updated_at": created, "pending_cancellation_date": None,
            "last_activity_at": activity,
            "last_activity_editor": "vscode/1.96.2/copilot/1.254.0" if activity else None,
            "last_authenticated_at": activity, "plan_type": "business",
            "assignee": {"login": login_of(emails[person]), "id": 10_000 + int(person),
                         "type": "User", "site_admin": False},
            "assigning_team": None})
    pages = [{"total_seats": len(seats), "seats": seats[i:i + PER_PAGE]}
             for i in range(0, max(len(seats), 1), PER_PAGE)]
    path = world.out / "github_copilot_seats.json"
    path.write_text(json.dumps(pages, indent=1), encoding="utf-8")
    return path


def _write_metrics(world: DemoWorld, frame: pd.DataFrame, editor: np.ndarray,
                   language: np.ndarray, last: np.datetime64, first: np.datetime64) -> Path:
    lo = int((last - first).astype(int)) - METRICS_DAYS + 1
    f = frame[frame["day"] >= lo].assign(
        editor=lambda x: np.array([e for e, _ in EDITORS])[editor[x["person"]]],
        language=lambda x: np.array([g for g, _ in LANGUAGES])[language[x["person"]]])
    days = []
    for day, g in f.groupby("day", sort=True):
        comp = g[g["name"] == "code_completion"]
        chat = g[g["name"] != "code_completion"]
        editors = []
        for ed, ge in comp.groupby("editor", sort=True):
            langs = []
            for lang, gl in ge.groupby("language", sort=True):
                n = int(gl["count"].sum())
                langs.append({"name": lang, "total_engaged_users": int(gl["person"].nunique()),
                              "total_code_suggestions": n, "total_code_acceptances": n * 3 // 10,
                              "total_code_lines_suggested": 2 * n,
                              "total_code_lines_accepted": 2 * (n * 3 // 10)})
            engaged = int(ge["person"].nunique())
            editors.append({"name": ed, "total_engaged_users": engaged, "models": [
                {"name": "default", "is_custom_model": False,
                 "custom_model_training_date": None, "total_engaged_users": engaged,
                 "languages": langs}]})
        chat_editors = []
        for ed, ge in chat.groupby("editor", sort=True):
            n, engaged = int(ge["count"].sum()), int(ge["person"].nunique())
            chat_editors.append({"name": ed, "total_engaged_users": engaged, "models": [
                {"name": "default", "is_custom_model": False,
                 "custom_model_training_date": None, "total_engaged_users": engaged,
                 "total_chats": n, "total_chat_insertion_events": n // 3,
                 "total_chat_copy_events": n // 5}]})
        days.append({
            "date": str(first + int(day)),
            "total_active_users": int(g["person"].nunique()),
            "total_engaged_users": int(g["person"].nunique()),
            "copilot_ide_code_completions": {
                "total_engaged_users": int(comp["person"].nunique()),
                "languages": [{"name": lang, "total_engaged_users": int(x["person"].nunique())}
                              for lang, x in comp.groupby("language", sort=True)],
                "editors": editors},
            "copilot_ide_chat": {"total_engaged_users": int(chat["person"].nunique()),
                                 "editors": chat_editors},
            "copilot_dotcom_chat": None,
            "copilot_dotcom_pull_requests": None,
        })
    path = world.out / "github_copilot_metrics_org_example-corp.json"
    path.write_text(json.dumps(days, indent=1), encoding="utf-8")
    return path


def _write_reports(world: DemoWorld, frame: pd.DataFrame, emails: np.ndarray,
                   editor: np.ndarray, language: np.ndarray, first: np.datetime64) -> list[Path]:
    """One NDJSON file per month: one object per user and active day."""
    by_feature = frame.groupby(["day", "person", "name", "generation"], sort=True)["count"].sum()
    records: dict[tuple[int, int], dict] = {}
    for (day, person, name, generation), n in by_feature.items():
        key = (int(day), int(person))
        rec = records.get(key)
        if rec is None:
            rec = records[key] = {
                "day": str(first + int(day)), "enterprise_id": "4242",
                "organization_id": "9001", "user_id": 10_000 + int(person),
                "user_login": login_of(emails[person]),
                "user_initiated_interaction_count": 0, "code_generation_activity_count": 0,
                "code_acceptance_activity_count": 0, "used_agent": False, "used_chat": False,
                "totals_by_ide": [], "totals_by_feature": [], "totals_by_language_feature": []}
        n = int(n)
        field = "code_generation_activity_count" if generation else \
            "user_initiated_interaction_count"
        rec[field] += n
        if generation:
            rec["code_acceptance_activity_count"] += n * 3 // 10
        rec["used_agent"] |= name == "chat_panel_agent_mode"
        rec["used_chat"] |= name.startswith("chat")
        rec["totals_by_feature"].append({
            "feature": name,
            "user_initiated_interaction_count": 0 if generation else n,
            "code_generation_activity_count": n if generation else 0,
            "code_acceptance_activity_count": n * 3 // 10 if generation else 0})
        if generation:
            rec["totals_by_language_feature"].append({
                "language": LANGUAGES[language[person]][0], "feature": name,
                "code_generation_activity_count": n,
                "code_acceptance_activity_count": n * 3 // 10})
    lines: dict[str, list[str]] = {}
    for (_, person), rec in records.items():
        rec["totals_by_ide"] = [{
            "ide": EDITORS[editor[person]][0].lower(),
            "user_initiated_interaction_count": rec["user_initiated_interaction_count"],
            "code_generation_activity_count": rec["code_generation_activity_count"],
            "code_acceptance_activity_count": rec["code_acceptance_activity_count"]}]
        lines.setdefault(rec["day"][:7], []).append(json.dumps(rec, separators=(",", ":")))
    paths = []
    start = add_months(world.first, world.months - REPORT_MONTHS)
    for k in range(REPORT_MONTHS):
        month = add_months(start, k).isoformat()[:7]
        path = world.out / f"github_copilot_users_{month}.ndjson"
        path.write_text("\n".join(lines.get(month, [])) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
