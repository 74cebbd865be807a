"""``rollup_events``: raw usage events -> one Parquet file of person x tool x day (x feature).

The heavy step of ingest, run outside a workspace on DuckDB or on Spark, with the same
validation rules and reject reasons as ``adoption ingest`` (:mod:`adoption.rollup.rules`).
The output is a person-day source (:mod:`adoption.rollup.person_days`) that
``adoption ingest`` loads like any other file.

Repeated events: ingest counts an event (same person, tool, instant, feature and count)
repeated in several files as often as the file that holds it most often. A roll-up run takes
its inputs as one export, so every row counts, repeated or not: roll up each export once and
ingest the results (an overlapping second roll-up's person-days are skipped by ingest).
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import io
import time
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from adoption.errors import InputError
from adoption.ingest.bounds import YEARS_BACK as _YEARS
from adoption.ingest.bounds import DateBounds, date_bounds
from adoption.ingest.columns import map_columns
from adoption.rollup.engines import DuckDBEngine, EngineOutput, Plan, SparkEngine, spark_session
from adoption.rollup.rules import Columns

__all__ = ["ENGINES", "RollupResult", "rejects_path", "rollup_events"]

#: The engines ``rollup_events`` runs on.
ENGINES = ("duckdb", "spark")

_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv",
             ".txt": "csv"}
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class RollupResult:
    """What one roll-up did.

    Attributes
    ----------
    engine : str
    inputs : list of str
        The input files (patterns expanded where they are local).
    out : str
        The person-day Parquet file written.
    rejects : Path or None
        The rejected rows (file, reason, timestamp, tool, feature, count) beside the output;
        DuckDB engine only, None when no row was rejected.
    rows_read : int
    rejected : dict
        Reason -> rows rejected for it (the reasons of ``adoption ingest``).
    rows_written : int
        Output rows: person-days plus their feature rows.
    person_days : int
    seconds : float
        The whole roll-up, Spark's start-up included.
    startup_seconds : float
        Spark's start-up (0 for DuckDB, or for a session that was running).
    """

    engine: str
    inputs: list[str]
    out: str
    rejects: Path | None
    rows_read: int
    rejected: dict[str, int]
    rows_written: int
    person_days: int
    seconds: float
    startup_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())

    def summary(self, *, reasons: int = 10) -> str:
        """Lines for people: counts, the commonest reject reasons, time."""
        start = (f" (Spark started in {self.startup_seconds:.1f} s)" if self.startup_seconds
                 else "")
        lines = [f"{self.engine}: {self.rows_read:,} rows read from {len(self.inputs)} "
                 f"file(s), {self.rows_rejected:,} rejected, {self.person_days:,} person-days "
                 f"({self.rows_written:,} rows with features) written to {self.out} in "
                 f"{self.seconds:.1f} s{start}"]
        top = sorted(self.rejected.items(), key=lambda kv: (-kv[1], kv[0]))
        for reason, n in top[:reasons]:
            lines.append(f"  rejected {n:,}: {reason}")
        if len(top) > reasons:
            lines.append(f"  ... and {len(top) - reasons} more reasons"
                         + (f" (all in {self.rejects})" if self.rejects else ""))
        elif self.rejects:
            lines.append(f"  rejected rows: {self.rejects}")
        return "\n".join(lines)


def rejects_path(out: str | Path) -> Path:
    """``person_days.parquet`` -> ``person_days.rejects.parquet`` (beside it)."""
    out = Path(out)
    return out.with_name(out.name.removesuffix(out.suffix) + ".rejects" + (out.suffix or
                                                                           ".parquet"))


def _is_uri(text: str) -> bool:
    return "://" in text


def _expand(inputs: str | list[str]) -> list[str]:
    """Local patterns -> the files they match (sorted); URIs are passed on as they are."""
    patterns = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    if not patterns:
        raise InputError("no input given; pass --input PATH (a file, a folder or a pattern "
                         "such as 'exports/*.parquet').")
    files: list[str] = []
    for pattern in map(str, patterns):
        if _is_uri(pattern):
            files.append(pattern)
            continue
        path = Path(pattern).expanduser()
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in _SUFFIXES)
        else:
            found = sorted(glob.glob(str(path)))
        if not found:
            raise InputError(f"no input matched {pattern!r}: check the path (quote a pattern "
                             "such as 'exports/*.parquet' so that the shell leaves it to "
                             "adoption).")
        files.extend(str(Path(f).resolve()) for f in found)
    return files


def _format(files: list[str]) -> str:
    kinds = {_SUFFIXES.get(Path(f.split("?")[0]).suffix.lower()) for f in files}
    if None in kinds:
        odd = next(f for f in files if _SUFFIXES.get(Path(f).suffix.lower()) is None)
        raise InputError(f"{odd}: the roll-up reads Parquet (.parquet) and CSV (.csv, .tsv, "
                         ".txt) files; convert it, or leave it out of the pattern.")
    if len(kinds) > 1:
        raise InputError(f"the inputs mix Parquet and CSV files ({len(files)} files); roll "
                         "each format up on its own, or convert them to one format.")
    return kinds.pop()


def _header(files: list[str], fmt: str) -> tuple[list[str], str]:
    """The first local file's column names and (CSV) delimiter, as ingest decides it."""
    first = next((f for f in files if not _is_uri(f)), None)
    if first is None:
        return [], ","
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.read_schema(first).names), ","
        except Exception as e:  # noqa: BLE001 - any reason it is not readable
            raise InputError(f"{first}: cannot be read as Parquet ({e}); export it again.") from e
    with open(first, encoding="utf-8-sig", errors="replace", newline="") as fh:
        line = fh.readline()
    best = max(((len(next(csv.reader(io.StringIO(line), delimiter=d), [])), -i, d)
                for i, d in enumerate(_DELIMITERS)))
    names = next(csv.reader(io.StringIO(line), delimiter=best[2]), [])
    return [n.strip() for n in names], best[2]


