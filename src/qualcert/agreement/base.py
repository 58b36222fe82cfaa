"""Shared types of the agreement coefficients: rating arrays, estimates, bootstrap plan, statistics."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]

ALPHA_KEYS: Final = ("alpha_nominal", "alpha_ordinal", "alpha_interval", "alpha_ratio")
ICC_CROSSED_KEYS: Final = ("icc1_1", "icc2_1", "icc3_1", "icc1_k", "icc2_k", "icc3_k")
ICC_KEYS: Final = (*ICC_CROSSED_KEYS, "icc1_oneway")
KAPPA_KEY: Final = "fleiss_kappa"
KEYS: Final = (*ALPHA_KEYS, KAPPA_KEY, *ICC_KEYS)

REL_TOL: Final = 1e-10  # sums of squares below this share of the total are rounding noise


@dataclass(frozen=True)
class Estimate:
    """One coefficient: its value, or None with the reason; and its bootstrap interval, or None with the reason."""

    value: float | None
    reason: str | None = None
    ci: tuple[float, float] | None = None
    ci_reason: str | None = None


@dataclass(frozen=True)
class Coefficients:
    """Every coefficient for one set of units (all of them, or one indicator's)."""

    n_units: int  # units with 2 or more ratings (the pairable ones)
    n_single: int  # units with exactly one rating, left out
    n_ratings: int  # ratings in the pairable units
    n_reviewers: int
    crossed: bool  # every reviewer rated every unit
    k0: float | None  # icc1_oneway's average panel size
    estimates: dict[str, Estimate]

    def value(self, key: str) -> float | None:
        return self.estimates[key].value


@dataclass(frozen=True)
class BootstrapPlan:
    """How intervals are made: ``replicates`` resamples (0: none), seeded, at confidence ``level``."""

    replicates: int = 1000
    seed: int = 0
    level: float = 0.95

    def rng(self, scope: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(scope.encode("utf-8"))])


@dataclass(frozen=True)
class Ratings:
    """Long ratings: ``unit`` and ``rater`` codes and the ``value``, one entry per rating.

    ``category`` (optional) gives nominal category codes for Fleiss' kappa (-1: not
    categorical), and ``stratum`` the scale of each category code.
    """

    unit: Ints
    rater: Ints
    value: Floats
    category: Ints | None = None
    stratum: Ints | None = None

    @classmethod
    def from_matrix(cls, data: npt.ArrayLike, *, categorical: bool = False) -> Ratings:
        """Reliability data as raters × units, NaN where a rater gave no value."""
        matrix = np.asarray(data, dtype=np.float64)
        rater, unit = np.nonzero(~np.isnan(matrix))
        value = matrix[rater, unit]
        if not categorical:
            return cls(unit.astype(np.intp), rater.astype(np.intp), value)
        _, category = np.unique(value, return_inverse=True)
        stratum = np.zeros(int(category.max(initial=-1)) + 1, dtype=np.intp)
        return cls(unit.astype(np.intp), rater.astype(np.intp), value, category.astype(np.intp), stratum)


@dataclass(frozen=True)
class Statistic:
    """Named coefficients computed from column sums of ``features`` (rows: units, or unit patterns)."""

    names: tuple[str, ...]
    features: Floats
    compute: Callable[[Floats], Floats]  # (b, features) sums -> (b, names); NaN where undefined
    undefined: str  # the reason when the point estimate is NaN
    inverse: Ints | None = None  # unit -> feature row, when rows are unit patterns
    ci_reason: str | None = None  # why no interval is possible, if so


@dataclass
class Work:
    """Estimates settled up front (None with a reason) and the statistics still to evaluate."""

    estimates: dict[str, Estimate] = field(default_factory=dict)
    statistics: list[Statistic] = field(default_factory=list)


def dense(codes: Ints, size: int) -> tuple[Ints, Ints]:
    """``np.unique(codes, return_inverse=True)`` for codes in ``0..size-1``: the codes found, sorted, and
    each entry's index among them.

    Counted with a bincount instead of sorted when ``size`` is not much larger than ``codes``: a
    million ratings' unit codes are renumbered in a few milliseconds rather than a tenth of a second.
    """
    if size > max(4 * len(codes), 1 << 20):
        found, inverse = np.unique(codes, return_inverse=True)
        return found.astype(np.intp), inverse.reshape(-1).astype(np.intp)
    present = np.bincount(codes, minlength=size) > 0
    rank = np.cumsum(present, dtype=np.intp) - 1
    return np.flatnonzero(present).astype(np.intp), rank[codes]


def nonzero(x: Floats) -> Floats:
    """``x`` with zeros replaced by NaN, so that a division by it is NaN (undefined), not inf."""
    return np.where(x == 0, np.nan, x)


def clean(ss: Floats, scale: Floats) -> Floats:
    """A sum of squares with rounding noise (tiny or negative) set to exactly 0."""
    return np.where(ss > REL_TOL * np.maximum(scale, 1e-300), ss, 0.0)


def safe(x: Floats) -> Floats:
    """Non-finite values (a 0/0 or x/0) as NaN: undefined."""
    return np.where(np.isfinite(x), x, np.nan)
