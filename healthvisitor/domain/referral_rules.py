"""When a finding should prompt a referral: the rules as data, with their sources (issue 5).

Each rule names what fires it, whom the referral is about (the child, or the
mother herself: a smoking mother is referred, not her baby), the referral
types it suggests (codes of ``referral_types``, the first is the usual
route) and the guidance it comes from. ``fired_rules`` reads a plain
snapshot of one contact and the child's state on that day and returns the
rules that fire, each with the finding in words. The health visitor then
decides: a prompt never makes a referral by itself.

docs/referral-rules.md lists the same rules for readers who are not programmers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from healthvisitor.domain.enums import (
    DevelopmentDomain,
    FalteringRule,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
)

#: NICE NG209 (stopping smoking in pregnancy): refer a pregnant woman with an exhaled
#: carbon monoxide reading of 4 ppm or more to stop-smoking support (DOMAIN.md "Smoking").
CARBON_MONOXIDE_REFERRAL_PPM = 4.0
#: NICE CG192 (recognising perinatal mental health problems): a GAD-2 score of 3 or
#: more warrants further assessment.
GAD2_FURTHER_ASSESSMENT_SCORE = 3
#: Repeated non-attendance is a recognised safeguarding signal (DOMAIN.md, "Was not
#: brought"); issue 5 sets the prompt at two mandated reviews in a row.
NOT_BROUGHT_IN_A_ROW = 2


class PromptSubject(enum.Enum):
    """Whom a prompted referral is about."""

    CHILD = "child"
    MOTHER = "mother"


class PromptAction(enum.Enum):
    """What accepting the prompt does."""

    #: Draft a referral of one of the suggested types, with the reason filled in.
    REFERRAL = "referral"
    #: Record that a safeguarding discussion with the team lead is needed (no referral).
    DISCUSSION = "discussion"


@dataclass(frozen=True)
class ReferralRule:
    id: str
    trigger: str
    referral_types: tuple[str, ...]
    subject: PromptSubject
    source: str
    action: PromptAction = PromptAction.REFERRAL
    #: What to do, in the health visitor's words (the prompt's heading).
    suggestion: str = ""


SMOKING = ReferralRule(
    id="smoking",
    trigger=(
        "The mother or someone in the household smokes, or a carbon monoxide reading "
        f"of {CARBON_MONOXIDE_REFERRAL_PPM:g} ppm or more"
    ),
    referral_types=("stop_smoking",),
    subject=PromptSubject.MOTHER,
    source=(
        "NICE NG209 (Tobacco: preventing uptake, promoting quitting and treating "
        "dependence), stopping smoking in pregnancy: refer with a CO reading of 4 ppm or "
        "more, and opt-out referral for everyone who smokes; NICE PH48"
    ),
    suggestion="Refer to the stop smoking service",
)
MATERNAL_MOOD = ReferralRule(
    id="maternal_mood",
    trigger=(
        "A positive Whooley question (a yes to either) or a GAD-2 score of "
        f"{GAD2_FURTHER_ASSESSMENT_SCORE} or more"
    ),
    referral_types=("perinatal_mental_health",),
    subject=PromptSubject.MOTHER,
    source=(
        "NICE CG192 (Antenatal and postnatal mental health), recognising mental health "
        "problems in pregnancy and the postnatal period: Whooley questions and GAD-2"
    ),
    suggestion="Refer to perinatal mental health",
)
ASQ_COMMUNICATION = ReferralRule(
    id="asq_communication",
    trigger="ASQ-3 communication score below the cut-off",
    referral_types=("speech_language",),
    subject=PromptSubject.CHILD,
    source=(
        "ASQ-3 (Squires and Bricker, Brookes Publishing): a score below the cut-off needs "
        "further assessment; Healthy Child Programme 2-2½ year review (OHID metric: ASQ-3 "
        "communication, a Public Health Outcomes Framework indicator)"
    ),
    suggestion="Refer to speech and language therapy",
)
ASQ_OTHER_DOMAIN = ReferralRule(
    id="asq_other_domain",
    trigger="ASQ-3 gross motor, fine motor, problem solving or personal-social below the cut-off",
    referral_types=("paediatrics", "early_help"),
    subject=PromptSubject.CHILD,
    source=(
        "ASQ-3 (Squires and Bricker, Brookes Publishing): a score below the cut-off needs "
        "further assessment; Healthy Child Programme 1 year and 2-2½ year reviews"
    ),
    suggestion="Refer to paediatrics or early help",
)
FALTERING_GROWTH = ReferralRule(
    id="faltering_growth",
    trigger="A NICE NG75 faltering growth alert",
    referral_types=("infant_feeding", "gp", "paediatrics"),
    subject=PromptSubject.CHILD,
    source=(
        "NICE NG75 (Faltering growth: recognition and management of faltering growth in "
        "children): weight loss, not back to birth weight by 3 weeks, a fall across "
        "centile spaces, or weight below the 2nd centile"
    ),
    suggestion="Refer for infant feeding support, or to the GP or paediatrics",
)
ADDITIONAL_NEEDS = ReferralRule(
    id="additional_needs",
    trigger="Universal Partnership Plus service level, or a safeguarding flag in force",
    referral_types=("intensive_parenting", "early_help"),
    subject=PromptSubject.CHILD,
    source=(
        "Health visiting model (levels of service: Universal Partnership Plus); The best "
        "start for life: a vision for the 1,001 critical days (2021): intensive parenting "
        "support such as the Family Nurse Partnership, and family hubs"
    ),
    suggestion="Refer for intensive parenting support or early help",
)
WAS_NOT_BROUGHT = ReferralRule(
    id="was_not_brought",
    trigger=f"{NOT_BROUGHT_IN_A_ROW} or more mandated reviews in a row not attended",
    referral_types=(),
    subject=PromptSubject.CHILD,
    source=(
        "Children are not brought, they do not miss appointments: repeated "
        "non-attendance is a recognised safeguarding signal (Working Together to "
        "Safeguard Children 2023; DOMAIN.md)"
    ),
    action=PromptAction.DISCUSSION,
    suggestion="Discuss safeguarding with your team lead",
)

#: Every rule, in the order prompts are shown.
REFERRAL_RULES: tuple[ReferralRule, ...] = (
    SMOKING,
    MATERNAL_MOOD,
    ASQ_COMMUNICATION,
    ASQ_OTHER_DOMAIN,
    FALTERING_GROWTH,
    ADDITIONAL_NEEDS,
    WAS_NOT_BROUGHT,
)
RULES_BY_ID = {rule.id: rule for rule in REFERRAL_RULES}

#: ASQ-3 domains other than communication (ASQ:SE-2 runs the other way: hazard H14).
_OTHER_ASQ3_DOMAINS = (
    DevelopmentDomain.GROSS_MOTOR,
    DevelopmentDomain.FINE_MOTOR,
    DevelopmentDomain.PROBLEM_SOLVING,
    DevelopmentDomain.PERSONAL_SOCIAL,
)


@dataclass(frozen=True)
class Findings:
    """What one contact found, and the child's state on the day, as plain data."""

    took_place: bool = True
    about_child: bool = True
    mother_smokes: bool | None = None
    household_smokes: bool | None = None
    carbon_monoxide_ppm: float | None = None
    whooley_low_mood: bool | None = None
    whooley_loss_of_interest: bool | None = None
    gad2_score: int | None = None
    development: tuple[tuple[DevelopmentDomain, ScreeningZone], ...] = ()
    faltering: tuple[FalteringRule, ...] = ()
    service_level: ServiceLevel | None = None
    safeguarding: tuple[SafeguardingStatus, ...] = ()
    #: Mandated reviews not attended in a row, ending with this contact (0 if it took place).
    mandated_not_brought_in_a_row: int = 0


