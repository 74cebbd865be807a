"""Demo survey waves: three pulses of the default instrument, exported as the tools do.

- ``survey_2026-03_qualtrics.csv``: Qualtrics CSV (three header rows, BOM, choice text with
  Qualtrics' "Somewhat agree" wording, the ADKAR statements as one matrix question), with two
  preview/test rows, partial responses and one duplicate submission;
- ``survey_2026-06_surveymonkey.csv``: SurveyMonkey CSV (two header rows, matrix and one
  column per multiple-choice option), with one duplicate;
- ``survey_2026-09_forms.xlsx``: Microsoft Forms workbook (Excel dates, ``;``-joined
  multi-select).

Wave dates are the last response of each export (2026-03-16, 2026-06-15, 2026-09-14); the wave
names default to their ``YYYY-MM``, so the files ingest without options. Responses come from
about 60 % of the people employed on the wave date (and, in wave 2, one contractor who is not
on the roster: an unmatched respondent). The story: :data:`KNOWLEDGE_STUCK_TEAM`
is aware and willing but scores low on knowledge in every wave; :data:`SENTIMENT_DROP_TEAM`'s
usefulness and NPS fall clearly from the second to the third wave; :data:`TINY_TEAM` (three
people) answers but stays under any minimum group size; people active in the tools in the 30
days before a wave answer somewhat more favourably. Comments include e-mail addresses, phone
numbers and roster names (to be redacted on output) and non-ASCII text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np

from adoption.demo.story import CONTRACTOR_EMAILS, TOOLS
from adoption.demo.world import DemoWorld

__all__ = [
    "KNOWLEDGE_STUCK_TEAM",
    "RESPONSE_RATE",
    "SENTIMENT_DROP_TEAM",
    "TINY_TEAM",
    "WAVE_DATES",
    "write",
]

KNOWLEDGE_STUCK_TEAM = "DACH Sales"
SENTIMENT_DROP_TEAM = "Mobile"
TINY_TEAM = "Treasury"
#: the last response day of each wave (the wave date)
WAVE_DATES = (dt.date(2026, 3, 16), dt.date(2026, 6, 15), dt.date(2026, 9, 14))
#: share of employed people who answer a wave
RESPONSE_RATE = 0.6
#: how many days each wave is open (responses fall in the days up to the wave date)
FIELD_DAYS = 14
#: a contractor who answers wave 2 without being on the roster (an unmatched respondent)
CONTRACTOR_EMAIL = CONTRACTOR_EMAILS[0]

_AGREE5 = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
           "Strongly agree")
_QUALTRICS_AGREE = ("Strongly disagree", "Somewhat disagree", "Neither agree nor disagree",
                    "Somewhat agree", "Strongly agree")
_FREQ = ("Never", "Rarely", "Sometimes", "Often", "Always")
_MATRIX = "Please rate how much you agree with each statement."

#: item id -> (construct, reverse) of the likert items, in questionnaire order
_LIKERT = {
    "aw_why": ("awareness", False), "aw_goals": ("awareness", False),
    "aw_unclear": ("awareness", True), "de_want": ("desire", False),
    "de_support": ("desire", False), "kn_how": ("knowledge", False),
    "kn_training": ("knowledge", False), "kn_lost": ("knowledge", True),
    "ab_apply": ("ability", False), "ab_time": ("ability", False),
    "re_recognised": ("reinforcement", False), "re_manager": ("reinforcement", False),
    "pu_faster": ("usefulness", False), "pu_quality": ("usefulness", False),
    "eu_easy": ("ease_of_use", False), "eu_effort": ("ease_of_use", True),
    "tr_output": ("trust", False), "tr_check": ("trust", False),
    "rk_data": ("risk", True), "rk_rules": ("risk", False),
}
#: mean answers of an average respondent (before the active/inactive shift); most teams end
#: up around 60-80% favourable, so that the designed teams stand out
_BASE = {"awareness": 4.3, "desire": 4.2, "knowledge": 4.05, "ability": 4.0,
         "reinforcement": 3.95, "usefulness": 4.1, "ease_of_use": 4.0, "trust": 3.8,
         "risk": 3.7}

_HELPS = (
    "The prompt workshop in {city} was really useful.",
    "Pairing with {name} on real tickets helped most.",
    "{first}'s lunch-and-learn sessions — short and practical.",
    "Examples from colleagues in São Paulo and {last}'s cheat sheet.",
    "Office hours; you can reach me at {email} if you want details.",
    "Honestly just trying it on my own backlog.",
    "The internal wiki page with good prompts.",
    "Having Copilot inside the editor I already use.",
    "Ask {name}, she set up our team's prompt library.",
    "Call me on +49 30 1234 5678 and I can explain what worked for us.",
)
_CHANGE = (
    "More training for non-technical roles, please.",
    "Clearer rules on what data we may paste in.",
    "Licences for everyone in the team, not just half of us.",
    "Stop changing the tools every quarter.",
    "The answers are often wrong for our domain; it costs time to check.",
    "Contact {email} about the procurement delays.",
    "Give us time to learn — deadlines did not move.",
    "Crédit to the pilot group, but we need a German-language course (Schulung auf Deutsch).",
    "My manager {name} never mentions it; leadership should show how they use it.",
    "Support line +44 20 7946 0958 was not helpful.",
)


def _employed(world: DemoWorld, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """People employed on ``day`` and their team index (from the snapshot in effect)."""
    org = world.org
    k = max(i for i, d in enumerate(org.snapshot_dates) if d <= day)
    d64 = np.datetime64(day, "D")
    ok = ((org.team_at[k] >= 0) & (org.start_date <= d64)
          & (np.isnat(org.end_date) | (org.end_date >= d64)))
    people = np.flatnonzero(ok)
    return people, org.team_at[k, people]


def _active(world: DemoWorld, day: dt.date) -> tuple[np.ndarray, dict[int, set[str]]]:
    """Who had any event in the 30 days before ``day``, and which tools each used."""
    offset = (np.datetime64(day, "D") - np.datetime64(world.first, "D")).astype(int)
    ev = world.events
    window = (ev.day >= offset - 30) & (ev.day < offset) & (ev.person < world.org.size)
    active = np.zeros(world.org.size, dtype=bool)
    active[ev.person[window]] = True
    tools: dict[int, set[str]] = {}
    for person, tool in set(zip(ev.person[window].tolist(), ev.tool[window].tolist(),
                                strict=True)):
        tools.setdefault(person, set()).add(TOOLS[tool].name)
    return active, tools


def _means(team: str, wave: int, active: bool) -> dict[str, float]:
    """Mean answer per construct (1-5, favourable direction) for one respondent."""
    out = {c: m + 0.08 * wave + (0.3 if active else -0.15) for c, m in _BASE.items()}
    if team == KNOWLEDGE_STUCK_TEAM:
        out.update(awareness=4.5, desire=4.4, knowledge=2.1, ability=2.5)
    if team == SENTIMENT_DROP_TEAM:
        if wave < 2:
            out.update(usefulness=4.3, ease_of_use=4.1)
        else:
            out.update(usefulness=2.3, ease_of_use=2.8, trust=2.5)
    return out


def _respond(rng: np.random.Generator, team: str, wave: int, active: bool
             ) -> dict[str, int | None]:
    """One respondent's answers: likert 1-5 as ticked (reverse items flipped), NPS 0-10."""
    means = _means(team, wave, active)
    person = rng.normal(0, 0.35)
    out: dict[str, int | None] = {}
    for item, (construct, reverse) in _LIKERT.items():
        value = int(np.clip(np.rint(means[construct] + person + rng.normal(0, 0.7)), 1, 5))
        out[item] = 6 - value if reverse else value
        if rng.random() < 0.03:
            out[item] = None  # "Prefer not to say" or left blank
    nps_mean = 2.2 * means["usefulness"] - 0.6
    out["nps"] = int(np.clip(np.rint(nps_mean + 2 * person + rng.normal(0, 1.3)), 0, 10))
    freq = 4 if active else 2
    out["fq_use"] = int(np.clip(freq + rng.integers(-1, 2), 1, 5))
    return out


