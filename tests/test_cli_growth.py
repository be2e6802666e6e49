"""``healthvisitor growth``: UK-WHO SDS and centiles on the command line.

Expected values are rcpchgrowth's own (``rcpchgrowth.Measurement`` called in
the test); which of its answers (corrected or chronological age) is expected
follows the RCPCH UK-WHO chart guidance (see tests/domain/test_growth.py).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from healthvisitor.cli import main


def rcpchgrowth_says(
    method: str, value: float, *, sex: str, born: str, gestation: tuple[int, int], on: str
) -> dict[str, Any]:
    from rcpchgrowth import Measurement

    result = Measurement(
        sex=sex,
        birth_date=dt.date.fromisoformat(born),
        observation_date=dt.date.fromisoformat(on),
        measurement_method=method,
        observation_value=value,
        reference="uk-who",
        gestation_weeks=gestation[0],
        gestation_days=gestation[1],
    ).measurement
    return {**result["measurement_calculated_values"], **result["measurement_dates"]}


def expected_row(method: str, value: float, age_used: str, **child: Any) -> dict[str, Any]:
    says = rcpchgrowth_says(method, value, **child)
    return {
        "measurement": method,
        "value": value,
        "sds": says[f"{age_used}_sds"],
        "centile": says[f"{age_used}_centile"],
        "age_used": age_used,
        "decimal_age": says[f"{age_used}_decimal_age"],
    }


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["growth", *args, "--json"]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_term_baby_all_three_measurements_golden_json(capsys: pytest.CaptureFixture[str]) -> None:
    child = {"sex": "male", "born": "2025-01-01", "gestation": (40, 0), "on": "2025-03-01"}
    rows = run_json(
        capsys,
        *("--sex", "male", "--dob", "2025-01-01", "--gestation", "40+0", "--date", "2025-03-01"),
        *("--weight", "5.0", "--length", "57.5", "--ofc", "39.0"),
    )
    assert rows == [
        expected_row("weight", 5.0, "chronological", **child),
        expected_row("height", 57.5, "chronological", **child),
        expected_row("ofc", 39.0, "chronological", **child),
    ]
    # rcpchgrowth's own numbers for this boy (as printed by rcpchgrowth 4.6.5).
    assert rows[0]["sds"] == pytest.approx(-0.7731, abs=1e-4)
    assert rows[0]["centile"] == pytest.approx(21.97, abs=0.01)


def test_preterm_baby_is_plotted_at_corrected_age(capsys: pytest.CaptureFixture[str]) -> None:
    child = {"sex": "female", "born": "2025-01-10", "gestation": (34, 0), "on": "2025-03-01"}
    rows = run_json(
        capsys,
        *("--sex", "female", "--dob", "2025-01-10", "--gestation", "34", "--date", "2025-03-01"),
        *("--weight", "4.1", "--length", "52", "--ofc", "36"),
    )
    assert rows == [
        expected_row("weight", 4.1, "corrected", **child),
        expected_row("height", 52.0, "corrected", **child),
        expected_row("ofc", 36.0, "corrected", **child),
    ]
    assert all(
        row["sds"]
        != rcpchgrowth_says(row["measurement"], row["value"], **child)["chronological_sds"]
        for row in rows
    )


def test_a_36_week_baby_at_2_years_is_plotted_at_chronological_age_with_height(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Born 36+6: corrected until 1 year only; from 2 years --length/--height is a height.
    child = {"sex": "male", "born": "2023-01-10", "gestation": (36, 6), "on": "2025-03-01"}
    rows = run_json(
        capsys,
        *("--sex", "male", "--dob", "2023-01-10", "--gestation", "36+6", "--date", "2025-03-01"),
        *("--weight", "12", "--height", "88"),
    )
    assert rows == [
        expected_row("weight", 12.0, "chronological", **child),
        expected_row("height", 88.0, "chronological", **child),
    ]


def test_readable_table_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "growth",
                *("--sex", "female", "--dob", "2025-01-10", "--gestation", "34+0"),
                *("--date", "2025-03-01", "--weight", "4.1"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "UK-WHO growth for a female child born 10 Jan 2025 at 34+0 weeks, measured 01 Mar 2025:"
    )
    assert out[1].split() == ["Measurement", "Value", "SDS", "Centile", "Age", "used"]
    assert out[2].split()[:4] == ["Weight", "4.10", "kg", "+1.21"]
    assert out[2].endswith("corrected age (0.022 years)")


OUT_OF_RANGE = [
    (["--weight", "45"], "--weight: A weight of 45 kg is 21 standard deviations above"),
    (["--weight", "4.5", "--ofc", "10"], "--ofc: A head circumference of 10 cm is outside"),
    (["--length", "300"], "--length: A length of 300 cm is outside what is possible"),
]


@pytest.mark.parametrize(("measurements", "says"), OUT_OF_RANGE)
def test_out_of_range_measurement_exits_1_with_the_reason(
    capsys: pytest.CaptureFixture[str], measurements: list[str], says: str
) -> None:
    child = ["--sex", "male", "--dob", "2025-01-10", "--gestation", "40", "--date", "2025-03-01"]
    assert main(["growth", *child, *measurements, "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("healthvisitor: ")
    assert says in captured.err


BAD_CHILD = [
    (["--gestation", "45+0", "--date", "2025-03-01"], "outside 22+0 to 44+6"),
    (["--gestation", "40", "--date", "2024-12-31"], "before the child was born"),
    (["--gestation", "40", "--date", "2025-02-30"], "2025-02-30 is not a real date"),
]


@pytest.mark.parametrize(("details", "says"), BAD_CHILD)
def test_impossible_child_details_exit_1_with_the_reason(
    capsys: pytest.CaptureFixture[str], details: list[str], says: str
) -> None:
    args = ["growth", "--sex", "male", "--dob", "2025-01-10", *details, "--weight", "4"]
    assert main(args) == 1
    assert says in capsys.readouterr().err


def test_no_measurement_is_a_usage_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    child = ["--sex", "male", "--dob", "2025-01-10", "--gestation", "40", "--date", "2025-03-01"]
    with pytest.raises(SystemExit) as stopped:
        main(["growth", *child])
    assert stopped.value.code == 2
    assert "give at least one measurement" in capsys.readouterr().err
