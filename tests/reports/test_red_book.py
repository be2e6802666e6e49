"""The red book summary on paper (issue 6), read back from the PDF with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from healthvisitor.domain.enums import NewbornScreeningResult, NewbornScreeningTest
from healthvisitor.persistence.models import Carer, Child, ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.reports.red_book import FAMILY_COPY_REFERRALS, red_book_pdf
from healthvisitor.services.printing import RedBookSummary, red_book_summary
from healthvisitor.services.referrals import NewReferral, make_referral
from healthvisitor.services.screening import record_immunisation, record_newborn_screening
from tests.printing_data import OLIVER_REVIEWS, TODAY, PrintTeam, build_print_team


def summary_of(team: PrintTeam, child: str, *, for_family: bool = True) -> RedBookSummary:
    with unit_of_work(team.engine) as session:
        return red_book_summary(
            session, team.actor(), getattr(team, child), today=TODAY, for_family=for_family
        )


def pages_of(summary: RedBookSummary) -> list[str]:
    out = io.BytesIO()
    red_book_pdf(summary, out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    """Text with line breaks as spaces: wrapped lines read as one."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def team(sqlite_engine: Engine) -> PrintTeam:
    return build_print_team(sqlite_engine)


def test_every_page_names_the_child_and_says_page_x_of_y(team: PrintTeam) -> None:
    summary = summary_of(team, "oliver")
    pages = pages_of(summary)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Oliver Nowak · NHS number {summary.record.nhs_number}" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "CONFIDENTIAL" in text
        assert "Printed 24 Nov 2026 by Priya Sharma" in text


def test_details_reviews_and_centiles_are_printed_as_text(team: PrintTeam) -> None:
    summary = summary_of(team, "oliver")
    text = flat(" ".join(pages_of(summary)))
    nhs_digits = summary.record.nhs_number.replace(" ", "")
    assert f"{nhs_digits[:3]} {nhs_digits[3:6]} {nhs_digits[6:]}" in text
    for expected in (
        "10 Sep 2025",  # date of birth
        "30+2 weeks",
        "1.32 kg",
        "Leeds General Infirmary",
        "Chapeltown Family Surgery",
        "Sara Nowak (mother)",
        "Corrected age 12 months",
        "Partially breastfed",
        "Communication 25 (below cut-off: concern)",
    ):
        assert expected in text
    for kind, on, weight, _length, _head in OLIVER_REVIEWS:
        assert f"{kind.label}: {on.day} {on:%b %Y}" in text
        weighed = next(m for m in summary.record.measurements if m.value == weight)
        assert weighed.centile is not None
        assert f"Weight {weight:.2f} kg, centile {weighed.centile:.1f}" in text
    # No screening on record: each test is printed as "not recorded", never left out.
    assert "Newborn blood spot — Not recorded" in text
    assert "Newborn hearing — Not recorded" in text
    assert "No immunisations recorded in HealthVisitor." in text


def test_newborn_screening_and_immunisations_given_and_overdue(team: PrintTeam) -> None:
    with unit_of_work(team.engine) as session:
        actor = team.actor()
        record_newborn_screening(
            session,
            actor,
            team.oliver,
            test=NewbornScreeningTest.BLOOD_SPOT,
            screened_on=dt.date(2025, 9, 15),
            result=NewbornScreeningResult.NO_FURTHER_ACTION,
            today=TODAY,
        )
        record_newborn_screening(
            session,
            actor,
            team.oliver,
            test=NewbornScreeningTest.HEARING,
            screened_on=dt.date(2025, 10, 20),
            result=NewbornScreeningResult.REFERRED,
            note="Referred to audiology, left ear",
            today=TODAY,
        )
        record_immunisation(
            session,
            actor,
            team.oliver,
            vaccine="dtap_ipv_hib_hepb",
            dose=1,
            given_on=dt.date(2025, 11, 5),
            batch="XY98765",
            today=TODAY,
        )
    text = flat(" ".join(pages_of(summary_of(team, "oliver"))))
    assert "Newborn blood spot 15 Sep 2025 No further action" in text
    assert "Newborn hearing 20 Oct 2025 Referred Referred to audiology, left ear" in text
    assert "Newborn physical examination (NIPE) — Not recorded" in text
    assert "5 Nov 2025 6-in-1 (DTaP/IPV/Hib/HepB) Dose 1 Here XY98765" in text
    # Born 10 Sep 2025, printed 24 Nov 2026: the second 6-in-1 dose (12 weeks,
    # 3 Dec 2025) is overdue, and the 1 year MMRV too.
    assert "12 weeks 6-in-1 (DTaP/IPV/Hib/HepB) Dose 2 3 Dec 2025 Overdue" in text
    assert "1 year MMRV Dose 1 10 Sep 2026 Overdue" in text
    assert "Next on the routine schedule: 18 months (from 10 Mar 2027)." in text


