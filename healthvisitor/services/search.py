"""Search across the team's records (issue 4): find any child of the team as you type.

A health visitor types an NHS number (any spacing), a date of birth, a
postcode or the start of a name, and sees the matching children of their
own team, never another team's. Children whose record is no longer active
(transferred out, moved away, discharged, deceased) are found too, each
saying its record status, after the active ones: a discharged child leaves
the caseload but stays searchable.

``interpret`` reads what was typed (a pure function, no database);
``search_records`` turns it into one query, whatever the team's size. Each
indexed column answers its own kind of search: ``children.nhs_number``
(unique), ``children.date_of_birth``, ``families.postcode`` and the words of
each child's names in ``child_search_words`` (folded by ``name_key``, so
"zoe" finds Zoë and "o'b" finds O'Brien). A search is not audited: it runs on
every pause in typing, and opening the record found is audited already.

Ongoing pregnancies (the baby not born yet) are found too, by the mother's
name or the family's name and by postcode, in ``SearchResult.pregnancies``:
a health visitor looks for the expectant mother before there is a child's
record (issue 4). The mother's NHS number is not held (``Carer`` has none),
so an NHS number finds children only. A team has a few hundred ongoing
pregnancies at most, so their names are folded here (``name_key``) rather
than kept in a words table like the children's.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from sqlalchemy import ColumnElement, Row, and_, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from healthvisitor.domain.ages import age_text, gestation_text
from healthvisitor.domain.enums import PregnancyOutcome, RecordStatus
from healthvisitor.domain.names import after_every_extension, name_key
from healthvisitor.domain.validation import format_nhs_number
from healthvisitor.persistence.models import (
    Carer,
    Child,
    ChildSearchWord,
    Family,
    Pregnancy,
    User,
)
from healthvisitor.services.access import require_clinical
from healthvisitor.services.actor import Actor
from healthvisitor.services.policy import Permission, requires

#: Fewer letters or digits than this find too many children to be any use.
MINIMUM_CHARACTERS = 2
#: The most rows a search shows; ``SearchResult.more`` says when others matched.
DEFAULT_LIMIT = 50
#: The digits of an NHS number (NHS Data Dictionary, "NHS Number").
NHS_NUMBER_DIGITS = 10
#: Shown when nothing was typed yet, or too little.
TYPE_MORE = (
    f"Type at least {MINIMUM_CHARACTERS} letters of a name, or an NHS number, "
    "date of birth or postcode."
)
#: How to type a date of birth, said whenever one is half typed.
DATE_EXAMPLE = "day/month/year, e.g. 03/03/2025"
UNALLOCATED = "Unallocated"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


class LookingFor(Enum):
    """What the typed text was read as."""

    NOTHING = "nothing"
    NHS_NUMBER = "NHS number"
    DATE_OF_BIRTH = "date of birth"
    POSTCODE = "postcode"
    NAME = "name"


@dataclass(frozen=True)
class SearchTerms:
    """What a search looks for, read from what the health visitor typed."""

    looking_for: LookingFor
    #: In words, for "No child in the team has …": "NHS number 943 476 5919".
    described: str = ""
    #: All ten digits (an exact search), or the first few typed so far.
    nhs_digits: str = ""
    #: Six or eight digits may also be a date of birth (030325, 03032025): both are searched.
    date_of_birth: dt.date | None = None
    #: Normalised postcodes or their starts, any of which matches: "LS7", "LS7 3AB".
    postcodes: tuple[str, ...] = ()
    #: Folded words; each must start some word of the child's names.
    name_words: tuple[str, ...] = ()
    #: Why nothing is searched yet, or how to search differently; "" if nothing to say.
    hint: str = ""


@dataclass(frozen=True)
class SearchRow:
    """One child found, as the results list shows it."""

    child_id: uuid.UUID
    name: str
    nhs_number: str  # formatted 3-3-4
    date_of_birth: dt.date
    #: As health visitors say it ("34 weeks"); "—" for a child who has died.
    age: str
    family: str
    postcode: str
    #: The allocated health visitor's name, or "Unallocated".
    health_visitor: str
    record_status: RecordStatus
    #: The record status in words, with its date when not active: "Discharged 01 Sep 2026".
    status: str

    @property
    def active(self) -> bool:
        return self.record_status is RecordStatus.ACTIVE


@dataclass(frozen=True)
class PregnancySearchRow:
    """One ongoing pregnancy found (the baby not born yet), as the results list shows it."""

    pregnancy_id: uuid.UUID
    #: The expectant mother.
    mother_name: str
    family: str
    postcode: str
    estimated_delivery_date: dt.date
    #: Weeks and days today, as health visitors say it: "31+6 weeks".
    gestation: str
    health_visitor_id: uuid.UUID | None
    #: The allocated health visitor's name, or "Unallocated".
    health_visitor: str


#: What a search looks for that a pregnancy can have (the mother's NHS number is not held).
_PREGNANCY_SEARCHES = frozenset({LookingFor.NAME, LookingFor.POSTCODE})


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@dataclass(frozen=True)
class SearchResult:
    terms: SearchTerms
    #: Active records first, then the others; each group by family name, given name, birth.
    rows: tuple[SearchRow, ...] = ()
    #: More children matched than ``rows`` holds.
    more: bool = False
    #: Ongoing pregnancies found (names and postcodes only), by estimated date of delivery.
    pregnancies: tuple[PregnancySearchRow, ...] = ()

    @property
    def searched(self) -> bool:
        return self.terms.looking_for is not LookingFor.NOTHING

    def summary(self) -> str:
        """One line saying what was found: "2 children in the team have postcode LS7 3AB."."""
        terms = self.terms
        if not self.searched:
            return terms.hint
        count, expecting = len(self.rows), len(self.pregnancies)
        found = " and ".join(
            part
            for part in (
                _counted(count, "child", "children") if count else "",
                _counted(expecting, "pregnancy", "pregnancies") if expecting else "",
            )
            if part
        )
        if not found:
            nobody = (
                "No child or pregnancy" if terms.looking_for in _PREGNANCY_SEARCHES else "No child"
            )
            said = f"{nobody} in the team has {terms.described}."
        elif self.more:
            said = (
                f"The first {found} in the team with {terms.described}: "
                "type more to narrow the search."
            )
        elif count + expecting == 1:
            said = f"{found} in the team has {terms.described}."
        else:
            said = f"{found} in the team have {terms.described}."
        return f"{said} {terms.hint}" if terms.hint else said


def date_words(day: dt.date) -> str:
    """``03 Mar 2025``, the same on every machine (no locale month names)."""
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"


# --- Reading what was typed ---------------------------------------------------------

_NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDED_DATE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]+)\.?[\s\-/.,]*(\d*)")
#: A date still being typed: "03/", "03/03", "03/03/202", "2025-03".
_PARTIAL_DATE = re.compile(
    r"\d{1,2}\s*[/.\-]\s*(\d{1,2}\s*([/.\-]\s*\d{0,3})?)?|\d{4}-(\d{1,2}(-\d?)?)?"
)
_NHS_SEPARATORS = re.compile(r"[\s\-]")
#: The outward code of a UK postcode ("LS7", "M1", "SW1A"); the inward code is
#: a digit and two letters ("3AB"). BS 7666, as used by Royal Mail.
_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_INWARD_START = re.compile(r"[0-9]([A-Z][A-Z]?)?")
_INWARD_FULL_LENGTH = 3


def interpret(text: str, *, today: dt.date) -> SearchTerms:
    """What ``text`` asks for: an NHS number, a date of birth, a postcode or names.

    * ten digits, spaced or hyphenated however: that NHS number exactly; fewer
      digits: NHS numbers starting with them (as the number is typed), and six
      or eight digits that make a date (ddmmyy, ddmmyyyy) that date of birth too;
    * a date (03/03/2025, 3/3/25, 03-03-2025, 03.03.2025, 2025-03-03, 3 Mar 2025):
      that date of birth; a two-digit year is this century unless that is
      after this year;
    * a postcode, whole ("LS7 3AB", "ls73ab"), its outward code ("LS7") or
      its start ("LS7 3"): the families at it;
    * anything else: names, every word typed starting a word of the child's names.

    Fewer than ``MINIMUM_CHARACTERS`` letters or digits search nothing and say why.
    """
    typed = " ".join(text.split())
    lowered = typed.casefold()
    if sum(char.isalnum() for char in typed) < MINIMUM_CHARACTERS:
        return SearchTerms(LookingFor.NOTHING, hint=TYPE_MORE)
    dated = _date_terms(lowered, today)
    if dated is not None:
        return dated
    if re.fullmatch(r"[\d\s\-]+", typed):
        return _nhs_number_terms(_NHS_SEPARATORS.sub("", typed), today)
    postcodes = postcode_starts(typed)
    if postcodes:
        return _postcode_terms(postcodes)
    words = tuple(word[:100] for word in name_key(typed).split())
    if sum(len(word) for word in words) < MINIMUM_CHARACTERS:
        return SearchTerms(LookingFor.NOTHING, hint=TYPE_MORE)
    quoted = " and ".join(f"“{word}”" for word in words)
    described = (
        f"a name starting {quoted}" if len(words) == 1 else f"names with words starting {quoted}"
    )
    return SearchTerms(LookingFor.NAME, described, name_words=words)


def _real_date(year: int, month: int, day: int, typed: str) -> SearchTerms:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return SearchTerms(
            LookingFor.NOTHING, hint=f"{typed} is not a real date. Type it as {DATE_EXAMPLE}."
        )
    return SearchTerms(
        LookingFor.DATE_OF_BIRTH, f"date of birth {date_words(born)}", date_of_birth=born
    )


def _full_year(year: int, digits: int, today: dt.date) -> int:
    """A two-digit year as the most recent year it can be (children are under 19)."""
    if digits == 4:
        return year
    this_century = today.year // 100 * 100 + year
    return this_century if this_century <= today.year else this_century - 100


def _month(word: str) -> int | None:
    """1-12 for a month name or its start of three letters or more ("sept", "mar")."""
    if len(word) < 3:
        return None
    found = [n for n, name in enumerate(_MONTH_NAMES, start=1) if name.startswith(word)]
    return found[0] if len(found) == 1 else None


def _date_terms(lowered: str, today: dt.date) -> SearchTerms | None:
    """A date of birth, a date half typed (a hint), or None if it is no date at all."""
    if match := _NUMERIC_DATE.fullmatch(lowered):
        day, month, year = match.groups()
        return _real_date(_full_year(int(year), len(year), today), int(month), int(day), lowered)
    if match := _ISO_DATE.fullmatch(lowered):
        year, month, day = match.groups()
        return _real_date(int(year), int(month), int(day), lowered)
    if match := _WORDED_DATE.fullmatch(lowered):
        day, word, year = match.groups()
        month = _month(word)
        if month is not None and len(year) in (2, 4):
            return _real_date(_full_year(int(year), len(year), today), month, int(day), lowered)
        if any(name.startswith(word) or word.startswith(name[:3]) for name in _MONTH_NAMES):
            return SearchTerms(
                LookingFor.NOTHING, hint=f"Keep typing the date of birth: {DATE_EXAMPLE}."
            )
        return None
    if _PARTIAL_DATE.fullmatch(lowered):
        return SearchTerms(
            LookingFor.NOTHING, hint=f"Keep typing the date of birth: {DATE_EXAMPLE}."
        )
    return None


def _nhs_number_terms(digits: str, today: dt.date) -> SearchTerms:
    if len(digits) > NHS_NUMBER_DIGITS:
        return SearchTerms(
            LookingFor.NOTHING,
            hint=f"An NHS number has {NHS_NUMBER_DIGITS} digits; this has {len(digits)}.",
        )
    if len(digits) == NHS_NUMBER_DIGITS:
        return SearchTerms(
            LookingFor.NHS_NUMBER,
            f"NHS number {format_nhs_number(digits)}",
            nhs_digits=digits,
        )
    # Fewer digits: the start of an NHS number being typed, so the list narrows
    # as each digit arrives. "2024" is no date of birth on its own: the hint
    # says how to type one. Six or eight digits may be one, typed without
    # separators (ddmmyy, ddmmyyyy): both are searched then.
    spaced = " ".join(filter(None, (digits[:3], digits[3:6], digits[6:])))
    described = f"an NHS number starting {spaced}"
    born = None
    if len(digits) in (6, 8):
        year = _full_year(int(digits[4:]), len(digits) - 4, today)
        try:
            born = dt.date(year, int(digits[2:4]), int(digits[:2]))
        except ValueError:
            born = None
    if born is not None:
        return SearchTerms(
            LookingFor.NHS_NUMBER,
            f"{described} or date of birth {date_words(born)}",
            nhs_digits=digits,
            date_of_birth=born,
        )
    return SearchTerms(
        LookingFor.NHS_NUMBER,
        described,
        nhs_digits=digits,
        hint=f"To find a date of birth, type it as {DATE_EXAMPLE}.",
    )


def postcode_starts(typed: str) -> tuple[str, ...]:
    """The normalised postcodes, or starts of one, that ``typed`` can be; () if none.

    "LS7 3AB" and "ls73ab" are ("LS7 3AB",); "LS7" is ("LS7",), every postcode
    in that district; "LS7 3" is ("LS7 3",). Without a space, "LS73" is either
    district LS73 or LS7 3…: both.
    """
    upper = typed.upper().strip()
    if not re.fullmatch(r"[A-Z0-9 ]+", upper) or not re.search(r"[0-9]", upper):
        return ()
    parts = upper.split()
    if len(parts) == 2:
        outward, inward = parts
        return (
            (f"{outward} {inward}",)
            if _OUTWARD.fullmatch(outward) and _INWARD_START.fullmatch(inward)
            else ()
        )
    if len(parts) != 1:
        return ()
    compact = parts[0]
    found: list[str] = []
    for split in range(2, len(compact) + 1):
        outward, inward = compact[:split], compact[split:]
        if not _OUTWARD.fullmatch(outward):
            continue
        if not inward:
            found.append(outward)
        elif _INWARD_START.fullmatch(inward):
            found.append(f"{outward} {inward}")
    # A whole postcode is unambiguous: "LS73AB" is LS7 3AB, never district LS73 plus "AB".
    whole = [start for start in found if len(start.partition(" ")[2]) == _INWARD_FULL_LENGTH]
    return tuple(whole or found)


def _postcode_terms(postcodes: tuple[str, ...]) -> SearchTerms:
    first = postcodes[0]
    outward, _, inward = first.partition(" ")
    if len(postcodes) > 1:
        described = f"a postcode starting {' or '.join(postcodes)}"
    elif len(inward) == _INWARD_FULL_LENGTH:
        described = f"postcode {first}"
    elif not inward:
        described = f"a postcode in {outward}"
    else:
        described = f"a postcode starting {first}"
    return SearchTerms(LookingFor.POSTCODE, described, postcodes=postcodes)


# --- Asking the database ---------------------------------------------------------------


def _starts_with(
    column: InstrumentedAttribute[str], prefix: str, *, code_point_order: bool = False
) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``: an index range, plus an exact check if needed.

    The range lets an index find the rows. Where the column may compare in a
    language's collation (PostgreSQL's default), an exact ``substr`` check keeps
    the answer right: one that ignores spaces would let "LS70 1AB" into "LS7 …".
    ``code_point_order`` columns (the search words: binary on SQLite, COLLATE
    "C" on PostgreSQL) need none, and the index alone answers.
    """
    upper = after_every_extension(prefix)
    in_range = column >= prefix if upper is None else and_(column >= prefix, column < upper)
    if code_point_order:
        return in_range
    return and_(in_range, func.substr(column, 1, len(prefix)) == prefix)


