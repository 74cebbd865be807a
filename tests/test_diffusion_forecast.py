"""Bass forecast per department over the person-period frame: counts, targets, refusal, privacy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adoption.metrics import compute_adoption_curve, compute_diffusion_forecast
from adoption.stats import BassModel

MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")


def bass_month(u: float, p: float, q: float) -> float:
    """The month in which a share u of eventual adopters has adopted (inverse of F, by hand)."""
    return np.ceil(-np.log((1 - u) / (1 + q / p * u)) / (p + q))


def frame(groups) -> pd.DataFrame:
    """Monthly person-period rows; in each department of n people the i-th of the m adopters
    starts in the month the Bass curve (p, q) reaches (i + 0.5) / m, and stays active."""
    rows = []
    for dept, n, m, p, q, months in groups:
        for i in range(n):
            first = bass_month((i + 0.5) / m, p, q) if i < m else np.inf
            for k, start in enumerate(MONTHS[:months], start=1):
                rows.append({"period": f"{start:%Y-%m}", "period_start": start,
                             "person_id": f"{dept}-{i}", "team": "T", "department": dept,
                             "is_active": k >= first})
    return pd.DataFrame(rows)


def test_adoption_curve_counts_people_active_by_then():
    data = pd.DataFrame({
        "period": ["2025-01", "2025-02", "2025-03"] * 2 + ["2025-01", "2025-02"],
        "period_start": list(MONTHS[:3]) * 2 + list(MONTHS[:2]),
        "person_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 2,
        "team": ["X", "X", "Y"] + ["X"] * 3 + ["Y"] * 2,
        "department": ["D"] * 8,
        "is_active": [True, False, False, False, False, True, False, True],
    })
    out = compute_adoption_curve(data, by="team").set_index(["team", "period"])
    # by hand: a adopted in Jan (in X), moved to Y in Mar and still counts as an adopter;
    # b adopts in Mar; c adopts in Feb and leaves after it
    assert out.loc[("X", "2025-01"), "adopters"] == 1 and out.loc[("X", "2025-02"), "adopters"] == 1
    assert out.loc[("X", "2025-03"), "adopters"] == 1  # b
    assert out.loc[("Y", "2025-02"), "adopters"] == 1  # c
    assert out.loc[("Y", "2025-03"), ["headcount", "adopters"]].tolist() == [1, 1]  # a


def test_targets_reached_forecast_and_out_of_reach():
    data = frame([("Fast", 100, 90, 0.03, 0.6, 12), ("Steady", 100, 95, 0.02, 0.2, 12),
                  ("Capped", 100, 50, 0.03, 0.5, 12)])
    out = compute_diffusion_forecast(data).set_index("department")
    curve = compute_adoption_curve(data).set_index(["department", "period"])["adopters"]
    # Fast: 60 of 100 by hand in month 6 (F(6) with p 0.03, q 0.6 exceeds 60/90 = 0.667)
    assert curve[("Fast", "2025-05")] < 60 <= curve[("Fast", "2025-06")]
    assert out.loc["Fast", "target"] == "reached in 2025-06"
    # Capped: half the department will ever adopt, so 60% is never reached
    assert out.loc["Capped", "target"] == "not reached within 12 months"
    assert out.loc["Capped", "m"] == pytest.approx(50, abs=2)
    # Steady: 51 adopters in the last month, still growing; BassModel on the same series puts
    # 60% at t = 13.69 periods -> the 14th month from January 2025 = 2026-02
    model = BassModel().fit(curve["Steady"].to_numpy(float), population=100)
    when = model.time_to_share(0.6, population=100)
    assert 13 < when["estimate"] <= 14
    assert out.loc["Steady", "target_period"] == "2026-02"
    assert out.loc["Steady", "target"].startswith("2026-02 (")
    for col in ("m", "p", "q"):
        row = out.loc["Steady"]
        assert row[f"{col}_ci_low"] <= row[col] <= row[f"{col}_ci_high"]
    assert out.loc["Steady", "m_ci_high"] <= 100  # never above the headcount


def test_refusal_and_privacy():
    data = frame([("Big", 100, 90, 0.03, 0.6, 12), ("New", 40, 15, 0.03, 0.6, 12)])
    late = data[(data["department"] != "New") | (data["period_start"] >= MONTHS[9])]
    out = compute_diffusion_forecast(late).set_index("department")
    # New has 3 months of data: no forecast, and the reason says so
    assert out.loc["New", "status"] == "refused"
    assert "too few periods: 3" in out.loc["New", "reason"]
    assert out.loc["New", "target"].startswith("no forecast: too few periods")
    assert out.loc["Big", "status"] == "forecast"
    tiny = pd.concat([late, frame([("Tiny", 3, 3, 0.1, 0.5, 12)])], ignore_index=True)
    out = compute_diffusion_forecast(tiny).set_index("department")
    # Tiny (3 people) is hidden, and so is the next smallest department (New, complementary)
    assert out.loc["Tiny", "suppressed"] and pd.isna(out.loc["Tiny", "m"])
    assert out.loc["New", "suppressed"] and not out.loc["Big", "suppressed"]
    org = compute_diffusion_forecast(tiny, by="organisation")
    assert org["headcount"].iloc[0] == 143  # 100 + 40 + 3 in the last month


def test_bad_arguments():
    data = frame([("Big", 10, 9, 0.03, 0.6, 6)])
    with pytest.raises(ValueError, match="target_share"):
        compute_diffusion_forecast(data, target_share=60)
    with pytest.raises(ValueError, match="horizon"):
        compute_diffusion_forecast(data, horizon=0)
