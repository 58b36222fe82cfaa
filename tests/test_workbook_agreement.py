"""The 신뢰도/Agreement sheet of the result workbook, opened again: the JSON's numbers, nulls as — with reasons."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from qualcert.agreement.reasons import REASONS
from qualcert.report.workbook_text import LABELS, REASONS_KO
from tests.agreement_helpers import scored, write_round


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return write_round(tmp_path_factory.mktemp("round"))


def find(ws: Worksheet, text: str, column: int = 1) -> int:
    """The row whose cell in ``column`` holds ``text``."""
    for row in ws.iter_rows(min_col=column, max_col=column):
        if row[0].value == text:
            return int(row[0].row)
    raise AssertionError(f"{text!r} not in column {column}")


def table(ws: Worksheet, header_row: int) -> list[dict[str, Any]]:
    """The rows under a header row, as dicts by header, up to the first row with an empty column A."""
    heads = [c.value for c in ws[header_row]]
    rows = []
    for r in range(header_row + 1, ws.max_row + 1):
        values = [c.value for c in ws[r]]
        if values[0] is None:
            break
        rows.append({h: v for h, v in zip(heads, values, strict=False) if h is not None})
    return rows


def same(cell: Any, value: float | None) -> bool:
    if value is None:
        return bool(cell == "—")
    return isinstance(cell, int | float) and math.isclose(cell, value, abs_tol=1e-12)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_sheet_shows_the_json_numbers(files: list[str], tmp_path: Path, lang: str) -> None:
    xlsx = tmp_path / "r.xlsx"
    doc = scored(files, tmp_path, "-o", str(xlsx), "--lang", lang, "--bootstrap", "30", "--leave-one-out")
    a, t = doc["agreement"], LABELS[lang]
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames.index(t["agreement"]) == book.sheetnames.index(t["disagreements"]) + 1
    ws = book[t["agreement"]]
    assert ws["A1"].value == t["agr_title"]
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert not [v for v in cells if isinstance(v, float) and not math.isfinite(v)]
    assert not [v for v in cells if isinstance(v, str) and v.lower() in {"nan", "none", "null"}]

    # overall: value and interval per coefficient; the explanation beside
    overall = {r[t["agr_coefficient"]]: r for r in table(ws, find(ws, t["agr_coefficient"]))}
    o = a["overall"]
    for key in ("alpha_interval", "alpha_ordinal", "alpha_nominal", "alpha_ratio", "fleiss_kappa"):
        row = overall[t[f"agr_name_{key}"]]
        assert same(row[t["agr_value"]], o[key]), key
        assert same(row[t["agr_low"]], o["ci"][key]["low"]) and same(row[t["agr_high"]], o["ci"][key]["high"])
        assert row[t["agr_meaning"]].startswith(t[f"agr_explain_{key}"])
    assert same(overall[t["agr_name_icc1_oneway"]][t["agr_value"]], o["icc"]["icc1_oneway"])
    assert same(overall["ICC(2,1)"][t["agr_value"]], o["icc"]["icc2_1"])  # crossed: the six forms are shown

    # indicators: least reliable first, nulls last with their reason
    header_row = find(ws, t["indicator"])
    indicators = table(ws, header_row)
    by_id = {i["indicator_id"]: i for i in a["by_indicator"]}
    ids = [str(r[t["indicator"]]).split(" ")[0] for r in indicators]
    assert ids == ["1.1.2", "1.1.1", "2.1.1", "2.1.2"]  # α interval -0.004, 0.0836, 0.0836 (rubric order), null
    assert [c.value for c in ws[header_row]][:4] == [
        t["indicator"],
        t["agr_units"],
        t["agr_short_alpha_interval"],
        (f"{t['agr_short_alpha_interval']} {t['agr_low']}"),
    ]
    for row, ind_id in zip(indicators, ids, strict=True):
        j = by_id[ind_id]
        assert row[t["agr_units"]] == j["n_units"]
        assert same(row[t["agr_short_alpha_interval"]], j["alpha_interval"])
        assert same(row[t["agr_short_alpha_ordinal"]], j["alpha_ordinal"])
        assert same(row[t["agr_short_fleiss_kappa"]], j["fleiss_kappa"])
        assert same(row[t["agr_short_icc1_oneway"]], j["icc"]["icc1_oneway"])
        assert same(row[t["agr_mean_spread"]], j["spread"]["mean"])
    why = REASONS if lang == "en" else REASONS_KO  # the JSON's English reasons, in the sheet's language
    assert why["no_unit_rated_twice"] in indicators[-1][t["agr_note"]]
    assert why["no_level_ratings"] in indicators[0][t["agr_note"]]  # κ of the points-scale indicator
    if lang == "ko":  # no English reason left on a Korean sheet
        texts = [v for v in cells if isinstance(v, str)]
        assert not [v for v in texts for english in REASONS.values() if english.split("{")[0] in v]

    # reviewers
    reviewers = table(ws, find(ws, t["agr_reviewer"]))
    assert [r[t["agr_reviewer"]] for r in reviewers] == ["R1", "R2", "R3"]
    for row, j in zip(reviewers, a["by_reviewer"], strict=True):
        assert row[t["agr_scores"]] == j["n_scores"]
        assert same(row[t["agr_deviation"]], j["mean_deviation"]) and same(row[t["agr_se"]], j["se"])
        assert same(row[t["agr_grade"]], j["consensus_grade"])
        assert row[t["agr_tendency"]] == (t[f"agr_{j['tendency']}"] if j["tendency"] else "—")

    # leave one reviewer out: the removals that change a decision
    loo = table(ws, find(ws, t["agr_institution"]))
    changes = [e for e in a["leave_one_out"] if e["changes"]]
    assert len(loo) == len(changes) == 3
    for row, e in zip(loo, changes, strict=True):
        assert row[t["agr_institution"]] == f"{e['institution_id']} 기관{e['institution_id'][1:]}"
        assert row[t["agr_left_out"]] == e["reviewer_id"]
        assert same(row[t["agr_total"]], e["total"]) and same(row[t["agr_total_without"]], e["total_without"])


def test_the_sheet_says_what_was_not_computed(files: list[str], tmp_path: Path) -> None:
    xlsx = tmp_path / "r.xlsx"
    scored(files, tmp_path, "-o", str(xlsx), "--lang", "en")
    ws = openpyxl.load_workbook(xlsx)["Agreement"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    t = LABELS["en"]
    assert t["agr_no_ci"] in texts[1] and t["agr_loo_skipped"] in texts
    assert t["agr_low"] not in texts  # no interval columns without a bootstrap
