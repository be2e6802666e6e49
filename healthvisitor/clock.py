"""The one place the application reads the clock.

Clinical rules take ``today`` as an argument (STYLE.md); the window and the
command line ask this module for it. "Today" is the date on the laptop's own
clock in its local time zone (a health visitor in England at 00:30 BST is on
the new day), and stored times are UTC (``persistence.types.utc_now``).
"""

from __future__ import annotations

import datetime as dt


def local_today() -> dt.date:
    return dt.datetime.now().astimezone().date()
