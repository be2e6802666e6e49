"""Search across the team's records (issue 4): what is found, and what never is."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, func, select

from healthvisitor.domain.enums import PregnancyOutcome, RecordStatus, Role
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import AuditEvent, Child, Family, User
from healthvisitor.persistence.models import Team as TeamRow
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.caseload import caseload
from healthvisitor.services.search import (
    TYPE_MORE,
    UNALLOCATED,
    LookingFor,
    SearchResult,
    interpret,
    postcode_starts,
    search_records,
)
from tests import factories
from tests.statements import statements_sent

TODAY = dt.date(2026, 11, 24)


# --- Reading what was typed (no database) ------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "03/03/2025",
        "3/3/25",
        "03-03-2025",
        "03.03.2025",
        "2025-03-03",
        "3 Mar 2025",
        "3 march 2025",
        "3rd March 25",
        "03-Mar-2025",
        " 3 / 3 / 2025 ",
    ],
)
def test_every_usual_way_of_writing_a_date_is_a_date_of_birth(typed: str) -> None:
    terms = interpret(typed, today=TODAY)
    assert terms.looking_for is LookingFor.DATE_OF_BIRTH
    assert terms.date_of_birth == dt.date(2025, 3, 3)
    assert terms.described == "date of birth 03 Mar 2025"


def test_a_two_digit_year_is_the_latest_it_can_be() -> None:
    assert interpret("1/2/26", today=TODAY).date_of_birth == dt.date(2026, 2, 1)
    # 2027 is still to come, so "27" is 1927 (records that old are an entry error,
    # but the search must not invent a future birthday).
    assert interpret("1/2/27", today=TODAY).date_of_birth == dt.date(1927, 2, 1)


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("", TYPE_MORE),
        ("   ", TYPE_MORE),
        ("a", TYPE_MORE),
        ("'a-", TYPE_MORE),
        ("31/02/2025", "31/02/2025 is not a real date. Type it as day/month/year"),
        ("03/03", "Keep typing the date of birth"),
        ("03/03/202", "Keep typing the date of birth"),
        ("3 Mar", "Keep typing the date of birth"),
        ("999 123 456 78", "An NHS number has 10 digits; this has 11."),
    ],
)
def test_too_little_or_an_impossible_date_searches_nothing_and_says_why(
    typed: str, hint: str
) -> None:
    terms = interpret(typed, today=TODAY)
    assert terms.looking_for is LookingFor.NOTHING
    assert terms.hint.startswith(hint)
    assert SearchResult(terms).summary() == terms.hint


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919", " 94 34 76 59 19"])
def test_ten_digits_however_spaced_are_an_exact_nhs_number(typed: str) -> None:
    terms = interpret(typed, today=TODAY)
    assert terms.looking_for is LookingFor.NHS_NUMBER
    assert terms.nhs_digits == "9434765919"
    assert terms.described == "NHS number 943 476 5919"
    assert terms.date_of_birth is None


def test_a_few_digits_are_the_start_of_an_nhs_number_and_say_how_to_type_a_date() -> None:
    # "2024" could be meant as a year of birth: a fifth of a team's children, no use
    # as a search. It is read as an NHS number being typed, and the hint says how
    # to search by date of birth instead.
    terms = interpret("2024", today=TODAY)
    assert (terms.looking_for, terms.nhs_digits) == (LookingFor.NHS_NUMBER, "2024")
    assert terms.described == "an NHS number starting 202 4"
    assert "To find a date of birth, type it as day/month/year" in terms.hint


@pytest.mark.parametrize(
    ("typed", "born"),
    [("030325", dt.date(2025, 3, 3)), ("03032025", dt.date(2025, 3, 3)), ("310224", None)],
)
def test_six_or_eight_digits_that_make_a_date_search_that_date_of_birth_too(
    typed: str, born: dt.date | None
) -> None:
    terms = interpret(typed, today=TODAY)
    assert (terms.looking_for, terms.nhs_digits) == (LookingFor.NHS_NUMBER, typed)
    assert terms.date_of_birth == born


@pytest.mark.parametrize(
    ("typed", "starts"),
    [
        ("LS7 3AB", ("LS7 3AB",)),
        ("ls73ab", ("LS7 3AB",)),
        ("  ls7   3ab ", ("LS7 3AB",)),
        ("LS7", ("LS7",)),
        ("ls7 3", ("LS7 3",)),
        ("LS7 3A", ("LS7 3A",)),
        ("LS73", ("LS7 3", "LS73")),  # district LS73, or LS7 with the inward code begun
        ("SW1A 1AA", ("SW1A 1AA",)),
        ("M1", ("M1",)),
        ("LS", ()),
        ("Smith", ()),
        ("LS7 3AB 1", ()),
    ],
)
def test_postcodes_whole_outward_or_begun(typed: str, starts: tuple[str, ...]) -> None:
    assert postcode_starts(typed) == starts
    looking_for = interpret(typed, today=TODAY).looking_for
    assert (looking_for is LookingFor.POSTCODE) == bool(starts)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("amel smi", ("amel", "smi")),
        ("Zoë", ("zoe",)),
        ("o'b", ("ob",)),
        ("Smith-Jo", ("smith", "jo")),
    ],
)
def test_anything_else_is_the_start_of_names(typed: str, words: tuple[str, ...]) -> None:
    terms = interpret(typed, today=TODAY)
    assert (terms.looking_for, terms.name_words) == (LookingFor.NAME, words)


# --- The team's records --------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    engine: Engine
    me: Actor
    other: Actor
    children: dict[str, uuid.UUID]
    nhs: dict[str, str]


def build(engine: Engine) -> Team:
    """North: my team's children. South: a look-alike of Amelia that North must never see."""
    children: dict[str, uuid.UUID] = {}
    nhs: dict[str, str] = {}
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        me, colleague = factories.user(session, north), factories.user(session, north)
        colleague.full_name = "Helen Walker"
        stranger = factories.user(session, south)

        def family(team: object, name: str, postcode: str) -> Family:
            result = factories.family(session, team, name)  # type: ignore[arg-type]
            result.postcode = postcode
            return result

        def child(
            key: str, family: Family, hv: object, given: str, born: dt.date, **extra: object
        ) -> None:
            made = factories.child(
                session,
                family,
                hv,  # type: ignore[arg-type]
                given_name=given,
                date_of_birth=born,
            )
            for name, value in extra.items():
                setattr(made, name, value)
            children[key] = made.id
            nhs[key] = made.nhs_number

        child("amelia", family(north, "Smith-Jones", "LS7 3AB"), me, "Amelia", dt.date(2025, 3, 3))
        child("zoe", family(north, "O'Brien", "LS7 4CD"), colleague, "Zoë", dt.date(2024, 5, 9))
        child("li", family(north, "Ng", "LS17 5HX"), None, "Li", dt.date(2025, 3, 3))
        khan = family(north, "Khan", "LS8 1PQ")
        child("omar", khan, me, "Omar", dt.date(2025, 8, 1))
        child(
            "zara",
            khan,
            me,
            "Zara",
            dt.date(2021, 9, 1),
            record_status=RecordStatus.DISCHARGED,
            record_status_date=dt.date(2026, 9, 1),
        )
        child(
            "yusuf",
            khan,
            me,
            "Yusuf",
            dt.date(2023, 1, 1),
            record_status=RecordStatus.DECEASED,
            record_status_date=dt.date(2024, 2, 2),
        )
        child(
            "lookalike",
            family(south, "Smith-Jones", "LS7 3AB"),
            stranger,
            "Amelia",
            dt.date(2025, 3, 3),
        )
        return Team(engine, factories.actor(me), factories.actor(stranger), children, nhs)


