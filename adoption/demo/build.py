"""``adoption demo DIR``: write the synthetic files, ingest them as a user would, render."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from adoption.config import Settings
from adoption.demo.generate import write_demo_files
from adoption.demo.outcomes import REGISTER_FILE, write_register
from adoption.demo.story import demo_story
from adoption.demo.vendors_m365_chat import CHAT_TOOL
from adoption.errors import WorkspaceError

__all__ = ["build_demo"]


def build_demo(
    path: str | os.PathLike[str],
    *,
    seed: int = 2026,
    people: int = 2400,
    reports: int = 3,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Build a demo workspace in ``path`` and render its latest monthly reports.

    The synthetic export files are written to ``path/inbox`` (kept, so you can look at what
    was ingested), loaded through the same ingest path as any user file, and the last
    ``reports`` months are rendered, with the sentiment report of the latest survey wave.

    Returns
    -------
    Path
        The reports index page (or the workspace folder when ``reports`` is 0).
    """
    from adoption.ingest import ingest_files
    from adoption.workspace import init_workspace

    say = say or (lambda _msg: None)
    root = Path(path).expanduser().resolve()
    if root.exists() and any(root.iterdir()):
        raise WorkspaceError(
            f"{str(root)!r} exists and is not empty; the demo needs a new folder. Remove it or "
            "choose another path.")
    story = demo_story()
    # Microsoft 365 Copilot Chat comes with Microsoft 365: the demo organisation approves it
    ws = init_workspace(root, Settings(organisation="Example Corp (synthetic demo)",
                                       time_zone="Europe/Berlin", currency="EUR",
                                       sections={"governance": {"sanctioned": [CHAT_TOOL]}}))
    say(f"Workspace {ws.root}")
    inbox = ws.root / "inbox"
    files = write_demo_files(inbox, seed=seed, people=people)
    say(f"Wrote {len(files)} synthetic export files to {inbox}")
    first = dt.date.fromisoformat(story.first_day)
    register = write_register(ws.root / REGISTER_FILE, first=first, months=len(story.months))
    say(f"Wrote the use-case register {register}")
    ingest_files(ws, files, on_result=lambda r: say(r.summary()))
    index = ws.root
    if reports:
        from adoption.report import render_adoption_report

        for period in story.months[-reports:]:
            out = render_adoption_report(ws, period=period)
            say(f"Rendered {out}")
            index = out.parent / "index.html"
        index = _render_sentiment(ws, say) or index
    return index


def _render_sentiment(ws, say: Callable[[str], None]) -> Path | None:
    """The latest survey wave's sentiment report, compared with the wave before it."""
    from adoption.surveys.data import load_waves
    from adoption.surveys.report import render_sentiment_report

    waves = load_waves(ws).sort_values("wave_date")["wave"].tolist()
    if not waves:
        return None
    out = render_sentiment_report(ws, wave=waves[-1],
                                  comparison_wave=waves[-2] if len(waves) > 1 else None)
    say(f"Rendered {out}")
    return out.parent / "index.html"