def _bounds(workspace, time_zone: str) -> DateBounds:
    if workspace is not None:
        with workspace.store(read_only=True) as store:
            return date_bounds(store.con, time_zone)
    today = dt.datetime.now(zoneinfo.ZoneInfo(time_zone)).date()
    try:
        low = today.replace(year=today.year - _YEARS)
    except ValueError:
        low = today.replace(year=today.year - _YEARS, day=28)
    return DateBounds(low=low, high=today + dt.timedelta(days=1), start=today)


def _zones() -> list[str]:
    """The zone names a row may name: DuckDB's (as ingest) that are IANA names (as Java)."""
    import duckdb

    with duckdb.connect() as con:
        names = {r[0] for r in con.execute("SELECT name FROM pg_timezone_names()").fetchall()}
    return sorted(names & zoneinfo.available_timezones())


def rollup_events(inputs: str | list[str], out: str | Path, *, engine: str = "duckdb",
                  master: str | None = None, time_zone: str | None = None, workspace=None,
                  session=None, progress: bool = True) -> RollupResult:
    """Roll raw usage events up to person x tool x day (and feature), on DuckDB or Spark.

    Parameters
    ----------
    inputs : str or list of str
        A file, a folder, a glob pattern (``'exports/*.parquet'``) or a URI pattern
        (``'s3a://bucket/usage/*.parquet'``, passed to Spark as it is); Parquet or CSV with
        the generic usage columns (timestamp, email, tool, feature, count, timezone).
    out : str or Path
        The Parquet file to write (columns ``day, email, tool, feature, events``; see
        :mod:`adoption.rollup.person_days`). With the DuckDB engine the rejected rows go to
        ``<out>.rejects.parquet`` beside it.
    engine : {"duckdb", "spark"}
    master : str, optional
        Spark master URL (default ``local[*]``); only with ``engine="spark"``.
    time_zone : str, optional
        IANA name of the zone whose days count (default: the workspace's, else UTC).
    workspace : Workspace, optional
        Takes the time zone and the plausible dates from this workspace, as ingest would.
    session : pyspark.sql.SparkSession, optional
        A running Spark session to use instead of starting one.
    progress : bool
        Print what happens (Spark's start-up time among it).

    Returns
    -------
    RollupResult

    Raises
    ------
    InputError
        No input matched, an unsupported or mixed file type, missing columns, or (Spark)
        pyspark or Java missing.
    """
    if engine not in ENGINES:
        raise InputError(f"engine {engine!r} is unknown; use one of {list(ENGINES)}.")
    if master and engine != "spark":
        raise InputError("--master is a Spark master URL; it needs --engine spark.")
    say = print if progress else (lambda *_a, **_k: None)
    started = time.perf_counter()
    files = _expand(inputs)
    fmt = _format(files)
    if engine == "duckdb" and any(_is_uri(f) for f in files):
        raise InputError("the DuckDB engine reads local files; use --engine spark for "
                         f"{next(f for f in files if _is_uri(f))}.")
    time_zone = time_zone or (workspace.settings.time_zone if workspace is not None else "UTC")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise InputError(f"time zone {time_zone!r} is unknown; use an IANA name such as "
                         "Europe/Berlin.") from e
    startup = 0.0
    runner: DuckDBEngine | SparkEngine
    if engine == "spark":
        if session is None:
            session, startup = spark_session(master)
            say(f"Spark started in {startup:.1f} s ({session.sparkContext.master})")
        runner = SparkEngine(session)
    else:
        runner = DuckDBEngine()
    columns, delimiter = _header(files, fmt)
    if not columns and engine == "spark":
        columns, delimiter = _spark_header(session, files, fmt)
    mapping = map_columns(columns, "usage", source=Path(files[0]).name)
    plan = Plan(inputs=files, fmt=fmt, columns=columns,
                mapping=Columns(**{k: mapping.get(k) for k in
                                   ("timestamp", "email", "tool", "feature", "count",
                                    "timezone")}),
                delimiter=delimiter, time_zone=time_zone,
                bounds=_bounds(workspace, time_zone), zones=_zones())
    rejects = None if _is_uri(str(out)) or engine == "spark" else rejects_path(out)
    if not _is_uri(str(out)):
        out = Path(out).expanduser().resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        rejects = None if engine == "spark" else rejects_path(out)
    try:
        result: EngineOutput = runner.run(plan, out, rejects)
    finally:
        runner.close()
    done = RollupResult(engine=engine, inputs=files, out=str(out),
                        rejects=rejects if result.rejected and rejects else None,
                        rows_read=result.rows_read, rejected=result.rejected,
                        rows_written=result.rows_written, person_days=result.person_days,
                        seconds=time.perf_counter() - started, startup_seconds=startup)
    say(done.summary())
    return done


def _spark_header(session, files: list[str], fmt: str) -> tuple[list[str], str]:
    """Column names and delimiter of remote inputs, read by Spark."""
    if fmt == "parquet":
        return list(session.read.parquet(files[0]).columns), ","
    line = session.read.text(files[0]).first()
    text = line[0] if line else ""
    best = max(((len(next(csv.reader(io.StringIO(text), delimiter=d), [])), -i, d)
                for i, d in enumerate(_DELIMITERS)))
    return [n.strip() for n in next(csv.reader(io.StringIO(text), delimiter=best[2]), [])], \
        best[2]
