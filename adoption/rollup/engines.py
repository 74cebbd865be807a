"""The two engines of the roll-up: DuckDB in this process, Spark (local or a cluster).

Each opens the inputs as a view ``src`` of text columns plus ``_file`` (the input file), runs
the SQL of :mod:`adoption.rollup.rules` and writes the person-day Parquet file. Nothing
engine-specific happens between reading and writing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from adoption.errors import InputError
from adoption.rollup.rules import (
    DUCKDB,
    SPARK,
    Columns,
    Dialect,
    person_days_sql,
    rejects_sql,
    stage_sql,
    validated_sql,
)

__all__ = ["DuckDBEngine", "SparkEngine", "SparkUnavailableError", "java_missing"]

#: Spark settings for a local session: quiet, UTC, non-ANSI casts (NULL for bad text, as
#: DuckDB's TRY_CAST), no web UI.
SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.memory": "2g",
}


class SparkUnavailableError(InputError):
    """pyspark or Java is missing; the message says what to install."""


def java_missing() -> str | None:
    """Why Spark cannot start here (no ``java``), or None."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return None
    if shutil.which("java"):
        return None
    return ("Spark needs Java, and no `java` was found (nor $JAVA_HOME). Install it, e.g. on "
            "Debian or Ubuntu: apt-get install -y --no-install-recommends "
            "openjdk-17-jre-headless")


@dataclass
class Plan:
    """What both engines need: the inputs, their format and columns, and the rules' options."""

    inputs: list[str]
    fmt: str
    columns: list[str]
    mapping: Columns
    delimiter: str
    time_zone: str
    bounds: object
    zones: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    def validated(self, d: Dialect, mixed_files: list[str] | None = None) -> str:
        return validated_sql(d, self.mapping, time_zone=self.time_zone, bounds=self.bounds,
                             zones=self.zones, mixed_files=mixed_files)


@dataclass
class EngineOutput:
    """Counts of one run: rows read, rejected rows by reason, person-day rows written."""

    rows_read: int
    rejected: dict[str, int]
    rows_written: int
    person_days: int


def _mixed_sql(stage: str) -> str:
    return f"""SELECT _file FROM {stage} WHERE reason IS NULL GROUP BY _file
               HAVING max(CASE WHEN naive THEN 1 ELSE 0 END) = 1
                  AND min(CASE WHEN naive THEN 1 ELSE 0 END) = 0"""


def _counts_sql(stage: str) -> str:
    return f"SELECT CAST(coalesce(sum(n_rows), 0) AS BIGINT) FROM {stage}"


class DuckDBEngine:
    """The roll-up in DuckDB (this process), spilling to a temporary folder beside the output."""

    dialect = DUCKDB

    def __init__(self, *, memory_limit: str | None = None) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")

    def _reader(self, plan: Plan) -> str:
        files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in plan.inputs) + "]"
        if plan.fmt == "parquet":
            return f"read_parquet({files}, filename = true, union_by_name = true)"
        delim = plan.delimiter.replace("'", "''")
        return (f"read_csv({files}, header = true, all_varchar = true, delim = '{delim}', "
                "quote = '\"', escape = '\"', filename = true, union_by_name = true)")

    def run(self, plan: Plan, out: Path, rejects: Path | None) -> EngineOutput:
        con, d = self.con, self.dialect
        casts = ", ".join(f"CAST({d.ident(c)} AS VARCHAR) AS {d.ident(c)}" for c in plan.columns)
        con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT {casts}, filename AS _file "
                    f"FROM {self._reader(plan)}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage AS {stage_sql(d, plan.validated(d))}")
        mixed = [r[0] for r in con.execute(_mixed_sql("stage")).fetchall()]
        con.execute(f"CREATE OR REPLACE TEMP TABLE _mixed AS {_mixed_sql('stage')}")
        read = int(con.execute(_counts_sql("stage")).fetchone()[0])
        rejected: dict[str, int] = {}
        if mixed or con.execute("SELECT count(*) FROM stage WHERE reason IS NOT NULL"
                                ).fetchone()[0]:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _rejects AS "
                        f"{rejects_sql(plan.validated(d, mixed))}")
            rejected = dict(con.execute("SELECT reason, count(*) FROM _rejects GROUP BY reason "
                                        "ORDER BY reason").fetchall())
        target = str(out).replace("'", "''")
        con.execute(f"""COPY ({person_days_sql('stage', mixed=bool(mixed))}
                        ORDER BY day, email, tool, feature NULLS FIRST)
                        TO '{target}' (FORMAT parquet, COMPRESSION zstd)""")
        written, person_days = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE feature IS NULL) "
            f"FROM read_parquet('{target}')").fetchone()
        if rejects is not None:
            path = str(rejects).replace("'", "''")
            if rejected:
                con.execute(f"""COPY (SELECT regexp_extract(file, '[^/]*$') AS file, reason,
                                    timestamp, tool, feature, count FROM _rejects
                                    ORDER BY file, reason)
                                TO '{path}' (FORMAT parquet)""")
            elif Path(rejects).exists():
                Path(rejects).unlink()
        return EngineOutput(read, rejected, int(written), int(person_days))

    def close(self) -> None:
        self.con.close()


