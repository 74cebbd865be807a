"""Proxy logs of the demo organisation: sanctioned AI traffic, a little shadow AI, and a team
whose unsanctioned use grows.

Files (in the demo inbox):

- ``proxy_access_<first>_<last>.log``: Squid's native access.log for the first half of the
  months (IPv4 and IPv6 clients, CONNECT tunnels, a few ``TCP_DENIED/407`` challenges and
  ``NONE_NONE/000`` lines, device-only lines with user ``-``);
- ``proxy_<first>_<last>.csv``: the generic proxy CSV for the second half.

The story (module constants, for tests and alert rules):

- Sanctioned traffic: a sample of ChatGPT Enterprise and GitHub Copilot seat holders' usage
  days shows up as ``chatgpt.com`` and GitHub Copilot hosts, always while they hold the seat.
- :data:`SHADOW_GROWTH_TEAM` uses unsanctioned services at about
  :data:`GROWTH_BASE_SHARE` of its people until the last ``len(GROWTH_SHARES)`` months, when
  the share climbs to :data:`GROWTH_SHARES` (people who start keep going), so its growth is
  beyond noise month over month in the full demo (and over three months in a 600-person one).
- Every other team is stable: :data:`STABLE_PRONE_SHARE` of people are prone to shadow AI and
  use it in a given month with probability :data:`STABLE_MONTHLY_USE` (about 4 % flat).
- :data:`SHADOW_SERVICES` are used throughout; :data:`FIRST_SEEN_SERVICE` appears for the
  first time ``FIRST_SEEN_MONTHS_BEFORE_END`` months before the end (see :func:`story_months`).
- Kiosk devices (no user) send a few requests to AI services every month.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import numpy as np
import pandas as pd

from adoption.demo.story import TOOLS, add_months
from adoption.demo.world import DemoWorld

__all__ = [
    "FIRST_SEEN_MONTHS_BEFORE_END",
    "FIRST_SEEN_SERVICE",
    "GROWTH_BASE_SHARE",
    "GROWTH_SHARES",
    "SHADOW_GROWTH_TEAM",
    "SHADOW_SERVICES",
    "STABLE_MONTHLY_USE",
    "STABLE_PRONE_SHARE",
    "story_months",
    "write",
]

#: the mid-size Operations team whose unsanctioned AI use grows over the last months
SHADOW_GROWTH_TEAM = "Supply Chain"
#: its share of people using unsanctioned AI before the growth
GROWTH_BASE_SHARE = 0.02
#: its share in each of the last months (growth starts len(GROWTH_SHARES) months before the end)
GROWTH_SHARES = (0.22, 0.42, 0.62, 0.80)
#: other teams: share of people prone to shadow AI, and their chance of using it in a month
STABLE_PRONE_SHARE = 0.05
STABLE_MONTHLY_USE = 0.85
#: unsanctioned services used all year: (catalogue name, host) and their weights
SHADOW_SERVICES = ("Claude", "Gemini", "Perplexity", "Midjourney")
_SHADOW_HOSTS = ("claude.ai", "gemini.google.com", "www.perplexity.ai", "www.midjourney.com")
_SHADOW_WEIGHTS = (0.35, 0.3, 0.25, 0.1)
#: a service nobody used before, first seen this many months before the end
FIRST_SEEN_SERVICE = "DeepSeek"
FIRST_SEEN_MONTHS_BEFORE_END = 2
_FIRST_SEEN_HOST = "chat.deepseek.com"
_FIRST_SEEN_USERS = 12
#: share of sanctioned usage days (ChatGPT Enterprise, GitHub Copilot) written to the logs
SANCTIONED_SAMPLE = 0.05
_SANCTIONED_HOSTS = {"ChatGPT Enterprise": ("chatgpt.com", "chatgpt.com", "ab.chatgpt.com"),
                     "GitHub Copilot": ("copilot-proxy.githubusercontent.com",
                                        "api.githubcopilot.com",
                                        "api.individual.githubcopilot.com")}
_OTHER_HOSTS = ("www.google.com", "outlook.office365.com", "teams.microsoft.com",
                "github.com", "slack.com", "www.wikipedia.org", "www.bbc.co.uk",
                "login.microsoftonline.com", "www.linkedin.com", "notopenai.com")
_OTHER_LINES_PER_MONTH = 900
_KIOSKS = ("10.99.0.11", "10.99.0.12", "2001:db8:99::21")
_KIOSK_LINES_PER_MONTH = 25
TIME_ZONE = "Europe/Berlin"


def story_months(first: dt.date, months: int) -> dict[str, object]:
    """Month labels of the story: growth months and the month the new service appears."""
    labels = [f"{add_months(first, m):%Y-%m}" for m in range(months)]
    return {"growth_months": tuple(labels[-len(GROWTH_SHARES):]),
            "before_growth": labels[-len(GROWTH_SHARES) - 1],
            "first_seen_month": labels[-FIRST_SEEN_MONTHS_BEFORE_END]}


def _month_bounds(first: dt.date, months: int) -> np.ndarray:
    day0 = np.datetime64(first, "D")
    return np.array([(np.datetime64(add_months(first, m), "D") - day0).astype(int)
                     for m in range(months + 1)])


def _utc_offsets(first: dt.date, n_days: int) -> np.ndarray:
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    out = []
    for i in range(n_days):
        d = first + dt.timedelta(days=i)
        out.append(int(dt.datetime(d.year, d.month, d.day, 12, tzinfo=zone)
                       .utcoffset().total_seconds()))
    return np.array(out)


def _team_at_month(world: DemoWorld, m: int) -> np.ndarray:
    """Team index of every person in month ``m`` (-1: not listed), from the roster snapshots."""
    org = world.org
    month_start = add_months(world.first, m)
    k = max(i for i, d in enumerate(org.snapshot_dates) if d <= month_start)
    return org.team_at[k]


def _employed_days(world: DemoWorld, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    day0 = np.datetime64(world.first, "D")
    date = day0 + day
    end = world.org.end_date[person]
    return (world.org.start_date[person] <= date) & (np.isnat(end) | (end >= date))


def _shadow_use(world: DemoWorld, rng: np.random.Generator, workdays: list[np.ndarray]
                ) -> pd.DataFrame:
    """Person x day x service of unsanctioned use (one row per request)."""
    org = world.org
    n = org.size
    growth = org.teams.index(SHADOW_GROWTH_TEAM)
    u = rng.random(n)
    prone = rng.random(n) < STABLE_PRONE_SHARE
    favourite = rng.choice(len(_SHADOW_HOSTS), n, p=_SHADOW_WEIGHTS)
    start_growth = world.months - len(GROWTH_SHARES)
    first_seen_month = world.months - FIRST_SEEN_MONTHS_BEFORE_END
    parts = []
    for m in range(world.months):  # one pass per month
        team = _team_at_month(world, m)
        share = GROWTH_SHARES[m - start_growth] if m >= start_growth else GROWTH_BASE_SHARE
        in_growth = team == growth
        active = np.where(in_growth, u < share,
                          (team >= 0) & prone & (rng.random(n) < STABLE_MONTHLY_USE))
        people = np.flatnonzero(active)
        days_each = 1 + rng.poisson(np.where(in_growth[people], 4.0, 2.0))
        person = np.repeat(people, days_each)
        day = rng.choice(workdays[m], len(person))
        service = favourite[person]
        if m >= first_seen_month:  # a handful of people try the new service
            newcomers = rng.choice(np.flatnonzero(team >= 0), _FIRST_SEEN_USERS, replace=False)
            person = np.concatenate([person, newcomers])
            day = np.concatenate([day, rng.choice(workdays[m], len(newcomers))])
            service = np.concatenate([service, np.full(len(newcomers), len(_SHADOW_HOSTS))])
        requests = 1 + rng.poisson(1.5, len(person))
        parts.append(pd.DataFrame({"person": np.repeat(person, requests),
                                   "day": np.repeat(day, requests),
                                   "service": np.repeat(service, requests)}))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[_employed_days(world, frame["person"].to_numpy(), frame["day"].to_numpy())]
    hosts = np.array([*_SHADOW_HOSTS, _FIRST_SEEN_HOST], dtype=object)
    return pd.DataFrame({"person": frame["person"].to_numpy(), "day": frame["day"].to_numpy(),
                         "host": hosts[frame["service"].to_numpy()]})


def _sanctioned_use(world: DemoWorld, rng: np.random.Generator) -> pd.DataFrame:
    """A sample of seat holders' usage days of ChatGPT Enterprise and GitHub Copilot."""
    ev = world.events
    names = [t.name for t in TOOLS]
    parts = []
    for tool, hosts in _SANCTIONED_HOSTS.items():
        t = names.index(tool)
        pick = np.flatnonzero((ev.tool == t) & (ev.person < world.org.size))
        days = pd.DataFrame({"person": ev.person[pick], "day": ev.day[pick]}).drop_duplicates()
        days = days[rng.random(len(days)) < SANCTIONED_SAMPLE]
        # only while holding a seat of the tool (not the few who use it without one)
        s = world.seats
        held = pd.DataFrame({
            "person": s.person[s.tool == t],
            "on": (s.assigned_on[s.tool == t] - np.datetime64(world.first, "D")).astype(int),
            "off": np.where(np.isnat(s.removed_on[s.tool == t]), 10**6,
                            (s.removed_on[s.tool == t] - np.datetime64(world.first, "D"))
                            .astype("int64"))})
        both = days.reset_index(drop=True).reset_index().merge(held, on="person")
        ok = both.loc[(both["day"] >= both["on"]) & (both["day"] <= both["off"]), "index"]
        days = days.reset_index(drop=True).loc[np.unique(ok.to_numpy())]
        requests = 1 + rng.poisson(2.0, len(days))
        host_pick = rng.integers(0, len(hosts), int(requests.sum()))
        parts.append(pd.DataFrame({"person": np.repeat(days["person"].to_numpy(), requests),
                                   "day": np.repeat(days["day"].to_numpy(), requests),
                                   "host": np.array(hosts, dtype=object)[host_pick]}))
    return pd.concat(parts, ignore_index=True)


