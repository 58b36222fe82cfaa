"""Certificate validity by the Civil Act's period rule (민법 제157·160조).

A period in years ends on the day before the corresponding day of the last
year (2023-12-05 + 3 years → 2026-12-04). Where that month has no
corresponding day (issued 2024-02-29), it ends on the last day of the month
(2027-02-28).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def valid_until(issued: date, years: int) -> date:
    year = issued.year + years
    last_day = calendar.monthrange(year, issued.month)[1]
    if issued.day > last_day:
        return date(year, issued.month, last_day)
    return date(year, issued.month, issued.day) - timedelta(days=1)
