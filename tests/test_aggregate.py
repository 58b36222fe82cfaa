from fractions import Fraction

import pytest

from qualcert.scoring.aggregate import AGGREGATORS


@pytest.mark.parametrize(
    ("name", "nums", "expected"),
    [
        ("mean", [1, 2, 4], Fraction(7, 3)),
        ("median", [1, 2, 4], Fraction(2)),
        ("median", [1, 2, 3, 4], Fraction(5, 2)),
        ("trimmed_mean", [0, 3, 4], Fraction(3)),  # 최고·최저점 제외: only the middle one is left
        ("trimmed_mean", [0, 1, 3, 4, 4], Fraction(8, 3)),  # one highest and one lowest even when tied
        ("trimmed_mean", [0, 4], Fraction(2)),  # fewer than 3: nothing dropped
        ("trimmed_mean", [2], Fraction(2)),
        ("min", [1, 2, 4], Fraction(1)),
        ("max", [1, 2, 4], Fraction(4)),
    ],
)
def test_aggregators(name: str, nums: list[int], expected: Fraction) -> None:
    assert AGGREGATORS[name](sorted(nums)) == expected