@pytest.fixture
def team(engine: Engine) -> Team:
    return build(engine)


def found(team: Team, typed: str, actor: Actor | None = None, limit: int = 50) -> SearchResult:
    with unit_of_work(team.engine) as session:
        return search_records(session, actor or team.me, typed, today=TODAY, limit=limit)


def keys(team: Team, result: SearchResult) -> list[str]:
    by_id = {child_id: key for key, child_id in team.children.items()}
    return [by_id[row.child_id] for row in result.rows]


def spaced(digits: str, pattern: tuple[int, ...], separator: str) -> str:
    parts, start = [], 0
    for width in pattern:
        parts.append(digits[start : start + width])
        start += width
    return separator.join(parts)


def test_an_nhs_number_with_any_spacing_finds_that_child_as_the_list_shows_it(
    team: Team,
) -> None:
    digits = team.nhs["amelia"]
    for typed in (digits, spaced(digits, (3, 3, 4), " "), spaced(digits, (3, 3, 4), "-")):
        result = found(team, typed)
        assert keys(team, result) == ["amelia"]
    row = result.rows[0]
    assert row.name == "Amelia Smith-Jones"
    assert row.nhs_number == spaced(digits, (3, 3, 4), " ")
    assert (row.date_of_birth, row.age) == (dt.date(2025, 3, 3), "20 months")
    assert (row.family, row.postcode) == ("Smith-Jones", "LS7 3AB")
    assert (row.record_status, row.status, row.active) == (RecordStatus.ACTIVE, "Active", True)
    assert result.summary() == (
        f"1 child in the team has NHS number {spaced(digits, (3, 3, 4), ' ')}."
    )