def _comment(rng: np.random.Generator, pool: tuple[str, ...], world: DemoWorld) -> str:
    org = world.org
    text = pool[int(rng.integers(len(pool)))]
    who = int(rng.integers(org.size))
    first, _, last = str(org.names[who]).partition(" ")  # a colleague by first or last name
    return text.format(name=str(org.names[who]), first=first, last=last,
                       email=str(org.emails[who]), city=str(org.locations[who]))


def _sample(world: DemoWorld, rng: np.random.Generator, wave: int) -> list[dict]:
    """The respondents of one wave, with their answers and submit times (local, naive)."""
    day = WAVE_DATES[wave]
    people, teams = _employed(world, day)
    active, tools = _active(world, day)
    answer = rng.random(len(people)) < RESPONSE_RATE
    tiny = np.array([world.org.teams[t] == TINY_TEAM for t in teams])
    answer |= tiny  # the tiny team answers in full: below the threshold, answers present
    out = []
    for person, team_ix in zip(people[answer], teams[answer], strict=True):
        team = world.org.teams[int(team_ix)]
        days_before = int(rng.integers(0, FIELD_DAYS))
        start = dt.datetime.combine(day - dt.timedelta(days=days_before),
                                    dt.time(8)) + dt.timedelta(minutes=int(rng.integers(0, 600)))
        duration = int(rng.integers(150, 900))
        used = sorted(tools.get(int(person), set()))
        out.append({
            "person": int(person), "team": team, "active": bool(active[person]),
            "answers": _respond(rng, team, wave, bool(active[person])),
            "start": start, "end": start + dt.timedelta(seconds=duration),
            "duration": duration,
            "helps": _comment(rng, _HELPS, world) if rng.random() < 0.35 else "",
            "change": _comment(rng, _CHANGE, world) if rng.random() < 0.3 else "",
            "tools": used or ["None"], "finished": True, "progress": 100,
        })
    # the last response falls on the wave date itself
    last = max(range(len(out)), key=lambda i: out[i]["end"])
    end = dt.datetime.combine(day, dt.time(16, 45))
    out[last]["end"], out[last]["start"] = end, end - dt.timedelta(seconds=out[last]["duration"])
    out.sort(key=lambda r: r["end"])
    return out


