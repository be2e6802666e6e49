"""Validators: golden cases with sources, and properties (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthvisitor.domain.enums import ContactKind, MeasurementKind, Sex
from healthvisitor.domain.validation import (
    Gestation,
    check_birth_weight,
    check_contact_date,
    check_date_of_birth,
    check_measurement_against_reference,
    check_measurement_value,
    clean_nhs_number,
    format_nhs_number,
    parse_date,
    parse_gestation,
)
from healthvisitor.errors import ValidationError
from tests.factories import nhs_number

TODAY = dt.date(2026, 11, 24)


def _check_digit(nine: str) -> int | None:
    """NHS Data Dictionary: weights 10..2, 11 - remainder, 11 -> 0, 10 -> invalid."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return None if check == 10 else (0 if check == 11 else check)


# --- NHS number ---------------------------------------------------------------


def test_nhs_number_golden_cases() -> None:
    # 943 476 5919 is the worked example in the NHS Data Dictionary.
    assert clean_nhs_number("943 476 5919") == "9434765919"
    assert clean_nhs_number("943-476-5919") == "9434765919"
    assert format_nhs_number("9434765919") == "943 476 5919"
    with pytest.raises(ValidationError, match="check digit"):
        clean_nhs_number("943 476 5918")
    with pytest.raises(ValidationError, match="10 digits"):
        clean_nhs_number("943 476 591")
    with pytest.raises(ValidationError, match="digits only"):
        clean_nhs_number("943 476 591O")
    with pytest.raises(ValidationError, match="Enter"):
        clean_nhs_number("  ")


# Outside the Scottish CHI range (0101000000-3112999999), whose extra date rule
# is tested on its own below.
@given(
    st.integers(min_value=312_000_000, max_value=999_999_999).map(str),
    st.sampled_from(["", " ", "-"]),
)
def test_nhs_number_accepts_exactly_the_numbers_with_a_right_check_digit(
    nine: str, separator: str
) -> None:
    check = _check_digit(nine)
    for digit in range(10):
        candidate = f"{nine[:3]}{separator}{nine[3:6]}{separator}{nine[6:]}{digit}"
        if digit == check and len(set(f"{nine}{digit}")) > 1:  # not a placeholder
            assert clean_nhs_number(candidate) == f"{nine}{digit}"
        else:
            with pytest.raises(ValidationError):
                clean_nhs_number(candidate)


def test_chi_range_number_must_begin_with_a_date_of_birth() -> None:
    # 010000000 has check digit 2, but "010000" is no date (nhs-number issue #25).
    with pytest.raises(ValidationError, match="Scottish CHI range"):
        clean_nhs_number("0100000002")
    assert clean_nhs_number("0101000000"[:9] + str(_check_digit("010100000")))


@given(st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9), st.data())
def test_nhs_number_single_digit_slips_are_always_caught(
    position: int, change: int, data: st.DataObject
) -> None:
    valid = nhs_number(data.draw(st.integers(min_value=1, max_value=100_000)))
    slipped = valid[:position] + str((int(valid[position]) + change) % 10) + valid[position + 1 :]
    with pytest.raises(ValidationError):
        clean_nhs_number(slipped)


@given(st.text(max_size=20))
def test_nhs_number_never_fails_with_anything_but_a_validation_error(text: str) -> None:
    try:
        result = clean_nhs_number(text)
    except ValidationError as error:
        assert error.problems[0].field == "nhs_number"
    else:
        assert len(result) == 10 and result.isdigit()


# --- Dates --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2025-02-29", "2026-02-30", "2026-13-01", "2026-04-31"])
def test_impossible_dates_are_named(text: str) -> None:
    with pytest.raises(ValidationError, match="not a real date"):
        parse_date(text, "date_of_birth")


def test_leap_day_is_a_real_date() -> None:
    assert parse_date("2024-02-29", "date_of_birth") == dt.date(2024, 2, 29)


@given(st.text(max_size=12))
def test_parse_date_fails_only_with_a_validation_error(text: str) -> None:
    try:
        parse_date(text, "when")
    except ValidationError as error:
        assert error.problems[0].field == "when"


def test_date_of_birth_cannot_be_in_the_future() -> None:
    assert check_date_of_birth(TODAY, TODAY) == TODAY
    with pytest.raises(ValidationError, match="in the future"):
        check_date_of_birth(TODAY + dt.timedelta(days=1), TODAY)


