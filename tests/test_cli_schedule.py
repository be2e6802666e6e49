"""``healthvisitor schedule``: the mandated reviews' windows, driven as a user would."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from healthvisitor.cli import main


def test_json_for_a_leap_day_birth_with_its_pregnancy(capsys: pytest.CaptureFixture[str]) -> None:
    # Born 29 Feb 2024 at 38+4 (EDD 10 Mar 2024), judged on day 20.
    command = ["schedule", "--dob", "2024-02-29", "--edd", "2024-03-10", "--today", "2024-03-20"]
    assert main([*command, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        # 28+0 is 10 Mar - 84 days; target the birth; nothing recorded, so missed.
        {
            "review": "antenatal",
            "opens": "2023-12-17",
            "target_by": "2024-02-29",
            "closes": "2024-02-29",
            "status": "missed",
        },
        # Days 10, 14 and 30; day 20 is in the late window.
        {
            "review": "new_birth_visit",
            "opens": "2024-03-10",
            "target_by": "2024-03-14",
            "closes": "2024-03-30",
            "status": "overdue",
        },
        {
            "review": "six_to_eight_week",
            "opens": "2024-04-11",
            "target_by": "2024-04-25",
            "closes": "2024-04-25",
            "status": "not_yet_due",
        },
        # 12 months from a leap day is 28 Feb of a common year.
        {
            "review": "one_year",
            "opens": "2024-11-29",
            "target_by": "2025-02-28",
            "closes": "2025-05-29",
            "status": "not_yet_due",
        },
        {
            "review": "two_year",
            "opens": "2026-02-28",
            "target_by": "2026-08-29",
            "closes": "2026-08-29",
            "status": "not_yet_due",
        },
    ]


def test_estimated_delivery_alone_gives_the_antenatal_review_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schedule", "--edd", "2027-01-20", "--today", "2026-11-24", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "review": "antenatal",
            "opens": "2026-10-28",
            "target_by": "2027-01-20",
            "closes": "2027-01-20",
            "status": "due",
        }
    ]


def test_table_for_a_three_week_old(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "--dob", "2026-10-31", "--today", "2026-11-24"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Mandated reviews for a child born 31 Oct 2026, as at 24 Nov 2026:",
        "Review            Opens        Target by    Closes       Status",
        "New birth visit   10 Nov 2026  14 Nov 2026  30 Nov 2026  Overdue",
        "6-8 week review   12 Dec 2026  26 Dec 2026  26 Dec 2026  Not yet due",
        "1 year review     31 Jul 2027  31 Oct 2027  31 Jan 2028  Not yet due",
        "2-2½ year review  31 Oct 2028  30 Apr 2029  30 Apr 2029  Not yet due",
    ]


def test_today_defaults_to_the_local_date(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("healthvisitor.cli.local_today", lambda: dt.date(2026, 11, 24))
    assert main(["schedule", "--edd", "2027-01-20"]) == 0
    assert "as at 24 Nov 2026" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dob", "2026-02-30"], "--dob: 2026-02-30 is not a real date."),
        (["--dob", "31/10/2026"], "--dob: '31/10/2026' is not a date"),
        (["--edd", "2027-13-01"], "--edd: 2027-13-01 is not a real date."),
        (
            ["--dob", "2026-11-25", "--today", "2026-11-24"],
            "--dob: The date of birth 25 Nov 2026 is after 24 Nov 2026 (--today)",
        ),
        # An unborn baby due more than 42 weeks from today: the pregnancy has not begun.
        (
            ["--edd", "2027-09-22", "--today", "2026-11-24"],
            "--edd: The estimated date of delivery 22 Sep 2027 is more than 42 weeks "
            "from 24 Nov 2026 (--today)",
        ),
        # A birth more than 42 weeks from the estimated date cannot be that pregnancy.
        (
            ["--dob", "2026-01-01", "--edd", "2025-01-01", "--today", "2026-11-24"],
            "more than 42 weeks from 01 Jan 2026 (the date of birth)",
        ),
    ],
)
def test_bad_dates_are_one_clear_sentence_and_exit_1(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedule", *arguments]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("healthvisitor: ")
    assert message in captured.err
    assert captured.out == ""


def test_edd_exactly_42_weeks_ahead_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    # 24 Nov 2026 + 294 days: the first day of such a pregnancy.
    assert main(["schedule", "--edd", "2027-09-14", "--today", "2026-11-24", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "not_yet_due"


def test_neither_date_is_a_usage_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["schedule", "--today", "2026-11-24"])
    assert caught.value.code == 2
    assert "give --dob" in capsys.readouterr().err