def _other_use(world: DemoWorld, rng: np.random.Generator, workdays: list[np.ndarray]
               ) -> pd.DataFrame:
    parts = []
    for m in range(world.months):
        listed = np.flatnonzero(_team_at_month(world, m) >= 0)
        person = rng.choice(listed, _OTHER_LINES_PER_MONTH)
        parts.append(pd.DataFrame({"person": person,
                                   "day": rng.choice(workdays[m], len(person)),
                                   "host": rng.choice(np.array(_OTHER_HOSTS, dtype=object),
                                                      len(person))}))
    frame = pd.concat(parts, ignore_index=True)
    return frame[_employed_days(world, frame["person"].to_numpy(), frame["day"].to_numpy())]


def _kiosk_use(world: DemoWorld, rng: np.random.Generator, workdays: list[np.ndarray]
               ) -> pd.DataFrame:
    parts = []
    for m in range(world.months):
        k = _KIOSK_LINES_PER_MONTH
        parts.append(pd.DataFrame({
            "person": -1 - rng.integers(0, len(_KIOSKS), k),
            "day": rng.choice(workdays[m], k),
            "host": rng.choice(np.array(["www.perplexity.ai", "chatgpt.com", "claude.ai"],
                                        dtype=object), k)}))
    return pd.concat(parts, ignore_index=True)


