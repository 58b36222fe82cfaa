from datetime import date

import pytest

from qualcert.scoring.validity import valid_until


@pytest.mark.parametrize(
    ("issued", "years", "until"),
    [
        (date(2023, 12, 5), 3, date(2026, 12, 4)),  # DESIGN.md
        (date(2024, 12, 17), 3, date(2027, 12, 16)),
        (date(2022, 12, 23), 3, date(2025, 12, 22)),
        (date(2024, 2, 29), 3, date(2027, 2, 28)),  # no corresponding day: last day of the month (민법 160조 3항)
        (date(2024, 2, 29), 4, date(2028, 2, 28)),  # corresponding day exists: the day before
        (date(2023, 3, 1), 1, date(2024, 2, 29)),  # the day before 03-01 in a leap year
        (date(2023, 1, 1), 3, date(2025, 12, 31)),  # across a year end
    ],
)
def test_civil_act_period(issued: date, years: int, until: date) -> None:
    assert valid_until(issued, years) == until
