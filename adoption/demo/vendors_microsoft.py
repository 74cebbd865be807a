"""The demo organisation's Microsoft exports: Copilot usage user detail, Viva Insights, Entra users.

From the synthetic organisation's Microsoft 365 Copilot events this writes, into the inbox:

- ``m365_copilot_usage_user_detail_<date>.csv``: the admin center's user-detail export (30-day
  period, UTF-8 with BOM) as refreshed on the last day of each of the last three months: one row
  per person holding a Microsoft 365 Copilot seat that day, with the last activity date overall
  and per app (up to that day);
- ``viva_person_query_<first>_<last>.csv``: a Viva Insights person query of the last 13 complete
  weeks (weeks start on Sunday, ``MetricDate`` as ``M/D/YYYY``), one row per employed person
  and week, hashed ``PersonId`` plus an ``Email`` HR attribute so people can be resolved,
  ``Organization`` = team, and the Copilot metrics with the headers as downloaded (spaces);
- ``exportUsers_<Y-M-D>.csv``: the Entra ID "Download users" file as of the last day: the
  people on the latest roster (leavers with a past end date as disabled accounts), the four
  contractors and three partners as guests, four service accounts and three room/equipment
  mailboxes.

- ``m365_copilot_chat_usage_<date>.csv``: Copilot Chat use without a licence, mostly in one
  department (:mod:`adoption.demo.vendors_m365_chat`).

The events themselves are not claimed: the generic usage files stay the daily source, and
these exports are further views of the same use that the report can compare with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from adoption.demo.story import CONTRACTOR_EMAILS, TOOLS, add_months
from adoption.demo.vendors_m365_chat import write_copilot_chat
from adoption.demo.world import DemoWorld

__all__ = ["write"]

TOOL = "Microsoft 365 Copilot"
#: demo feature -> the app of the Microsoft reports (user-detail header, Viva metric suffix)
APPS = {
    "word": ("Word Copilot Last Activity Date", "Word"),
    "excel": ("Excel Copilot Last Activity Date", "Excel"),
    "teams": ("Microsoft Teams Copilot Last Activity Date", "Teams"),
    "outlook": ("Outlook Copilot Last Activity Date", "Outlook"),
    "powerpoint": ("PowerPoint Copilot Last Activity Date", "Powerpoint"),
    "copilot_chat": ("Copilot Chat Last Activity Date", "Copilot chat (work)"),
}
USER_DETAIL_COLUMNS = (
    "Report Refresh Date", "User Principal Name", "Display Name", "Last Activity Date",
    "Copilot Chat Last Activity Date", "Microsoft Teams Copilot Last Activity Date",
    "Word Copilot Last Activity Date", "Excel Copilot Last Activity Date",
    "PowerPoint Copilot Last Activity Date", "Outlook Copilot Last Activity Date",
    "OneNote Copilot Last Activity Date", "Loop Copilot Last Activity Date", "Report Period",
)
VIVA_WEEKS = 13
PERIOD = 30


def _ms_events(world: DemoWorld) -> pd.DataFrame:
    names = [t.name for t in TOOLS]
    t = names.index(TOOL)
    offset = sum(len(x.features) for x in TOOLS[:t])
    ev = world.events
    mask = (ev.tool == t) & (ev.person < world.org.size)
    features = np.array(TOOLS[t].features, dtype=object)
    return pd.DataFrame({"person": ev.person[mask], "day": ev.day[mask],
                         "feature": features[ev.feature[mask] - offset],
                         "count": ev.count[mask]})


def _dates_text(days: pd.Series, people: np.ndarray, first: np.datetime64) -> pd.Series:
    """Day indexes of ``people`` as ``YYYY-MM-DD`` text, blank where there is none."""
    days = days.reindex(people)
    text = pd.Series(np.datetime_as_string(first + days.fillna(0).to_numpy(int), unit="D"),
                     index=people)
    return text.where(days.notna(), "")


def _user_detail(world: DemoWorld, events: pd.DataFrame) -> list[Path]:
    org, seats = world.org, world.seats
    t = [x.name for x in TOOLS].index(TOOL)
    first = np.datetime64(world.first, "D")
    out = []
    for m in range(max(world.months - 3, 0), world.months):
        refresh = add_months(world.first, m + 1) - dt.timedelta(days=1)
        r = np.datetime64(refresh, "D")
        held = ((seats.tool == t) & (seats.assigned_on <= r)
                & (np.isnat(seats.removed_on) | (seats.removed_on > r)))
        people = np.unique(seats.person[held])
        people = people[np.isnat(org.end_date[people]) | (org.end_date[people] >= r)]
        upto = events[events["day"] <= (r - first).astype(int)]
        last = upto.groupby("person")["day"].max()
        per_app = upto.groupby(["person", "feature"])["day"].max().unstack()
        frame = pd.DataFrame({c: "" for c in USER_DETAIL_COLUMNS}, index=people)
        frame["Report Refresh Date"] = refresh.isoformat()
        frame["User Principal Name"] = org.emails[people]
        frame["Display Name"] = org.names[people]
        frame["Report Period"] = str(PERIOD)

        frame["Last Activity Date"] = _dates_text(last, people, first)
        for feature, (header, _) in APPS.items():
            if feature in per_app.columns:
                frame[header] = _dates_text(per_app[feature], people, first)
        path = world.out / f"m365_copilot_usage_user_detail_{refresh.isoformat()}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        out.append(path)
    return out


def _person_hash(world: DemoWorld, emails: np.ndarray) -> np.ndarray:
    def one(e: str) -> str:
        h = hashlib.sha256(f"viva-demo:{world.seed}:{e}".encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return np.array([one(e) for e in emails], dtype=object)


def _viva(world: DemoWorld, events: pd.DataFrame) -> list[Path]:
    org = world.org
    first = np.datetime64(world.first, "D")
    # the last complete week starting on a Sunday
    last_sunday = world.last_day - dt.timedelta(days=(world.last_day.weekday() + 1) % 7)
    if last_sunday + dt.timedelta(days=6) > world.last_day:
        last_sunday -= dt.timedelta(days=7)
    n_weeks = min(VIVA_WEEKS, (last_sunday - world.first).days // 7 + 1)
    if n_weeks <= 0:
        return []
    starts = [last_sunday - dt.timedelta(days=7 * k) for k in range(n_weeks)][::-1]
    week0 = (np.datetime64(starts[0], "D") - first).astype(int)
    ev = events[events["day"] >= week0].assign(week=lambda d: (d["day"] - week0) // 7)
    ev = ev[ev["week"] < n_weeks]
    actions = ev.groupby(["person", "week", "feature"])["count"].sum().unstack(fill_value=0)
    snapshots = [np.datetime64(s, "D") for s in org.snapshot_dates]
    roles_super = np.where(org.is_head, "Manager+", np.where(org.is_lead, "Manager", "IC"))
    rows = []
    for w, start in enumerate(starts):
        s = np.datetime64(start, "D")
        k = max(i for i, d in enumerate(snapshots) if d <= s) if snapshots[0] <= s else 0
        team = np.where(org.team_at[k] >= 0, org.team_at[k], org.home_team)
        employed = (org.start_date <= s + 6) & (np.isnat(org.end_date) | (org.end_date >= s))
        listed = (org.team_at >= 0).any(axis=0)
        people = np.flatnonzero(employed & listed)
        rows.append(pd.DataFrame({"person": people, "week": w, "team": team[people]}))
    frame = pd.concat(rows, ignore_index=True)
    frame = frame.join(actions, on=["person", "week"]).fillna(0)
    rng = world.rng("viva")
    p = frame["person"].to_numpy()
    out = pd.DataFrame({
        "PersonId": _person_hash(world, org.emails[p]),
        "MetricDate": [f"{d.month}/{d.day}/{d.year}" for d in
                       (starts[w] for w in frame["week"])],
        "Organization": np.array(org.teams, dtype=object)[frame["team"].to_numpy()],
        "FunctionType": np.array(org.departments, dtype=object)[
            org.team_department[frame["team"].to_numpy()]],
        "LevelDesignation": org.roles[p],
        "SupervisorIndicator": roles_super[p],
        "Email": org.emails[p],
        "Collaboration hours": np.round(rng.gamma(6.0, 3.5, len(frame)), 2),
    })
    total = np.zeros(len(frame))
    for feature, (_, app) in APPS.items():
        values = (frame[feature].to_numpy() if feature in frame.columns
                  else np.zeros(len(frame))).astype(int)
        out[f"Copilot actions taken in {app}"] = values
        total += values
    out.insert(8, "Total Copilot actions taken", total.astype(int))
    out = out.sort_values(["MetricDate", "PersonId"], key=lambda s: (
        pd.to_datetime(s, format="%m/%d/%Y") if s.name == "MetricDate" else s), kind="stable")
    path = world.out / f"viva_person_query_{starts[0].isoformat()}_{starts[-1].isoformat()}.csv"
    out.to_csv(path, index=False, lineterminator="\r\n")
    return [path]


def _entra(world: DemoWorld) -> list[Path]:
    org = world.org
    last = np.datetime64(world.last_day, "D")
    listed = np.flatnonzero(org.team_at[2] >= 0)
    gone = ~np.isnat(org.end_date[listed]) & (org.end_date[listed] < last)
    team = org.team_at[2, listed]
    given = np.array([n.split(" ", 1)[0] for n in org.names[listed]], dtype=object)
    surname = np.array([n.split(" ", 1)[-1] for n in org.names[listed]], dtype=object)
    rng = world.rng("entra")
    ids = [f"{x:032x}" for x in rng.integers(0, 2**62, len(listed) + 20)]
    members = pd.DataFrame({
        "userPrincipalName": org.emails[listed], "displayName": org.names[listed],
        "surname": surname, "mail": org.emails[listed], "givenName": given,
        "objectId": ids[:len(listed)], "userType": "Member",
        "jobTitle": org.roles[listed],
        "department": np.array(org.departments, dtype=object)[org.team_department[team]],
        "accountEnabled": np.where(gone, "False", "True"),
        "physicalDeliveryOfficeName": org.locations[listed], "city": org.locations[listed],
    })
    guests = [(e, e.split("@")[0].replace("ext.", "").replace(".", " ").title())
              for e in CONTRACTOR_EMAILS]
    guests += [(f"{n.lower().replace(' ', '.')}@partner.example.org", n)
               for n in ("Jo Partner", "Kim Advisor", "Lou Auditor")]
    other = [{"userPrincipalName": e.replace("@", "_") + "#EXT#@example.onmicrosoft.com",
              "displayName": n, "surname": n.split(" ")[-1], "mail": e,
              "givenName": n.split(" ")[0], "userType": "Guest", "accountEnabled": "True"}
             for e, n in guests]
    other += [{"userPrincipalName": u, "displayName": d, "mail": u if mail else "",
               "userType": "Member", "accountEnabled": "True"}
              for u, d, mail in (("svc-backup@example.com", "Backup Service", False),
                                 ("svc-scanner@example.com", "Scan to Mail", False),
                                 ("noreply@example.com", "No Reply", True),
                                 ("admin-it@example.com", "IT Administration", True))]
    other += [{"userPrincipalName": u, "displayName": d, "mail": u, "userType": "Member",
               "accountEnabled": "True", "department": "Facilities"}
              for u, d in (("room.berlin.101@example.com", "Room Berlin 1.01"),
                           ("room.paris.board@example.com", "Boardroom Paris"),
                           ("projector.hamburg@example.com", "Projector Hamburg"))]
    extra = pd.DataFrame(other)
    extra["objectId"] = ids[len(listed):len(listed) + len(extra)]
    frame = pd.concat([members, extra], ignore_index=True)
    columns = ["userPrincipalName", "displayName", "surname", "mail", "givenName", "objectId",
               "userType", "jobTitle", "department", "accountEnabled", "usageLocation",
               "streetAddress", "state", "country", "physicalDeliveryOfficeName", "city",
               "postalCode", "telephoneNumber", "mobile", "authenticationPhoneNumber",
               "authenticationAlternativePhoneNumber", "authenticationEmail",
               "alternateEmailAddress", "ageGroup", "consentProvidedForMinor",
               "legalAgeGroupClassification"]
    frame = frame.reindex(columns=columns).astype(object).fillna("")
    d = world.last_day
    path = world.out / f"exportUsers_{d.year}-{d.month}-{d.day}.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return [path]


def write(world: DemoWorld) -> list[Path]:
    """Write the Microsoft exports of the demo organisation; returns the files written."""
    events = _ms_events(world)
    return [*_user_detail(world, events), *_viva(world, events), *_entra(world),
            write_copilot_chat(world)]