def test_the_start_of_an_nhs_number_narrows_as_it_is_typed(team: Team) -> None:
    digits = team.nhs["zoe"]
    # factories' numbers all start 999: every North child at first, then only Zoë.
    assert len(found(team, digits[:3]).rows) == 6
    assert keys(team, found(team, digits[:9])) == ["zoe"]
    assert keys(team, found(team, "123 45")) == []


def test_names_by_prefix_whatever_the_case_and_accents(team: Team) -> None:
    assert keys(team, found(team, "amel smi")) == ["amelia"]
    assert keys(team, found(team, "JONES")) == ["amelia"]
    assert keys(team, found(team, "smith-jo")) == ["amelia"]
    assert keys(team, found(team, "zoe")) == ["zoe"]
    assert keys(team, found(team, "ZOË O'B")) == ["zoe"]
    assert keys(team, found(team, "o'b")) == ["zoe"]
    assert keys(team, found(team, "obri")) == ["zoe"]
    assert keys(team, found(team, "amel zz")) == []
    assert found(team, "amel zz").summary() == (
        "No child or pregnancy in the team has names with words starting “amel” and “zz”."
    )


@pytest.mark.parametrize("typed", ["03/03/2025", "3/3/25", "2025-03-03", "3 Mar 2025", "030325"])
def test_a_date_of_birth_in_any_usual_form(team: Team, typed: str) -> None:
    # Amelia and Li share a birthday; South's look-alike does too, and stays out.
    assert keys(team, found(team, typed)) == ["li", "amelia"]


def test_postcodes_whole_or_outward_only(team: Team) -> None:
    assert keys(team, found(team, "ls73ab")) == ["amelia"]
    assert keys(team, found(team, "LS7 3AB")) == ["amelia"]
    # LS7 is not LS17, nor a prefix of its text.
    assert keys(team, found(team, "LS7")) == ["zoe", "amelia"]
    assert keys(team, found(team, "LS7 4")) == ["zoe"]
    assert keys(team, found(team, "ls17")) == ["li"]
    assert found(team, "LS7").summary() == "2 children in the team have a postcode in LS7."


def test_another_teams_child_is_never_found(team: Team) -> None:
    lookalike = team.children["lookalike"]
    for typed in (team.nhs["lookalike"], "amelia", "smith", "LS7 3AB", "03/03/2025", "999"):
        assert lookalike not in {row.child_id for row in found(team, typed).rows}, typed
    # ... and South's own health visitor finds only South's.
    assert keys(team, found(team, "amelia", actor=team.other)) == ["lookalike"]
    assert keys(team, found(team, team.nhs["amelia"], actor=team.other)) == []


