"""Why an agreement value is null: one English template per reason, and the way back from a text.

The JSON carries the English text (``reasons``, ``ci_reasons``); the workbook shows it in the
run's language by parsing the text back into its key and numbers (:func:`parse`) and
formatting its own template of that key (``report.workbook_text.REASONS_KO``).
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Final

REASONS: Final[dict[str, str]] = {
    # coefficients
    "no_unit_rated_twice": "no unit has 2 or more ratings",
    "no_variation": "no variation: every pairable value is the same",
    "icc_zero_variance": "undefined: a zero variance in the ANOVA ratio (e.g. every rating the same)",
    "few_units_rated_twice": "fewer than 2 units with 2 or more ratings",
    "few_reviewers": "fewer than 2 reviewers",
    "few_units": "fewer than 2 units",
    "not_crossed": "design not fully crossed: {lacking} of {units} units lack a rating from some of the {reviewers} "
    "reviewers; see icc1_oneway for panels that differ between units",
    "no_level_ratings": "no ratings on a level scale",
    "no_level_unit_rated_twice": "no unit of a level-scale indicator has 2 or more ratings",
    "no_level_indicator": "no indicator on a level scale",
    "one_category": "every rating falls in one category",
    # intervals
    "bootstrap_off": "bootstrap switched off",
    "few_units_for_interval": "fewer than {minimum} units for a bootstrap interval",
    "ordinal_too_many_values": "too many distinct values for the ordinal bootstrap",
    "bootstrap_undefined": "undefined in {undefined} of {replicates} bootstrap resamples",
    # reviewers
    "no_shared_score": "no score shared with a co-reviewer",
    "shared_at_few_institutions": "shared scores at fewer than 2 institutions",
    "no_shared_sheet": "no sheet shared with a co-reviewer",
}


def fields(template: str) -> list[str]:
    """The names of a template's ``{placeholders}``, in order."""
    return [name for _, name, _, _ in Formatter().parse(template) if name is not None]


def reason(key: str, **numbers: int) -> str:
    """The English text of reason ``key`` with its numbers."""
    return REASONS[key].format(**numbers)


def _pattern(template: str) -> re.Pattern[str]:
    parts = [
        re.escape(literal) + (rf"(?P<{name}>-?\d+)" if name is not None else "")
        for literal, name, _, _ in Formatter().parse(template)
    ]
    return re.compile("".join(parts))


_PATTERNS: Final = {key: _pattern(template) for key, template in REASONS.items()}


def parse(text: str) -> tuple[str, dict[str, str]] | None:
    """The key and numbers of a reason's English text; None for a text that is no reason of ours."""
    for key, pattern in _PATTERNS.items():
        m = pattern.fullmatch(text)
        if m is not None:
            return key, m.groupdict()
    return None
