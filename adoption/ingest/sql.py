"""SQL fragments shared by the loaders: cleaned text, dates, reasons, raw rows."""

from __future__ import annotations

from adoption.ingest.reader import sql_ident, sql_literal

__all__ = [
    "WHITESPACE",
    "Fields",
    "bad_value_reason",
    "first_reason",
    "norm_identifier_sql",
    "parse_date_sql",
    "trim_sql",
]

#: Every character Python counts as white space (``str.isspace``: tab, no-break space ...),
#: so that SQL and :func:`adoption.workspace.normalise_identifier` agree on what is blank.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def trim_sql(expr: str) -> str:
    """``expr`` without leading and trailing white space of any kind (tabs too)."""
    return f"trim({expr}, {sql_literal(WHITESPACE)})"


class Fields:
    """SQL expressions for a file's canonical columns (``NULL`` when the file lacks one)."""

    #: canonical columns holding a person's identity, redacted from stored reject rows
    IDENTIFYING = ("email", "manager_email", "name")

    def __init__(self, mapping: dict[str, str], columns: list[str], *,
                 redact: bool = True) -> None:
        self.mapping = mapping
        self.columns = columns
        self.redacted = {mapping[c] for c in self.IDENTIFYING if c in mapping} if redact else set()

    def has(self, canonical: str) -> bool:
        return canonical in self.mapping

    def raw(self, canonical: str) -> str:
        """The trimmed text of a column, NULL when blank (tabs only, too) or absent."""
        if canonical not in self.mapping:
            return "CAST(NULL AS VARCHAR)"
        return f"nullif({trim_sql('src.' + sql_ident(self.mapping[canonical]))}, '')"

    def column(self, canonical: str) -> str:
        """The column as it is in the file (not trimmed), NULL when the file lacks it."""
        if canonical not in self.mapping:
            return "CAST(NULL AS VARCHAR)"
        return f"src.{sql_ident(self.mapping[canonical])}"

    def header(self, canonical: str) -> str:
        return self.mapping.get(canonical, canonical)

    def raw_json(self) -> str:
        """The whole input row as a JSON object with the file's own column names.

        Identifying columns are replaced by ``"(redacted)"`` unless the workspace keeps
        names; the full row stays in the archived raw file, at the same row number.
        """
        parts = ", ".join(
            f"{sql_literal(c)}, "
            + (f"CASE WHEN src.{sql_ident(c)} IS NULL THEN NULL ELSE '(redacted)' END"
               if c in self.redacted else f"src.{sql_ident(c)}")
            for c in self.columns)
        return f"CAST(json_object({parts}) AS VARCHAR)"


def norm_identifier_sql(expr: str) -> str:
    """Case- and whitespace-normalised identifier (matches ``normalise_identifier``)."""
    return f"lower(regexp_replace({expr}, '\\s+', '', 'g'))"


def parse_date_sql(expr: str) -> str:
    """An ISO date or timestamp as DATE, NULL when it is not one."""
    return (f"coalesce(TRY_CAST({expr} AS DATE), "
            f"CAST(TRY_CAST({expr} AS TIMESTAMP) AS DATE))")


def first_reason(rules: list[tuple[str, str]]) -> str:
    """A CASE giving the reason of the first failing rule, NULL when the row is valid.

    ``rules`` holds (condition that means failure, SQL expression of the reason text).
    """
    whens = " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in rules)
    return f"CASE {whens} ELSE NULL END"


def bad_value_reason(column: str, expr: str, fix: str) -> str:
    """``'column start_date: value '05/01/2026' is not ...; fix'`` as a SQL expression."""
    return (f"'column ' || {sql_literal(column)} || ': value ''' || {expr} || ''' ' || "
            f"{sql_literal(fix)}")