def test_a_discharged_child_leaves_the_caseload_but_is_found_with_its_status(
    team: Team,
) -> None:
    with unit_of_work(team.engine) as session:
        on_caseload = {row.child_id for row in caseload(session, team.me, today=TODAY)}
    assert team.children["zara"] not in on_caseload
    assert team.children["omar"] in on_caseload
    result = found(team, "khan")
    # Active records first; the others after them, each saying what became of it.
    assert keys(team, result) == ["omar", "yusuf", "zara"]
    statuses = [(row.status, row.active) for row in result.rows]
    assert statuses == [
        ("Active", True),
        ("Deceased 02 Feb 2024", False),
        ("Discharged 01 Sep 2026", False),
    ]
    assert result.rows[1].age == "—"  # no age counting on for a child who has died
    assert keys(team, found(team, team.nhs["zara"])) == ["zara"]


def test_the_allocated_health_visitor_or_unallocated(team: Team) -> None:
    assert found(team, "zoe").rows[0].health_visitor == "Helen Walker"
    assert found(team, "li ng").rows[0].health_visitor == UNALLOCATED


def test_a_renamed_child_is_found_by_the_new_name_only(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        amelia = session.get_one(Child, team.children["amelia"])
        amelia.given_name = "Émilie"
        amelia.family_name = "Fraser"
    assert keys(team, found(team, "emil fra")) == ["amelia"]
    assert keys(team, found(team, "amelia")) == []
    assert keys(team, found(team, "smith")) == []


def test_a_long_list_shows_the_first_and_says_there_are_more(team: Team) -> None:
    # "khan" finds three children.
    limited = found(team, "khan", limit=2)
    assert (keys(team, limited), limited.more) == (["omar", "yusuf"], True)
    assert limited.summary() == (
        "The first 2 children in the team with a name starting “khan”: "
        "type more to narrow the search."
    )
    whole = found(team, "khan", limit=3)
    assert (len(whole.rows), whole.more) == (3, False)


def test_three_queries_whatever_is_found_none_for_too_little_and_no_audit(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    for typed, expected in (
        ("khan", 3),  # the children, the pregnancies, then the health visitors' names
        ("amel smi", 3),
        (team.nhs["amelia"], 2),  # an NHS number or a date finds no pregnancy: not asked
        ("030325", 2),  # Li (unallocated) and Amelia
        ("LS73", 3),
        ("li ng", 2),  # unallocated: no name to look up
        ("zz", 2),  # nothing found
        ("a", 0),
        ("03/03", 0),
    ):
        with statements_sent(team.engine) as statements:
            found(team, typed)
        assert len(statements) == expected, (typed, statements)
    # Searching runs on every pause in typing; only opening a record is audited.
    with unit_of_work(team.engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_an_administrator_cannot_search_childrens_records(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        admin = factories.actor(factories.user(session, None, Role.ADMINISTRATOR))
    with pytest.raises(PermissionDeniedError), unit_of_work(team.engine) as session:
        search_records(session, admin, "amelia", today=TODAY)


# --- Expectant mothers: a pregnancy is found before the baby is born ---------------------


@dataclass(frozen=True)
class Expecting:
    team: Team
    pregnancies: dict[str, uuid.UUID]


@pytest.fixture
def expecting(team: Team) -> Expecting:
    """North adds Rosa Patel (mine, due 20 Jan 2027), Hana Ito (unallocated) and
    Nina Patel, whose baby is born; South has a Rosa Patel of its own."""
    made: dict[str, uuid.UUID] = {}
    with unit_of_work(team.engine) as session:
        me = session.get_one(User, team.me.user_id)
        north = session.get_one(TeamRow, me.team_id)
        south = session.get_one(TeamRow, session.get_one(User, team.other.user_id).team_id)
        for key, in_team, given, surname, postcode, holder, outcome in (
            ("rosa", north, "Rósa", "Patel", "LS7 2QA", me, PregnancyOutcome.ONGOING),
            ("hana", north, "Hana", "Ito", "LS9 8AB", None, PregnancyOutcome.ONGOING),
            ("nina", north, "Nina", "Patel", "LS7 2QB", me, PregnancyOutcome.LIVE_BIRTH),
            ("south", south, "Rosa", "Patel", "LS7 2QA", None, PregnancyOutcome.ONGOING),
        ):
            family = factories.family(session, in_team, surname)
            family.postcode = postcode
            mother = factories.carer(session, family, given)
            made[key] = factories.pregnancy(
                session, mother, holder, dt.date(2027, 1, 20), outcome
            ).id
    return Expecting(team, made)


def pregnancy_keys(expecting: Expecting, result: SearchResult) -> list[str]:
    by_id = {pregnancy_id: key for key, pregnancy_id in expecting.pregnancies.items()}
    return [by_id[row.pregnancy_id] for row in result.pregnancies]


@pytest.mark.parametrize("typed", ["rosa", "ROSA PAT", "patel", "pat ros"])
def test_an_expectant_mother_is_found_by_name_before_the_birth(
    expecting: Expecting, typed: str
) -> None:
    result = found(expecting.team, typed)
    # Not Nina (her baby is born: the child's record is found instead), not South's Rosa.
    assert pregnancy_keys(expecting, result) == ["rosa"]
    (rosa,) = result.pregnancies
    assert rosa.mother_name == "Rósa Patel"
    assert (rosa.family, rosa.postcode) == ("Patel", "LS7 2QA")
    assert rosa.estimated_delivery_date == dt.date(2027, 1, 20)
    assert rosa.gestation == "31+6 weeks"
    assert rosa.health_visitor_id == expecting.team.me.user_id
    assert rosa.health_visitor == found(expecting.team, "amelia").rows[0].health_visitor


def test_a_pregnancy_is_found_by_postcode_with_the_children_there(expecting: Expecting) -> None:
    result = found(expecting.team, "LS7")
    assert keys(expecting.team, result) == ["zoe", "amelia"]
    assert pregnancy_keys(expecting, result) == ["rosa"]
    assert result.summary() == "2 children and 1 pregnancy in the team have a postcode in LS7."
    only = found(expecting.team, "ls9 8ab")
    assert pregnancy_keys(expecting, only) == ["hana"]
    assert only.pregnancies[0].health_visitor == UNALLOCATED
    assert only.summary() == "1 pregnancy in the team has postcode LS9 8AB."


def test_a_pregnancy_is_not_found_by_what_it_does_not_have(expecting: Expecting) -> None:
    """The mother's NHS number is not held; a date of birth is a child's."""
    for typed in (expecting.team.nhs["amelia"], "999", "20/01/2027", "03/03/2025"):
        assert found(expecting.team, typed).pregnancies == (), typed
    assert found(expecting.team, "zz").summary() == (
        "No child or pregnancy in the team has a name starting “zz”."
    )
    assert found(expecting.team, "999 999 9999").summary().startswith("No child in the team")


def test_a_long_list_of_pregnancies_says_there_are_more(expecting: Expecting) -> None:
    with unit_of_work(expecting.team.engine) as session:
        north = session.get_one(User, expecting.team.me.user_id).team_id
        family = factories.family(session, session.get_one(TeamRow, north), "Khan")
        mother = factories.carer(session, family, "Rosa")
        factories.pregnancy(session, mother, None, dt.date(2027, 3, 1))
    limited = found(expecting.team, "rosa", limit=1)
    assert (pregnancy_keys(expecting, limited), limited.more) == (["rosa"], True)
    assert limited.summary().endswith("type more to narrow the search.")
    whole = found(expecting.team, "rosa", limit=2)
    assert (len(whole.pregnancies), whole.more) == (2, False)