@dataclass(frozen=True)
class FiredRule:
    rule: ReferralRule
    #: What was found, in words ("carbon monoxide 8 ppm"); it starts the referral's reason.
    finding: str


def _smoking(findings: Findings) -> str:
    found = []
    if findings.mother_smokes:
        found.append("mother smokes")
    if findings.household_smokes:
        found.append("someone in the household smokes")
    co = findings.carbon_monoxide_ppm
    if co is not None and co >= CARBON_MONOXIDE_REFERRAL_PPM:
        found.append(f"carbon monoxide reading {co:g} ppm")
    return "; ".join(found)


def _mood(findings: Findings) -> str:
    found = []
    if findings.whooley_low_mood or findings.whooley_loss_of_interest:
        answered = [
            question
            for question, answer in (
                ("low mood", findings.whooley_low_mood),
                ("loss of interest", findings.whooley_loss_of_interest),
            )
            if answer
        ]
        found.append(f"Whooley positive ({' and '.join(answered)})")
    if findings.gad2_score is not None and findings.gad2_score >= GAD2_FURTHER_ASSESSMENT_SCORE:
        found.append(f"GAD-2 score {findings.gad2_score}")
    return "; ".join(found)


def _below_cutoff(findings: Findings, domains: tuple[DevelopmentDomain, ...]) -> str:
    below = [
        domain.label.lower()
        for domain in domains
        for scored, zone in findings.development
        if scored is domain and zone is ScreeningZone.BELOW_CUTOFF
    ]
    return f"ASQ-3 below the cut-off: {', '.join(below)}" if below else ""


def _faltering(findings: Findings) -> str:
    if not findings.faltering:
        return ""
    return "Faltering growth (NICE NG75): " + "; ".join(
        rule.label.lower() for rule in findings.faltering
    )


def _additional_needs(findings: Findings) -> str:
    found = []
    if findings.service_level is ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS:
        found.append("service level Universal Partnership Plus")
    found.extend(status.label.lower() for status in findings.safeguarding)
    return "; ".join(found)


def _not_brought(findings: Findings) -> str:
    count = findings.mandated_not_brought_in_a_row
    if count < NOT_BROUGHT_IN_A_ROW:
        return ""
    return f"Not brought to {count} mandated reviews in a row"


def fired_rules(findings: Findings) -> list[FiredRule]:
    """The rules ``findings`` fire, in ``REFERRAL_RULES`` order."""
    checks = {
        SMOKING.id: _smoking,
        MATERNAL_MOOD.id: _mood,
        ASQ_COMMUNICATION.id: lambda f: _below_cutoff(f, (DevelopmentDomain.COMMUNICATION,)),
        ASQ_OTHER_DOMAIN.id: lambda f: _below_cutoff(f, _OTHER_ASQ3_DOMAINS),
        FALTERING_GROWTH.id: _faltering,
        ADDITIONAL_NEEDS.id: _additional_needs,
        WAS_NOT_BROUGHT.id: _not_brought,
    }
    fired = []
    for rule in REFERRAL_RULES:
        if rule.subject is PromptSubject.CHILD and not findings.about_child:
            continue
        # Findings are recorded only at a contact that took place; "was not brought"
        # is the one rule read from contacts that did not.
        if rule is not WAS_NOT_BROUGHT and rule is not ADDITIONAL_NEEDS and not findings.took_place:
            continue
        finding = checks[rule.id](findings)
        if finding:
            fired.append(FiredRule(rule, finding[0].upper() + finding[1:]))
    return fired