def test_contact_dates_not_before_birth_and_not_in_future() -> None:
    born = dt.date(2026, 10, 1)
    visit = ContactKind.NEW_BIRTH_VISIT
    assert check_contact_date(visit, born, today=TODAY, date_of_birth=born) == born
    with pytest.raises(ValidationError, match="before the child was born"):
        check_contact_date(visit, born - dt.timedelta(days=1), today=TODAY, date_of_birth=born)
    with pytest.raises(ValidationError, match="in the future"):
        check_contact_date(visit, TODAY + dt.timedelta(days=1), today=TODAY, date_of_birth=born)


def test_antenatal_contact_is_before_birth() -> None:
    born = dt.date(2026, 10, 1)
    antenatal = ContactKind.ANTENATAL
    edd = dt.date(2026, 10, 5)
    assert check_contact_date(
        antenatal, dt.date(2026, 8, 1), today=TODAY, date_of_birth=born, estimated_delivery_date=edd
    )
    with pytest.raises(ValidationError, match="before the birth"):
        check_contact_date(antenatal, dt.date(2026, 10, 2), today=TODAY, date_of_birth=born)
    with pytest.raises(ValidationError, match="before this pregnancy began"):
        check_contact_date(
            antenatal,
            dt.date(2025, 10, 1),
            today=TODAY,
            date_of_birth=None,
            estimated_delivery_date=edd,
        )


# --- Gestation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22+0", Gestation(22, 0)),
        ("44+6", Gestation(44, 6)),
        ("39 + 2", Gestation(39, 2)),
        ("40", Gestation(40, 0)),
    ],
)
def test_gestation_limits_22_to_44_plus_6(text: str, expected: Gestation) -> None:
    assert parse_gestation(text) == expected


@pytest.mark.parametrize("text", ["21+6", "45+0", "40+7", "forty", "", "40+"])
def test_gestation_outside_limits_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_gestation(text)


def test_preterm_is_before_37_weeks() -> None:
    assert Gestation(36, 6).is_preterm and not Gestation(37, 0).is_preterm


# --- Measurements ---------------------------------------------------------------


def test_birth_weight_typed_in_grams_is_explained() -> None:
    with pytest.raises(ValidationError, match="looks like grams"):
        check_birth_weight(3450)
    assert check_birth_weight(3.45) == 3.45


@given(st.sampled_from(list(MeasurementKind)), st.floats(allow_nan=False, allow_infinity=False))
def test_measurement_limits_accept_only_the_range(kind: MeasurementKind, value: float) -> None:
    from healthvisitor.domain.validation import MEASUREMENT_LIMITS

    low, high = MEASUREMENT_LIMITS[kind]
    if low <= value <= high:
        assert check_measurement_value(kind, value) == value
    else:
        with pytest.raises(ValidationError):
            check_measurement_value(kind, value)


def test_reference_check_refuses_an_impossible_weight_for_age() -> None:
    born = dt.date(2026, 10, 1)
    common = {"sex": Sex.FEMALE, "date_of_birth": born, "gestation": Gestation(40, 0)}
    two_weeks = born + dt.timedelta(days=14)
    # 3.6 kg at two weeks is ordinary; 14 kg passes the hard limit but not the reference.
    assert check_measurement_against_reference(
        kind=MeasurementKind.WEIGHT, value=3.6, measured_on=two_weeks, **common
    )
    with pytest.raises(ValidationError, match="standard deviations above"):
        check_measurement_against_reference(
            kind=MeasurementKind.WEIGHT, value=14.0, measured_on=two_weeks, **common
        )


def test_a_very_preterm_babys_ordinary_length_is_not_called_impossible() -> None:
    # 30 cm at birth at 24+0 weeks is ordinary; at chronological (term) age it
    # would be about 11 SD below the mean. UK-WHO judges it at corrected age.
    born = dt.date(2026, 6, 1)
    assert (
        check_measurement_against_reference(
            kind=MeasurementKind.LENGTH,
            value=30.0,
            sex=Sex.FEMALE,
            date_of_birth=born,
            measured_on=born,
            gestation=Gestation(24, 0),
        )
        == 30.0
    )


@pytest.mark.parametrize("digit", "0123456789")
def test_a_repeated_digit_placeholder_is_refused(digit: str) -> None:
    # 000 000 0000, 111 111 1111 and 555 555 5555 pass the modulus 11 check.
    with pytest.raises(ValidationError, match="placeholder"):
        clean_nhs_number(digit * 10)
