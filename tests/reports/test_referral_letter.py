"""The referral letter PDF (issue 5): what it says, in searchable text with embedded fonts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from pathlib import Path

from pypdf import PdfReader

from healthvisitor.domain.enums import ReferralConsent, ReferralStatus
from healthvisitor.reports.referral_letter import referral_letter_pdf
from healthvisitor.services.referrals import ReferralLetter

LETTER = ReferralLetter(
    referral_id=uuid.uuid4(),
    service="Speech and language therapy",
    sent_to="Children's Speech and Language Therapy, Hillside Health Centre, LS7 4QR",
    about_name="Amelia Khan",
    about_kind="child",
    date_of_birth=dt.date(2024, 5, 1),
    nhs_number="999 000 0018",
    address="12 Elm Road, Leeds LS7 3AB",
    reason="ASQ-3 communication below the cut-off at the 2-2½ year review; few single words.",
    tried_so_far="Stay and play sessions at the family hub; advice on sharing books.",
    consent=ReferralConsent.GIVEN,
    consent_note="Mother agreed on 20 Nov 2026.",
    status=ReferralStatus.DRAFT,
    made_on=dt.date(2026, 11, 20),
    referrer_name="Priya Patel",
    referrer_role="Health visitor",
    team_name="North Leeds Health Visiting Team",
    child_names=(),
    generated_on=dt.date(2026, 11, 24),
)


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_the_letter_says_to_whom_about_whom_why_and_who_referred(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    referral_letter_pdf(LETTER, path)
    [page] = pdf_text(path)
    for words in [
        "Referral to Speech and language therapy",
        "Hillside Health Centre",
        "Amelia Khan",
        "01 May 2024",
        "999 000 0018",
        "few single words",
        "Stay and play sessions",
        "The family has given consent to this referral. Mother agreed on 20 Nov 2026.",
        "Priya Patel, Health visitor",
        "North Leeds Health Visiting Team",
        "Generated 24 November 2026",
        "Page 1 of 1",
        "CONFIDENTIAL",
    ]:
        assert words in page, words
    # Minimum necessary data: no address unless the health visitor asks for it.
    assert "Elm Road" not in page
    referral_letter_pdf(LETTER, path, include_address=True)
    assert "12 Elm Road, Leeds LS7 3AB" in pdf_text(path)[0]


def test_fonts_are_embedded(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    referral_letter_pdf(LETTER, path)
    fonts = PdfReader(path).pages[0]["/Resources"]["/Font"]
    descriptors = [font.get_object()["/FontDescriptor"].get_object() for font in fonts.values()]
    assert descriptors and all("/FontFile2" in d for d in descriptors)


def test_a_long_letter_runs_onto_numbered_pages(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    long = dataclasses.replace(LETTER, tried_so_far="Home visits and advice. " * 300)
    referral_letter_pdf(long, path)
    pages = pdf_text(path)
    assert len(pages) >= 2
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1))
    assert all("CONFIDENTIAL" in page for page in pages)
    # A loose page still says whom it is about.
    assert all(
        "Referral about Amelia Khan, NHS number 999 000 0018 (continued)" in page
        for page in pages[1:]
    )


def test_a_letter_about_a_mother_names_her_children_and_no_nhs_number(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    about_mother = dataclasses.replace(
        LETTER,
        service="Stop smoking service",
        about_name="Sara Khan",
        about_kind="mother",
        date_of_birth=None,
        nhs_number="",
        child_names=("Amelia Khan, born 01 May 2024",),
        consent=ReferralConsent.NOT_REQUIRED_SAFEGUARDING,
        consent_note="Strategy discussion 19 Nov.",
    )
    referral_letter_pdf(about_mother, path)
    [page] = pdf_text(path)
    assert "Relationship" in page and "Mother" in page
    assert "Amelia Khan, born 01 May 2024" in page
    assert "NHS number" not in page
    assert "Consent not sought: this is a safeguarding referral." in page