def _postcode_matches(start: str) -> ColumnElement[bool]:
    outward, space, inward = start.partition(" ")
    if len(inward) == _INWARD_FULL_LENGTH:
        return Family.postcode == start
    # The first and last postcodes this start can be ("LS7 0AA" to "LS7 9ZZ"): an
    # index range that holds them all even in a collation that ignores the space.
    low = f"{outward} {inward}{'0AA'[len(inward) :]}"
    high = f"{outward} {inward}{'9ZZ'[len(inward) :]}"
    within = and_(
        Family.postcode.between(low, high),
        func.substr(Family.postcode, 1, len(outward) + 1 + len(inward)) == f"{outward} {inward}",
    )
    # A family whose postcode is only its outward code ("LS7") is in that district.
    return within if space else or_(Family.postcode == outward, within)


def _criteria(terms: SearchTerms) -> ColumnElement[bool]:
    if terms.looking_for is LookingFor.NHS_NUMBER:
        by_number = (
            Child.nhs_number == terms.nhs_digits
            if len(terms.nhs_digits) == NHS_NUMBER_DIGITS
            else _starts_with(Child.nhs_number, terms.nhs_digits)
        )
        if terms.date_of_birth is not None:
            return or_(by_number, Child.date_of_birth == terms.date_of_birth)
        return by_number
    if terms.looking_for is LookingFor.DATE_OF_BIRTH:
        return Child.date_of_birth == terms.date_of_birth
    if terms.looking_for is LookingFor.POSTCODE:
        return or_(*(_postcode_matches(start) for start in terms.postcodes))
    # Names: each word typed starts some word of the child's names.
    return and_(
        *(
            Child.id.in_(
                select(ChildSearchWord.child_id).where(
                    _starts_with(ChildSearchWord.word, word, code_point_order=True)
                )
            )
            for word in terms.name_words
        )
    )