def test_referrals_with_their_state_and_follow_up(team: PrintTeam) -> None:
    text = flat(" ".join(pages_of(summary_of(team, "tyler"))))
    assert "Referral About Status Made Follow-up" in text
    assert "Speech and language therapy Tyler Reid Draft 2 Nov 2026 1 Dec 2026" in text
    # A carer's own referral is hers, not the child's book's (hazard H17).
    assert "Stop smoking service" not in text
    assert "Infant feeding support Tyler Reid Closed 1 May 2026" in text
    # The family's copy is parent-held: no safeguarding flag on it (hazard H17).
    assert "The family's copy, for the parent-held record." in text
    assert "Child protection plan" not in text


def test_the_professionals_copy_prints_safeguarding_and_says_whose_copy_it_is(
    team: PrintTeam,
) -> None:
    text = flat(" ".join(pages_of(summary_of(team, "tyler", for_family=False))))
    assert "A professional's copy, including safeguarding information" in text
    assert "Child protection plan (since 3 Aug 2026)" in text
    assert "Stop smoking service Sara Reid (mother) Draft 5 Oct 2026 —" in text


def test_three_growth_charts_with_corrected_age_marked(team: PrintTeam) -> None:
    text = flat(" ".join(pages_of(summary_of(team, "oliver"))))
    for title in ("Weight – boys", "Length – boys", "Head circumference – boys"):
        assert title in text
    assert "Plotted at corrected age" in text
    for centile in ("0.4th", "2nd", "9th", "25th", "50th", "75th", "91st", "98th", "99.6th"):
        assert centile in text


