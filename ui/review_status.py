"""How a review status shows on screen: words with a symbol, colour only repeating them.

Shared by the record's reviews table, the pregnancies and the caseload, so a
status reads the same wherever it appears. The symbol carries the meaning
beside the words, so the status never depends on colour (WCAG 1.4.1).
"""

from __future__ import annotations

from healthvisitor.domain.enums import ReviewStatus

NHS_GREEN = "#007F3B"
NHS_RED = "#D5281B"
NHS_BLUE = "#005EB8"
NHS_MID_GREY = "#4C6272"

#: A symbol and a colour for each review status.
STATUS_LOOK: dict[ReviewStatus, tuple[str, str]] = {
    ReviewStatus.OVERDUE: ("⚠", NHS_RED),
    ReviewStatus.NOT_ATTENDED: ("⚠", NHS_RED),
    ReviewStatus.DUE: ("●", NHS_BLUE),
    ReviewStatus.NOT_ATTENDED_REBOOKED: ("↻", NHS_BLUE),
    ReviewStatus.NOT_YET_DUE: ("○", NHS_MID_GREY),
    ReviewStatus.DECLINED: ("✗", NHS_MID_GREY),
    ReviewStatus.MISSED: ("✗", NHS_RED),
    ReviewStatus.DONE_LATE: ("✓", NHS_GREEN),
    ReviewStatus.DONE_ON_TIME: ("✓", NHS_GREEN),
}


def status_text(status: ReviewStatus) -> str:
    return f"{STATUS_LOOK[status][0]} {status.label}"
