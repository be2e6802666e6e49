"""The referral rules as data (issue 5): thresholds, subjects, sources, and their doc page."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthvisitor.domain.enums import (
    DevelopmentDomain,
    FalteringRule,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
)
from healthvisitor.domain.referral_rules import (
    REFERRAL_RULES,
    Findings,
    PromptAction,
    PromptSubject,
    fired_rules,
)

DOC = Path(__file__).parents[2] / "docs" / "referral-rules.md"
SEEDED_TYPES = {
    "stop_smoking",
    "intensive_parenting",
    "perinatal_mental_health",
    "infant_feeding",
    "speech_language",
    "early_help",
    "childrens_social_care",
    "gp",
    "paediatrics",
    "dietetics",
    "domestic_abuse",
    "other",
}


def fired(**findings: object) -> list[str]:
    return [f.rule.id for f in fired_rules(Findings(**findings))]  # type: ignore[arg-type]


#: (findings, the rules they fire): each threshold, and just below it (source in the rule).
GOLDEN = [
    ({"carbon_monoxide_ppm": 4.0}, ["smoking"]),  # NICE NG209: 4 ppm or more
    ({"carbon_monoxide_ppm": 3.9}, []),
    ({"gad2_score": 3}, ["maternal_mood"]),  # NICE CG192: 3 or more
    ({"gad2_score": 2}, []),
    ({"whooley_low_mood": True, "whooley_loss_of_interest": False}, ["maternal_mood"]),
    ({"whooley_low_mood": False, "whooley_loss_of_interest": False}, []),
    (
        {"development": ((DevelopmentDomain.COMMUNICATION, ScreeningZone.BELOW_CUTOFF),)},
        ["asq_communication"],
    ),
    ({"development": ((DevelopmentDomain.COMMUNICATION, ScreeningZone.MONITORING),)}, []),
    (
        {"development": ((DevelopmentDomain.PROBLEM_SOLVING, ScreeningZone.BELOW_CUTOFF),)},
        ["asq_other_domain"],
    ),
    # ASQ:SE-2 runs the other way (hazard H14) and has no rule.
    ({"development": ((DevelopmentDomain.SOCIAL_EMOTIONAL, ScreeningZone.ABOVE_CUTOFF),)}, []),
    ({"faltering": (FalteringRule.BELOW_SECOND_CENTILE,)}, ["faltering_growth"]),
    ({"service_level": ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS}, ["additional_needs"]),
    ({"service_level": ServiceLevel.UNIVERSAL_PLUS}, []),
    ({"safeguarding": (SafeguardingStatus.CHILD_PROTECTION_PLAN,)}, ["additional_needs"]),
    ({"took_place": False, "mandated_not_brought_in_a_row": 2}, ["was_not_brought"]),
    ({"took_place": False, "mandated_not_brought_in_a_row": 1}, []),
]


@pytest.mark.parametrize(("findings", "rules"), GOLDEN)
def test_golden_thresholds(findings: dict[str, object], rules: list[str]) -> None:
    assert fired(**findings) == rules


def test_child_rules_do_not_fire_on_a_pregnancy_contact() -> None:
    assert fired(
        about_child=False,
        carbon_monoxide_ppm=7.0,
        development=((DevelopmentDomain.COMMUNICATION, ScreeningZone.BELOW_CUTOFF),),
    ) == ["smoking"]


def test_findings_of_a_contact_that_did_not_take_place_fire_nothing() -> None:
    assert fired(took_place=False, gad2_score=6) == []


def test_the_finding_is_said_in_words() -> None:
    [smoking, mood] = fired_rules(
        Findings(household_smokes=True, carbon_monoxide_ppm=8.0, whooley_loss_of_interest=True)
    )
    assert smoking.finding == "Someone in the household smokes; carbon monoxide reading 8 ppm"
    assert mood.finding == "Whooley positive (loss of interest)"


def test_every_rule_cites_a_source_and_suggests_seeded_types() -> None:
    for rule in REFERRAL_RULES:
        assert rule.source and rule.trigger and rule.suggestion
        assert set(rule.referral_types) <= SEEDED_TYPES
        assert bool(rule.referral_types) == (rule.action is PromptAction.REFERRAL)
    smoking = REFERRAL_RULES[0]
    assert smoking.subject is PromptSubject.MOTHER and smoking.referral_types == ("stop_smoking",)


def test_the_doc_page_lists_every_rule_with_its_types() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for rule in REFERRAL_RULES:
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{rule.id}`")), "")
        assert row, f"{rule.id} has no row in {DOC.name}"
        for code in rule.referral_types:
            assert f"`{code}`" in row, f"{rule.id}: {code} missing from its row"
