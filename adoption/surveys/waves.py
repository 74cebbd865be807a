"""A survey wave's name and date when the user gives none.

A wave is one instrument fielded once. Its default name is the month most of its responses
came in, and the instrument: ``2025-11_ai_adoption_pulse``. The month is that of the
*median* response date, so a pulse run from 20 November to 3 December is the November wave
(the last response's month would call it December), and two instruments fielded in the same
month (say the adoption pulse in Qualtrics and a training survey in Microsoft Forms) get two
names instead of colliding on ``2025-11``. The wave's date is its last response's day: the
day the wave closed, from which the roster's teams are read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

__all__ = ["default_wave_name"]


def default_wave_name(days: Sequence[dt.date], instrument: str,
                      fallback: dt.date) -> str:
    """``YYYY-MM_<instrument>``: the month of the median of ``days`` (``fallback``'s month
    when there are none).

    Examples
    --------
    >>> import datetime as dt
    >>> days = [dt.date(2025, 11, 20), dt.date(2025, 11, 24), dt.date(2025, 12, 3)]
    >>> default_wave_name(days, "ai_adoption_pulse", dt.date(2025, 12, 3))
    '2025-11_ai_adoption_pulse'
    """
    if days:
        middle = pd.Series(pd.to_datetime(list(days))).median()
        month = f"{middle:%Y-%m}"
    else:
        month = f"{fallback:%Y-%m}"
    return f"{month}_{instrument}"