def _status_words(status: RecordStatus, since: dt.date | None) -> str:
    if status is RecordStatus.ACTIVE or since is None:
        return status.label
    return f"{status.label} {date_words(since)}"


@requires(Permission.VIEW_RECORD)
def search_records(
    session: Session, actor: Actor, text: str, *, today: dt.date, limit: int = DEFAULT_LIMIT
) -> SearchResult:
    """The children of the actor's team that ``text`` finds (see ``interpret``).

    Three queries at most however large the team (none when too little was
    typed): the children with their family, ``limit`` and one more to know
    whether there are more than are shown; for a name or a postcode, the
    team's ongoing pregnancies the same way; then the names of their health
    visitors. Asked apart, the names never multiply the work of a search that
    matches the whole team (an outward postcode): the planner cannot misjudge
    a join it is never given.
    """
    team_id = require_clinical(actor)
    terms = interpret(text, today=today)
    if terms.looking_for is LookingFor.NOTHING:
        return SearchResult(terms)
    active_first = case((Child.record_status == RecordStatus.ACTIVE, 0), else_=1)
    found = session.execute(
        select(
            Child.id,
            Child.given_name,
            Child.family_name,
            Child.nhs_number,
            Child.date_of_birth,
            Child.record_status,
            Child.record_status_date,
            Family.family_name,
            Family.postcode,
            Child.health_visitor_id,
        )
        .join(Family, Family.id == Child.family_id)
        .where(Child.team_id == team_id, _criteria(terms))
        .order_by(active_first, Child.family_name, Child.given_name, Child.date_of_birth, Child.id)
        .limit(limit + 1)
    ).all()
    shown = found[:limit]
    waiting, more_expecting = _pregnancies_found(session, team_id, terms, limit)
    names = _user_names(session, {row[9] for row in shown} | {row[6] for row in waiting})
    expecting = tuple(
        PregnancySearchRow(
            pregnancy_id=row[0],
            mother_name=f"{row[1]} {row[2]}",
            family=row[3],
            postcode=row[4],
            estimated_delivery_date=row[5],
            gestation=gestation_text(row[5], today),
            health_visitor_id=row[6],
            health_visitor=names.get(row[6], UNALLOCATED) if row[6] else UNALLOCATED,
        )
        for row in waiting
    )
    rows = tuple(
        SearchRow(
            child_id=row[0],
            name=f"{row[1]} {row[2]}",
            nhs_number=format_nhs_number(row[3]),
            date_of_birth=row[4],
            age="—" if row[5] is RecordStatus.DECEASED else age_text(row[4], today),
            family=row[7],
            postcode=row[8],
            health_visitor=names.get(row[9], UNALLOCATED) if row[9] else UNALLOCATED,
            record_status=row[5],
            status=_status_words(row[5], row[6]),
        )
        for row in shown
    )
    return SearchResult(
        terms, rows, more=len(found) > limit or more_expecting, pregnancies=expecting
    )


