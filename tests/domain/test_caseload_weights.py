"""Caseload weights (issue 4): the team's local defaults and how a child is weighed."""

from __future__ import annotations

import pytest

from healthvisitor.domain.caseload_weights import CaseloadWeights
from healthvisitor.domain.enums import ServiceLevel


@pytest.mark.parametrize(
    ("level", "safeguarding", "weight"),
    [
        (ServiceLevel.COMMUNITY, False, 0.5),
        (ServiceLevel.UNIVERSAL, False, 1.0),
        (ServiceLevel.UNIVERSAL_PLUS, False, 1.5),
        (ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS, False, 2.0),
        (None, False, 1.0),  # no level recorded: counts as Universal
        (ServiceLevel.UNIVERSAL_PLUS, True, 2.5),
        (None, True, 2.0),
    ],
)
def test_default_weights(level: ServiceLevel | None, safeguarding: bool, weight: float) -> None:
    assert CaseloadWeights().weight_of(level, safeguarding) == weight


def test_other_weights_and_their_description() -> None:
    weights = CaseloadWeights(universal_plus=2.0, safeguarding=0.5)
    assert weights.weight_of(ServiceLevel.UNIVERSAL_PLUS, True) == 2.5
    assert CaseloadWeights().describe() == (
        "Community 0.5, Universal 1, Universal Plus 1.5, Universal Partnership Plus 2, "
        "safeguarding +1"
    )