def _partial(resp: dict, rng: np.random.Generator, *, answered: int) -> dict:
    """A copy of ``resp`` abandoned after ``answered`` likert items."""
    keep = list(_LIKERT)[:answered]
    answers = {k: (v if k in keep else None) for k, v in resp["answers"].items()}
    answers["nps"] = None
    answers["fq_use"] = None
    return {**resp, "answers": answers, "finished": False,
            "progress": int(100 * answered / 25), "helps": "", "change": "", "tools": []}


def _person(world: DemoWorld, resp: dict) -> tuple[str, str, str]:
    if resp["person"] < 0:
        return "Maria", "González", CONTRACTOR_EMAIL
    name = str(world.org.names[resp["person"]])
    first, _, last = name.partition(" ")
    return first, last, str(world.org.emails[resp["person"]])


def _csv_text(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def _texts() -> dict[str, str]:
    from adoption.surveys.instrument import load_instrument

    return {it.id: it.text for it in load_instrument().items}


# --------------------------------------------------------------------------------------------
# wave 1: Qualtrics


def _write_qualtrics(world: DemoWorld, rng: np.random.Generator, path: Path) -> Path:
    texts = _texts()
    resp = _sample(world, rng, 0)
    # extras: a preview, a test, two partials (one with answers), a duplicate submission
    extra = [{**resp[0], "channel": "preview", "status": "Survey Preview"},
             {**resp[1], "channel": "test", "status": "Survey Test"}]
    resp[2] = _partial(resp[2], rng, answered=6)  # abandoned, some items answered: kept
    resp[3] = _partial(resp[3], rng, answered=0)  # abandoned before any item: rejected
    first = {**resp[4], "end": resp[4]["end"] - dt.timedelta(days=2),
             "start": resp[4]["start"] - dt.timedelta(days=2),
             "answers": _respond(rng, resp[4]["team"], 0, resp[4]["active"])}
    rows_resp = resp + extra + [first]
    rows_resp.sort(key=lambda r: r["end"])
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientLastName",
            "RecipientFirstName", "RecipientEmail", "ExternalReference", "LocationLatitude",
            "LocationLongitude", "DistributionChannel", "UserLanguage"]
    matrix = [i for i in _LIKERT if _LIKERT[i][0] in
              ("awareness", "desire", "knowledge", "ability", "reinforcement")]
    single = [i for i in _LIKERT if i not in matrix]
    qcols: list[tuple[str, str, str, str]] = []  # (column id, text, import id, item)
    for j, item in enumerate(matrix, start=1):
        qcols.append((f"Q1_{j}", f"{_MATRIX} - {texts[item]}", f"QID1_{j}", item))
    for j, item in enumerate(single, start=2):
        qcols.append((f"Q{j}", texts[item], f"QID{j}", item))
    n = len(single) + 2
    qcols += [(f"Q{n}", texts["fq_use"], f"QID{n}", "fq_use"),
              (f"Q{n + 1}", texts["nps"], f"QID{n + 1}", "nps"),
              (f"Q{n + 2}", texts["tools_used"], f"QID{n + 2}", "tools_used"),
              (f"Q{n + 3}", texts["cm_helps"], f"QID{n + 3}_TEXT", "cm_helps"),
              (f"Q{n + 4}", texts["cm_change"], f"QID{n + 4}_TEXT", "cm_change")]
    header1 = meta + [c for c, _, _, _ in qcols]
    header2 = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
               "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
               "Recipient Last Name", "Recipient First Name", "Recipient Email",
               "External Data Reference", "Location Latitude", "Location Longitude",
               "Distribution Channel", "User Language"] + [t for _, t, _, _ in qcols]
    header3 = [f'{{"ImportId":"{m.lower() if m != "ResponseId" else "_recordId"}"}}'
               for m in meta] + [f'{{"ImportId":"{q}"}}' for _, _, q, _ in qcols]
    rows = [header1, header2, header3]
    fmt = "%Y-%m-%d %H:%M:%S"
    for r in rows_resp:
        first_name, last, email = _person(world, r)
        a = r["answers"]
        cells = [r["start"].strftime(fmt), r["end"].strftime(fmt), r.get("status", "IP Address"),
                 "" if r.get("channel") else f"10.{rng.integers(256)}.{rng.integers(256)}.1",
                 str(r["progress"]), str(r["duration"]), "True" if r["finished"] else "False",
                 r["end"].strftime(fmt), "R_" + "".join(rng.choice(list(
                     "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), 15)),
                 last, first_name, email, "", "", "", r.get("channel", "email"), "EN"]
        for _, _, _, item in qcols:
            if item in _LIKERT:
                v = a.get(item)
                cells.append("" if v is None else _QUALTRICS_AGREE[v - 1])
            elif item == "fq_use":
                cells.append("" if a["fq_use"] is None else _FREQ[a["fq_use"] - 1])
            elif item == "nps":
                cells.append("" if a["nps"] is None else str(a["nps"]))
            elif item == "tools_used":
                cells.append(",".join(r["tools"]))
            else:
                cells.append(r["helps"] if item == "cm_helps" else r["change"])
        rows.append(cells)
    path.write_text("\ufeff" + _csv_text(rows), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# wave 2: SurveyMonkey


def _write_surveymonkey(world: DemoWorld, rng: np.random.Generator, path: Path) -> Path:
    texts = _texts()
    resp = _sample(world, rng, 1)
    dup = {**resp[-1], "end": resp[-1]["end"] - dt.timedelta(days=3),
           "start": resp[-1]["start"] - dt.timedelta(days=3),
           "answers": _respond(rng, resp[-1]["team"], 1, resp[-1]["active"])}
    # a contractor, not on the roster, answers too: kept and counted as unmatched
    outsider = {**resp[len(resp) // 2], "person": -1, "team": None,
                "answers": _respond(rng, "", 1, True)}
    rows_resp = sorted([*resp, dup, outsider], key=lambda r: r["end"])
    options = ["GitHub Copilot", "Microsoft 365 Copilot", "ChatGPT Enterprise", "Other", "None"]
    top = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
           "Email Address", "First Name", "Last Name", "Custom Data 1"]
    sub = [""] * len(top)
    likert = list(_LIKERT)
    top += ["How much do you agree with the following statements about AI tools at work?"]
    top += [""] * (len(likert) - 1)
    sub += [texts[i] for i in likert]
    top += [texts["fq_use"], texts["nps"], texts["tools_used"]] + [""] * (len(options) - 1)
    sub += ["Response", "Response"] + options
    top += [texts["cm_helps"], texts["cm_change"]]
    sub += ["Open-Ended Response", "Open-Ended Response"]
    rows = [top, sub]
    fmt = "%m/%d/%Y %I:%M:%S %p"
    for n, r in enumerate(rows_resp):
        first_name, last, email = _person(world, r)
        a = r["answers"]
        cells = [str(11490000000 + 7919 * n), "431877201", r["start"].strftime(fmt),
                 r["end"].strftime(fmt), f"192.168.{rng.integers(256)}.{rng.integers(256)}",
                 email, first_name, last, ""]
        for item in likert:
            v = a[item]
            cells.append(("Prefer not to say" if rng.random() < 0.5 else "") if v is None
                         else _AGREE5[v - 1])
        cells.append(_FREQ[a["fq_use"] - 1])
        cells.append(str(a["nps"]))
        cells += [o if o in r["tools"] else "" for o in options]
        cells += [r["helps"], r["change"]]
        rows.append(cells)
    path.write_text("\ufeff" + _csv_text(rows), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# wave 3: Microsoft Forms


def _write_forms(world: DemoWorld, rng: np.random.Generator, path: Path) -> Path:
    import openpyxl

    texts = _texts()
    resp = _sample(world, rng, 2)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    likert = list(_LIKERT)
    ws.append(["Id", "Start time", "Completion time", "Email", "Name", "Last modified time",
               *[texts[i] for i in likert], texts["fq_use"], texts["nps"],
               texts["tools_used"], texts["cm_helps"], texts["cm_change"]])
    for n, r in enumerate(resp, start=1):
        first_name, last, email = _person(world, r)
        a = r["answers"]
        ws.append([n, r["start"], r["end"], email, f"{first_name} {last}", None,
                   *[None if a[i] is None else _AGREE5[a[i] - 1] for i in likert],
                   _FREQ[a["fq_use"] - 1], a["nps"],
                   "".join(f"{t};" for t in r["tools"]), r["helps"] or None,
                   r["change"] or None])
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "m/d/yy h:mm:ss"
    wb.save(path)
    _fix_timestamps(path, WAVE_DATES[2])
    return path


def _fix_timestamps(path: Path, day: dt.date) -> None:
    """Give the workbook's parts and properties a fixed time, so the same seed gives the same
    bytes (openpyxl stamps the time of saving)."""
    import re
    import zipfile

    stamp = f"{day.isoformat()}T12:00:00Z"
    with zipfile.ZipFile(path) as zin:
        parts = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              lambda m: m.group(1) + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(day.year, day.month, day.day,
                                                              12, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, data)


def write(world: DemoWorld) -> list[Path]:
    """Write the three survey waves into ``world.out``; returns their paths."""
    rng = world.rng("surveys")
    out = world.out
    last = np.datetime64(world.last_day, "D")
    if np.datetime64(WAVE_DATES[-1], "D") > last or np.datetime64(
            WAVE_DATES[0], "D") < np.datetime64(world.first, "D"):
        return []  # a demo period that does not hold the three waves gets none
    return [
        _write_qualtrics(world, rng, out / "survey_2026-03_qualtrics.csv"),
        _write_surveymonkey(world, rng, out / "survey_2026-06_surveymonkey.csv"),
        _write_forms(world, rng, out / "survey_2026-09_forms.xlsx"),
    ]
