"""Weighted caseloads: how much work a child is, by level of service and safeguarding.

Issue 4: the team lead's board shows each health visitor's caseload both as
a head count and weighted, so that 200 children on Universal Partnership
Plus are not mistaken for 200 on Universal. The weights below are local
defaults that a team agrees among itself, not a national standard: no
national publication sets caseload weights (DOMAIN.md names the levels of
service, not their cost). Making them editable by an administrator is issue
8's configuration; until then every board uses ``CaseloadWeights()``, and
the screen always shows the weights it used.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthvisitor.domain.enums import ServiceLevel

#: The Institute of Health Visiting recommends no more than about 250 children
#: per health visitor (DOMAIN.md, "Who uses it"). Shown beside the board.
RECOMMENDED_CHILDREN_PER_HEALTH_VISITOR = 250


@dataclass(frozen=True)
class CaseloadWeights:
    """What one child counts for on a weighted caseload (local defaults, see above).

    A child with no level of service recorded counts as Universal: every
    family is offered the universal service unless assessed otherwise.
    """

    community: float = 0.5
    universal: float = 1.0
    universal_plus: float = 1.5
    universal_partnership_plus: float = 2.0
    #: Added once if any safeguarding status is in force (plan, child in need, ...).
    safeguarding: float = 1.0

    def for_level(self, service_level: ServiceLevel | None) -> float:
        match service_level:
            case ServiceLevel.COMMUNITY:
                return self.community
            case ServiceLevel.UNIVERSAL_PLUS:
                return self.universal_plus
            case ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS:
                return self.universal_partnership_plus
            case _:  # Universal, or none recorded
                return self.universal

    def weight_of(self, service_level: ServiceLevel | None, safeguarding: bool) -> float:
        """One child's weight: its level of service, plus the safeguarding weight if any."""
        return self.for_level(service_level) + (self.safeguarding if safeguarding else 0.0)

    def describe(self) -> str:
        """The weights in words, as the board shows them.

        "Community 0.5, Universal 1, Universal Plus 1.5, Universal Partnership Plus 2,
        safeguarding +1"
        """
        levels = ", ".join(f"{level.label} {self.for_level(level):g}" for level in ServiceLevel)
        return f"{levels}, safeguarding +{self.safeguarding:g}"