#: A pregnancy found: id, mother's given and family name, family name, postcode, EDD, holder.
_PregnancyFound = Row[uuid.UUID, str, str, str, str, dt.date, uuid.UUID | None]


#: Names folded and kept (``_folded_words``): a team's few hundred expectant mothers.
_FOLDED_NAMES_KEPT = 8192


@lru_cache(maxsize=_FOLDED_NAMES_KEPT)
def _folded_words(names: str) -> tuple[str, ...]:
    """``name_key``'s words of ``names``, folded once: a search runs on every pause
    in typing and folds the same team's pregnancies each time (issue 10: a third of
    a surname search at trust scale)."""
    return tuple(name_key(names).split())


def _pregnancy_matches(terms: SearchTerms, names: str) -> bool:
    """Every word typed starts some word of the mother's names or the family's name."""
    words = _folded_words(names)
    return all(any(word.startswith(typed) for word in words) for typed in terms.name_words)


def _pregnancies_found(
    session: Session, team_id: uuid.UUID, terms: SearchTerms, limit: int
) -> tuple[Sequence[_PregnancyFound], bool]:
    """The team's ongoing pregnancies that ``terms`` finds (at most ``limit``), and
    whether there are more.

    By name, the team's ongoing pregnancies are read (a few hundred at most)
    and their names folded here; by postcode, the families' index answers.
    """
    if terms.looking_for not in _PREGNANCY_SEARCHES:
        return (), False
    query = (
        select(
            Pregnancy.id,
            Carer.given_name,
            Carer.family_name,
            Family.family_name,
            Family.postcode,
            Pregnancy.estimated_delivery_date,
            Pregnancy.health_visitor_id,
        )
        .join(Carer, Carer.id == Pregnancy.mother_id)
        .join(Family, Family.id == Pregnancy.family_id)
        .where(Family.team_id == team_id, Pregnancy.outcome == PregnancyOutcome.ONGOING)
        .order_by(Pregnancy.estimated_delivery_date, Carer.family_name, Pregnancy.id)
    )
    if terms.looking_for is LookingFor.POSTCODE:
        query = query.where(or_(*(_postcode_matches(start) for start in terms.postcodes)))
        found = session.execute(query.limit(limit + 1)).all()
    else:
        found = [
            row
            for row in session.execute(query)
            if _pregnancy_matches(terms, f"{row[1]} {row[2]} {row[3]}")
        ]
    return found[:limit], len(found) > limit


def _user_names(session: Session, user_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The health visitors' names, in one query (none if nobody found is allocated)."""
    allocated = {user_id for user_id in user_ids if user_id is not None}
    if not allocated:
        return {}
    found = session.execute(select(User.id, User.full_name).where(User.id.in_(allocated)))
    return {user_id: full_name for user_id, full_name in found}