def _log_config() -> Path:
    """A log4j2 configuration that lets only Spark's errors through (written once)."""
    path = Path(tempfile.gettempdir()) / "adoption-spark-log4j2.properties"
    if not path.exists():
        path.write_text("rootLogger.level = error\nrootLogger.appenderRef.stderr.ref = "
                        "console\nappender.console.type = Console\nappender.console.name = "
                        "console\nappender.console.target = SYSTEM_ERR\n"
                        "appender.console.layout.type = PatternLayout\n"
                        "appender.console.layout.pattern = Spark %p %c{1}: %m%n%ex\n",
                        encoding="utf-8")
    return path


def spark_session(master: str | None = None, *, conf: dict[str, str] | None = None):
    """A Spark session (``local[*]`` unless ``master``); raises when pyspark or Java is missing.

    Returns (session, seconds it took to start). An active session is reused as it is.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise SparkUnavailableError(
            "the Spark engine needs pyspark, which is not installed; install it with "
            "`pip install 'adoption[spark]'` (or `pip install pyspark`), or use --engine "
            "duckdb") from e
    started = time.perf_counter()
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active, 0.0
    why = java_missing()
    if why:
        raise SparkUnavailableError(why)
    master = master or "local[*]"
    if master.startswith("local"):  # no warning that the host name is a loopback address
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(master).appName("adoption rollup")
    quiet = {"spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={_log_config()}"}
    for key, value in {**SPARK_CONF, **quiet, **(conf or {})}.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():  # pyspark's note on the pandas version it was tested with
        warnings.simplefilter("ignore", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    for key in ("spark.sql.session.timeZone", "spark.sql.ansi.enabled"):
        session.conf.set(key, SPARK_CONF[key])
    return session, time.perf_counter() - started


class SparkEngine:
    """The roll-up on a Spark session (the same SQL, Spark's dialect)."""

    dialect = SPARK

    def __init__(self, session) -> None:
        self.spark = session

    def _frame(self, plan: Plan):
        from pyspark.sql import functions as F

        reader = self.spark.read
        if plan.fmt == "parquet":
            df = reader.parquet(*plan.inputs)
        else:
            df = (reader.option("header", True).option("sep", plan.delimiter)
                  .option("quote", '"').option("escape", '"').option("inferSchema", False)
                  .option("mode", "FAILFAST").csv(plan.inputs))
        return df.select(*[F.col(f"`{c}`").cast("string").alias(c) for c in plan.columns],
                         F.col("_metadata.file_path").alias("_file"))

    def run(self, plan: Plan, out: Path | str, rejects: Path | None) -> EngineOutput:
        d, spark = self.dialect, self.spark
        self._frame(plan).createOrReplaceTempView("src")
        stage = spark.sql(stage_sql(d, plan.validated(d))).persist()
        try:
            stage.createOrReplaceTempView("stage")
            mixed = [r[0] for r in spark.sql(_mixed_sql("stage")).collect()]
            spark.createDataFrame([(f,) for f in mixed], "_file string"
                                  ).createOrReplaceTempView("_mixed")
            read, bad = spark.sql("SELECT CAST(coalesce(sum(n_rows), 0) AS BIGINT), "
                                  "count(reason) FROM stage").collect()[0]
            read = int(read)
            rejected: dict[str, int] = {}
            if mixed or bad:
                found = spark.sql(f"SELECT reason, count(*) FROM ({rejects_sql(plan.validated(d, mixed))}) "
                                  "GROUP BY reason").collect()
                rejected = {r[0]: int(r[1]) for r in sorted(found)}
            result = spark.sql(person_days_sql("stage", mixed=bool(mixed)))
            written, person_days = _write_single(result, out)
        finally:
            stage.unpersist()
        return EngineOutput(read, rejected, written, person_days)

    def close(self) -> None:  # the session belongs to the caller
        pass


def _write_single(frame, out: Path | str) -> tuple[int, int]:
    """Write ``frame`` sorted; one Parquet file at a local ``out``, Spark's folder at a URI."""
    from pyspark.sql import functions as F

    frame = frame.persist()
    try:
        counts = frame.agg(F.count(F.lit(1)), F.count_if(F.col("feature").isNull())).collect()
        written, person_days = (int(n) for n in counts[0])
        ordered = frame.coalesce(1).sortWithinPartitions(
            "day", "email", "tool", F.col("feature").asc_nulls_first())
        if "://" in str(out):
            ordered.write.mode("overwrite").parquet(str(out))
            return written, person_days
        out = Path(out)
        folder = Path(tempfile.mkdtemp(prefix=".rollup-", dir=out.parent))
        try:
            ordered.write.mode("overwrite").option("compression", "zstd").parquet(
                str(folder / "out"))
            (part,) = sorted((folder / "out").glob("part-*.parquet"))
            os.replace(part, out)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        frame.unpersist()
    return written, person_days