def test_fonts_are_embedded_and_no_standard_font_is_declared(team: PrintTeam) -> None:
    out = io.BytesIO()
    red_book_pdf(summary_of(team, "oliver"), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    for page in reader.pages:
        resources = page["/Resources"]
        fonts = {
            name: font.get_object()
            for name, font in resources.get("/Font", {}).items()  # type: ignore[union-attr]
        }
        for xobject in resources.get("/XObject", {}).values():  # type: ignore[union-attr]
            inner = xobject.get_object().get("/Resources", {}).get("/Font", {})
            fonts.update({name: font.get_object() for name, font in inner.items()})
        assert fonts
        for font in fonts.values():
            assert "Helvetica" not in str(font["/BaseFont"])
            assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_a_long_history_flows_onto_more_pages_with_the_table_header_repeated(
    sqlite_engine: Engine,
) -> None:
    team = build_print_team(sqlite_engine, extra_contacts=48)
    summary = summary_of(team, "oliver")
    assert len(summary.record.measurements) > 50
    pages = pages_of(summary)
    assert len(pages) >= 5
    spanned = [text for text in pages if re.search(r"\d+\.\d\d kg\s\d", text)]
    assert len(spanned) >= 2  # the measurements table runs over at least two pages
    for text in spanned:
        assert "Date Measurement Value Centile SDS Age used" in flat(text)
    text = flat(" ".join(pages))
    for m in summary.record.measurements:
        assert f"{m.measured_on.day} {m.measured_on:%b %Y}" in text


def test_a_child_never_measured_prints_no_empty_charts(team: PrintTeam) -> None:
    summary = summary_of(team, "isla")
    assert summary.record.measurements == ()
    pages = pages_of(summary)
    text = flat(" ".join(pages))
    assert "No growth measurements recorded yet." in text
    assert "99.6th" not in text  # no chart is drawn: its centile lines are labelled
    assert "Weight – boys, 0–1 year: no measurements to plot yet." in text
    assert "Birth weight Not recorded" in text
    assert "No referrals are listed on the family's copy." in text
    assert len(pages) <= 2
    # The professional's copy lists every referral: "none recorded" is true there.
    professional = flat(" ".join(pages_of(summary_of(team, "isla", for_family=False))))
    assert "No referrals recorded." in professional


def withhold_two_referrals_from_isla(team: PrintTeam) -> None:
    """Her mother's own stop-smoking referral, and a children's social care referral."""
    with unit_of_work(team.engine) as session:
        isla = session.get_one(Child, team.isla)
        mother = session.scalars(select(Carer.id).where(Carer.family_id == isla.family_id)).one()
        for code, child_id, carer_id in (
            ("stop_smoking", None, mother),
            ("childrens_social_care", team.isla, None),
        ):
            make_referral(
                session,
                team.actor(),
                NewReferral(
                    referral_type_id=session.scalars(
                        select(ReferralType.id).where(ReferralType.code == code)
                    ).one(),
                    reason="Withheld from the family's copy",
                    made_on=dt.date(2026, 11, 2),
                    child_id=child_id,
                    carer_id=carer_id,
                ),
                today=TODAY,
            )


def test_the_familys_copy_never_says_none_recorded_nor_shows_that_some_were_withheld(
    team: PrintTeam,
) -> None:
    """Issue 5: withheld referrals (a carer's own, a safeguarding route) exist, so "No
    referrals recorded" would be untrue; and the paper must not reveal them either."""
    before = pages_of(summary_of(team, "isla"))
    withhold_two_referrals_from_isla(team)
    after = pages_of(summary_of(team, "isla"))
    text = flat(" ".join(after))
    assert "No referrals recorded" not in text
    assert FAMILY_COPY_REFERRALS in text
    assert "No referrals are listed on the family's copy." in text
    for withheld in ("Stop smoking", "social care", "Withheld"):
        assert withheld not in text
    # Word for word the same paper as before they were made: nothing gives them away.
    assert after == before
    professional = flat(" ".join(pages_of(summary_of(team, "isla", for_family=False))))
    assert "No referrals recorded" not in professional
    assert "Children's social care (safeguarding) Isla Jones Draft 2 Nov 2026" in professional
    assert FAMILY_COPY_REFERRALS not in professional


def test_the_familys_copy_says_what_it_lists_beside_the_referrals_it_prints(
    team: PrintTeam,
) -> None:
    text = flat(" ".join(pages_of(summary_of(team, "tyler"))))
    assert FAMILY_COPY_REFERRALS in text
    assert "Speech and language therapy Tyler Reid Draft" in text


HEADINGS = {
    "Child's details",
    "Current flags and plan",
    "Flags in force",
    "Plan",
    "Mandated reviews (Healthy Child Programme)",
    "Growth measurements (UK-WHO)",
    "Growth charts",
    "Other contacts",
    "Referrals",
}


@pytest.mark.parametrize(("child", "extra_contacts"), [("tyler", 0), ("oliver", 20)])
def test_no_heading_is_left_alone_at_the_foot_of_a_page(
    sqlite_engine: Engine, child: str, extra_contacts: int
) -> None:
    team = build_print_team(sqlite_engine, extra_contacts=extra_contacts)
    summary = summary_of(team, child)
    pages = pages_of(summary)
    assert len(pages) >= 2
    for text in pages[:-1]:
        # The page's own text comes first; its header and footer are drawn last.
        body = text.split("Red book summary\n" + summary.record.name)[0]
        last = [line.strip() for line in body.splitlines() if line.strip()][-1]
        assert last not in HEADINGS
        assert not re.fullmatch(r".*review(: \d+ \w+ \d{4})?", last)  # a review's subheading