def _client_ips(n: int, rng: np.random.Generator) -> np.ndarray:
    """One address per person: mostly IPv4, some IPv6."""
    v4 = np.array([f"10.{20 + i // 62500}.{i // 250 % 250}.{i % 250 + 2}" for i in range(n)],
                  dtype=object)
    v6 = np.array([f"2001:db8:20::{i:x}" for i in range(n)], dtype=object)
    return np.where(rng.random(n) < 0.15, v6, v4)


def write(world: DemoWorld) -> list[Path]:
    """Write the demo's proxy logs (Squid native, then generic CSV); see the module docstring."""
    rng = world.rng("discovery")
    bounds = _month_bounds(world.first, world.months)
    weekday = (np.arange(bounds[-1]) + world.first.weekday()) % 7 < 5
    workdays = [np.flatnonzero(weekday[bounds[m]:bounds[m + 1]]) + bounds[m]
                for m in range(world.months)]
    lines = pd.concat([_sanctioned_use(world, rng), _shadow_use(world, rng, workdays),
                       _other_use(world, rng, workdays), _kiosk_use(world, rng, workdays)],
                      ignore_index=True)
    offsets = _utc_offsets(world.first, int(bounds[-1]))
    hours = rng.normal(12.5, 2.5, len(lines))
    odd = (hours < 7.0) | (hours > 19.5)
    hours[odd] = rng.uniform(8.0, 18.0, odd.sum())
    local = hours * 3600
    epoch0 = dt.datetime(world.first.year, world.first.month, world.first.day,
                         tzinfo=dt.UTC).timestamp()
    day = lines["day"].to_numpy()
    lines["epoch"] = epoch0 + day * 86400 + local - offsets[day] + rng.random(len(lines))
    lines = lines.sort_values("epoch", kind="stable").reset_index(drop=True)
    person = lines["person"].to_numpy()
    is_kiosk = person < 0
    emails = np.append(world.org.emails, "").astype(object)
    ips = _client_ips(world.org.size, rng)
    lines["user"] = np.where(is_kiosk, "-", emails[np.where(is_kiosk, -1, person)])
    lines["client"] = np.where(is_kiosk, np.array(_KIOSKS, dtype=object)[(-1 - person) % 3],
                               ips[np.maximum(person, 0)])
    lines["bytes"] = rng.integers(300, 60000, len(lines))
    half_day = (np.datetime64(add_months(world.first, world.months // 2), "D")
                - np.datetime64(world.first, "D")).astype(int)
    first_half = lines["day"].to_numpy() < half_day

    def label(m0: int, m1: int) -> str:
        return f"{add_months(world.first, m0):%Y-%m}_{add_months(world.first, m1):%Y-%m}"

    half = world.months // 2
    squid = world.out / f"proxy_access_{label(0, half - 1)}.log"
    _write_squid(lines[first_half].reset_index(drop=True), squid, rng)
    csv_path = world.out / f"proxy_{label(half, world.months - 1)}.csv"
    _write_csv(lines[~first_half].reset_index(drop=True), csv_path, rng)
    return [squid, csv_path]


def _write_squid(lines: pd.DataFrame, path: Path, rng: np.random.Generator) -> None:
    n = len(lines)
    tunnel = rng.random(n) < 0.85
    user = lines["user"].to_numpy(dtype=object).copy()
    encoded = rng.random(n) < 0.1  # Squid percent-encodes some user names
    user[encoded & (user != "-")] = np.char.replace(
        user[encoded & (user != "-")].astype(str), "@", "%40").astype(object)
    host = lines["host"].to_numpy(dtype=object)
    url = np.where(tunnel, host + ":443", "http://" + host + "/")
    method = np.where(tunnel, "CONNECT", "GET")
    code = np.where(tunnel, "TCP_TUNNEL/200", "TCP_MISS/200")
    text = pd.Series([
        f"{t:.3f} {e:6d} {c} {k} {b} {mth} {u} {usr} HIER_DIRECT/104.18.{i % 250}.{i % 97} -"
        for t, e, c, k, b, mth, u, usr, i in zip(
            lines["epoch"], rng.integers(5, 4000, n), lines["client"], code, lines["bytes"],
            method, url, user, range(n), strict=True)])
    # proxy-authentication challenges before some tunnels, and clients that hung up
    extra_at = np.sort(rng.choice(n, max(n // 200, 1), replace=False))
    extra = [f"{lines['epoch'].iloc[i] - 0.05:.3f}      0 {lines['client'].iloc[i]} "
             f"TCP_DENIED/407 3900 CONNECT {lines['host'].iloc[i]}:443 - HIER_NONE/- text/html"
             if k % 2 else
             f"{lines['epoch'].iloc[i] - 0.05:.3f}      0 {lines['client'].iloc[i]} "
             "NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -"
             for k, i in enumerate(extra_at)]
    out = np.insert(text.to_numpy(dtype=object), extra_at, np.array(extra, dtype=object))
    path.write_text("\n".join(out) + "\n", encoding="utf-8", newline="\n")


def _write_csv(lines: pd.DataFrame, path: Path, rng: np.random.Generator) -> None:
    stamp = pd.to_datetime(lines["epoch"], unit="s", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    https = rng.random(len(lines)) < 0.9
    url = np.where(https, "https://" + lines["host"] + "/", lines["host"] + ":443")
    frame = pd.DataFrame({"timestamp": stamp, "user": lines["user"].replace("-", ""),
                          "client_ip": lines["client"], "url": url, "action": "allowed",
                          "bytes": lines["bytes"]})
    frame.to_csv(path, index=False, lineterminator="\n")
