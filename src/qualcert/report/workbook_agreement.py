"""The 신뢰도/Agreement sheet of the result workbook: how far the reviewers agree.

Four blocks, one under the other: the overall coefficients with their intervals and a
plain sentence on what each means; the indicators, least reliable first (the criteria a
committee should clarify first; the id column gives the rubric order back); the reviewers'
severity or leniency; and leave-one-reviewer-out, the removals that would change a
decision. The numbers are the JSON's (``Agreement.to_json_dict``), never recomputed; a
value that cannot be computed is shown as — with its reason.

The blocks share columns: A holds the label of each row (coefficient, indicator, reviewer,
institution), B onwards numbers, and each block's long text is merged across to the
sheet's last column so that no number column has to be wide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qualcert.agreement import ALPHA_KEYS, ICC_KEYS, KAPPA_KEY
from qualcert.agreement.reasons import parse, reason
from qualcert.report.csv_out import guard
from qualcert.report.workbook_text import REASONS_KO
from qualcert.report.xlsx_kit import (
    DECISION_COLOURS,
    DECISION_FONTS,
    FONT,
    LINE_HEIGHT,
    Styles,
    print_setup,
    text_width,
)
from qualcert.results import DECISION_LABELS, Results
from qualcert.rubric import name_text

LABEL_WIDTH: Final = 40  # column A: "1.1.1 욕구 사정과 개별 계획 수립" wraps beyond this
NUMBER_WIDTH: Final = 11
NOTE_WIDTH: Final = 40  # the last column, where notes start
# (red below, yellow below) — the usual bands named in each coefficient's explanation
BANDS: Final = {"alpha": (0.667, 0.8), "kappa": (0.4, 0.6), "icc": (0.5, 0.75)}
OVERALL_KEYS: Final = (*ALPHA_KEYS, KAPPA_KEY, "icc1_oneway")
CROSSED_ICC: Final = tuple(k for k in ICC_KEYS if k != "icc1_oneway")
INDICATOR_COEFS: Final = ("alpha_interval", "alpha_ordinal", KAPPA_KEY, "icc1_oneway")  # CIs for the 1st and last
SWITCHED_OFF: Final = reason("bootstrap_off")  # said once in the subtitle, not in every note
REVIEWER_COLUMNS: Final = {"mean_deviation": "agr_deviation", "se": "agr_se", "consensus_grade": "agr_grade"}


def _band(key: str) -> tuple[float, float]:
    return BANDS["alpha" if key.startswith("alpha") else "kappa" if key == KAPPA_KEY else "icc"]


class _Formats:
    """Cell formats of this sheet: the workbook's font, thin borders like the other sheets' tables."""

    def __init__(self, book: Workbook, styles: Styles, precision: int) -> None:
        base: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "top"}
        line = {"border": 1, "border_color": "#A6A6A6"}
        total = "0" if precision == 0 else "0." + "0" * precision

        def add(props: dict[str, Any]) -> Format:
            return book.add_format(base | line | props)

        self.text = add({})
        self.wrap = add({"text_wrap": True})
        self.center = add({"align": "center"})
        self.dash = add({"align": "right", "font_color": "#808080"})
        self.note = add({"text_wrap": True, "font_color": "#595959"})
        self.int = add({"num_format": "#,##0"})
        self.total = add({"num_format": total})
        self.grade = add({"num_format": "0.0"})
        self.spread = add({"num_format": "0.000"})
        self.deviation = add({"num_format": "+0.000;-0.000;0.000"})
        self.coef = add({"num_format": "0.000"})
        self.coef_red = add({"num_format": "0.000", "bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.coef_yellow = add({"num_format": "0.000", "bg_color": "#FFEB9C", "font_color": "#7F6000"})
        self.tendency = {
            "severe": add({"align": "center", "bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "lenient": add({"align": "center", "bg_color": "#FFEB9C", "font_color": "#7F6000"}),
            "neutral": add({"align": "center"}),
        }
        self.decision = {
            code: add({"align": "center", "bg_color": colour, "font_color": DECISION_FONTS[code]})
            for code, colour in DECISION_COLOURS.items()
        }
        self.styles = styles

    def coefficient(self, key: str, value: float) -> Format:
        red, yellow = _band(key)
        return self.coef_red if value < red else self.coef_yellow if value < yellow else self.coef


class _Sheet:
    """Rows written top to bottom; block headings, table headers and merged notes across to ``last`` column."""

    def __init__(self, ws: Worksheet, styles: Styles, fmt: _Formats, last: int) -> None:
        self.ws, self.styles, self.fmt, self.last = ws, styles, fmt, last
        self.row = 0
        self.label_width = 12

    def heading(self, text: str) -> None:
        self.row += 1  # a blank row above each block
        self.ws.write_string(self.row, 0, guard(text), self.styles.title)
        self.ws.set_row(self.row, 22)
        self.row += 1

    def line(self, text: str) -> None:
        self.ws.write_string(self.row, 0, guard(text), self.styles.note)
        self.row += 1

    def header(self, heads: Sequence[str], *, note: str | None = None) -> None:
        lines = 2
        for c, head in enumerate(heads):
            self.ws.write_string(self.row, c, head, self.styles.header)
            if c:
                lines = max(lines, _lines(head, NUMBER_WIDTH))
        if note is not None:
            self._merged(len(heads), note, self.styles.header)
        self.ws.set_row(self.row, max(30, LINE_HEIGHT * lines + 4))
        self.row += 1

    def cells(self, values: Sequence[tuple[Any, Format | None]], *, note: str | None = None) -> None:
        """One table row: (value, format) pairs from column A; None values as —; then the note, merged."""
        lines = 1
        for c, (value, cell_format) in enumerate(values):
            if value is None:
                self.ws.write_string(self.row, c, "—", self.fmt.dash)
            elif isinstance(value, str):
                text = guard(value)
                self.ws.write_string(self.row, c, text, cell_format or self.fmt.text)
                if c == 0:
                    self.label_width = max(self.label_width, min(text_width(text) + 2, LABEL_WIDTH))
                    lines = max(lines, _lines(text, LABEL_WIDTH))
            else:
                self.ws.write_number(self.row, c, float(value), cell_format or self.fmt.coef)
        if note is not None:
            lines = max(lines, self._merged(len(values), note, self.fmt.note))
        if lines > 1:
            self.ws.set_row(self.row, LINE_HEIGHT * lines + 2)
        self.row += 1

    def _merged(self, first: int, text: str, cell_format: Format) -> int:
        """``text`` in columns ``first``..``last`` (merged when more than one); the lines it takes there."""
        text = guard(text)
        if first < self.last:
            self.ws.merge_range(self.row, first, self.row, self.last, text, cell_format)
        else:
            self.ws.write_string(self.row, first, text, cell_format)
        return _lines(text, NUMBER_WIDTH * (self.last - first) + NOTE_WIDTH)


def _lines(text: str, width: int) -> int:
    """Lines that ``text`` takes wrapped in ``width`` (words do not split: a little pessimistic).

    Latin text in a proportional font takes about 0.85 of its character count; Hangul counts 2 each.
    """
    usable = max(width - 2, 4)
    count = 0
    for paragraph in text.split("\n"):
        used = 0.0
        lines = 1
        for word in paragraph.split(" "):
            w = len(word) * 0.85 if word.isascii() else float(text_width(word))
            if used and used + 1 + w > usable:
                lines, used = lines + 1, w
            else:
                used += (1 if used else 0) + w
        count += lines + int(used > usable)
    return count


def write_agreement(
    book: Workbook, ws: Worksheet, styles: Styles, results: Results, t: dict[str, str], lang: str
) -> None:
    """The 신뢰도/Agreement sheet; ``results.agreement`` must be set."""
    assert results.agreement is not None
    doc = results.agreement.to_json_dict(embedded=True)
    ci = doc["bootstrap"]["replicates"] > 0
    fmt = _Formats(book, styles, results.rubric.precision)
    # the widest block is the indicators' (label, units, 4 coefficients with 2 intervals, 3 spreads), then its note
    last = 2 + len(INDICATOR_COEFS) + (4 if ci else 0) + 3
    sheet = _Sheet(ws, styles, fmt, last)
    o = doc["overall"]
    ws.write_string(0, 0, t["agr_title"], styles.title)
    ws.set_row(0, 24)
    sheet.row = 1
    subtitle = t["agr_subtitle"].format(
        units=f"{o['n_units']:,}", ratings=f"{o['n_ratings']:,}", reviewers=o["n_reviewers"]
    )
    b = doc["bootstrap"]
    interval = (
        t["agr_ci"].format(level=round(b["level"] * 100), replicates=b["replicates"], seed=b["seed"])
        if ci
        else t["agr_no_ci"]
    )
    sheet.line(f"{subtitle} · {interval}")
    _overall(sheet, doc, t, lang, ci)
    _indicators(sheet, doc, results, t, lang, ci)
    _reviewers(sheet, doc, t, lang)
    _leave_one_out(sheet, doc, results, t, lang)
    ws.set_column(0, 0, max(sheet.label_width, 24))
    ws.set_column(1, last - 1, NUMBER_WIDTH)
    ws.set_column(last, last, NOTE_WIDTH)
    print_setup(ws, first_row=0, last_row=0)
    ws.print_area(0, 0, max(sheet.row - 1, 0), last)


def in_language(text: str, lang: str) -> str:
    """A reason of the JSON (English) in the sheet's language; a text that is no reason of ours, as it is."""
    parsed = parse(text) if lang == "ko" else None
    if parsed is None:
        return text
    key, numbers = parsed
    return REASONS_KO[key].format(**{name: f"{int(n):,}" for name, n in numbers.items()})


def _reason(key: str, block: dict[str, Any], t: dict[str, str], lang: str) -> str | None:
    """Why coefficient ``key`` of a block (overall, an indicator) or its interval is missing, if it is."""
    why = block["reasons"].get(key)
    if why is not None:
        return t["agr_na"].format(reason=in_language(why, lang))
    ci_why = block["ci_reasons"].get(key)
    return None if ci_why in (None, SWITCHED_OFF) else t["agr_ci_na"].format(reason=in_language(ci_why, lang))


def _overall(sheet: _Sheet, doc: dict[str, Any], t: dict[str, str], lang: str, ci: bool) -> None:
    o, fmt = doc["overall"], sheet.fmt
    sheet.heading(t["agr_overall"])
    sheet.line(t["agr_legend"])
    heads = [t["agr_coefficient"], t["agr_value"], *([t["agr_low"], t["agr_high"]] if ci else [])]
    sheet.header(heads, note=t["agr_meaning"])
    values = {key: o[key] for key in (*ALPHA_KEYS, KAPPA_KEY)} | dict(o["icc"])
    order = ("alpha_interval", "alpha_ordinal", "alpha_nominal", "alpha_ratio", KAPPA_KEY, "icc1_oneway")
    for key in order:
        _coefficient_row(sheet, t[f"agr_name_{key}"], key, values[key], o, t, lang, ci, t[f"agr_explain_{key}"])
    if o["crossed"]:
        for key in CROSSED_ICC:
            label = f"ICC({key[3]},{key[5:]})"
            _coefficient_row(sheet, label, key, values[key], o, t, lang, ci, t["agr_explain_crossed"])
    else:  # six rows of the same "not crossed" reason say less than one
        why = _reason(CROSSED_ICC[0], o, t, lang)
        note = t["agr_explain_crossed"] + (f" — {why}" if why else "")
        sheet.cells([(t["agr_crossed_icc"], fmt.wrap), (None, None), *([(None, None)] * (2 if ci else 0))], note=note)
    s = o["spread"]
    if s["units"]:
        limit = "—" if s["limit"] is None else f"{s['limit']:g}"
        flagged = "—" if s["flagged"] is None else f"{s['flagged']:,}"
        sheet.line(t["agr_spread"].format(mean=f"{s['mean']:.3f}", max=f"{s['max']:.3f}", limit=limit, flagged=flagged))


def _coefficient_row(
    sheet: _Sheet,
    label: str,
    key: str,
    value: float | None,
    block: dict[str, Any],
    t: dict[str, str],
    lang: str,
    ci: bool,
    explanation: str,
) -> None:
    fmt = sheet.fmt
    cells: list[tuple[Any, Format | None]] = [(label, fmt.wrap), _coef(fmt, key, value)]
    interval = block["ci"].get(key)
    if ci:
        cells += _interval(fmt, interval)
    why = _reason(key, block, t, lang)
    sheet.cells(cells, note=explanation + (f" — {why}" if why else ""))


def _coef(fmt: _Formats, key: str, value: float | None) -> tuple[Any, Format | None]:
    return (None, None) if value is None else (value, fmt.coefficient(key, value))


def _interval(fmt: _Formats, interval: dict[str, float | None] | None) -> list[tuple[Any, Format | None]]:
    if interval is None:
        return [(None, None), (None, None)]
    return [(interval["low"], fmt.coef), (interval["high"], fmt.coef)]


def _indicators(sheet: _Sheet, doc: dict[str, Any], results: Results, t: dict[str, str], lang: str, ci: bool) -> None:
    fmt, rubric = sheet.fmt, results.rubric
    sheet.heading(t["agr_by_indicator"])
    heads = [t["indicator"], t["agr_units"]]
    for key in INDICATOR_COEFS:
        heads.append(t[f"agr_short_{key}"])
        if ci and key in (INDICATOR_COEFS[0], INDICATOR_COEFS[-1]):
            heads += [f"{t[f'agr_short_{key}']} {t['agr_low']}", f"{t[f'agr_short_{key}']} {t['agr_high']}"]
    heads += [t["agr_mean_spread"], t["agr_max_spread"], t["agr_flagged"]]
    sheet.header(heads, note=t["agr_note"])
    position = {ind_id: k for k, ind_id in enumerate(rubric.indicators)}

    def least_reliable(entry: dict[str, Any]) -> tuple[bool, float, int]:
        alpha = entry["alpha_interval"]
        return (alpha is None, 0.0 if alpha is None else alpha, position.get(entry["indicator_id"], 0))

    for entry in sorted(doc["by_indicator"], key=least_reliable):
        ind = rubric.indicators.get(entry["indicator_id"])
        label = entry["indicator_id"] + ("" if ind is None else f" {name_text(ind.name, lang)}")
        values = {key: entry[key] for key in (*ALPHA_KEYS, KAPPA_KEY)} | dict(entry["icc"])
        cells: list[tuple[Any, Format | None]] = [(label, fmt.wrap), (entry["n_units"], fmt.int)]
        notes: dict[str, list[str]] = {}
        for key in INDICATOR_COEFS:
            cells.append(_coef(fmt, key, values[key]))
            if ci and key in (INDICATOR_COEFS[0], INDICATOR_COEFS[-1]):
                cells += _interval(fmt, entry["ci"].get(key))
            why = _reason(key, entry, t, lang)
            if why is not None:
                notes.setdefault(why, []).append(t[f"agr_short_{key}"])
        s = entry["spread"]
        cells += [(s["mean"], fmt.spread), (s["max"], fmt.spread), (s["flagged"], fmt.int)]
        note = "; ".join(f"{', '.join(names)}: {why}" for why, names in notes.items())
        sheet.cells(cells, note=note)


def _reviewers(sheet: _Sheet, doc: dict[str, Any], t: dict[str, str], lang: str) -> None:
    fmt = sheet.fmt
    sheet.ws.set_h_pagebreaks([sheet.row + 1])  # printed: coefficients and indicators on page 1, people after
    sheet.heading(t["agr_by_reviewer"])
    sheet.line(t["agr_reviewer_note"])
    heads = [t["agr_reviewer"], t["agr_scores"], t["agr_institutions"], t["agr_deviation"], t["agr_se"], "z"]
    heads += [t["agr_tendency"], t["agr_grade"]]
    sheet.header(heads, note=t["agr_note"])
    for r in doc["by_reviewer"]:
        tendency = r["tendency"]
        cells: list[tuple[Any, Format | None]] = [
            (r["reviewer_id"], fmt.text),
            (r["n_scores"], fmt.int),
            (r["n_institutions"], fmt.int),
            (r["mean_deviation"], fmt.deviation),
            (r["se"], fmt.spread),
            (r["z"], fmt.grade),
            (None, None) if tendency is None else (t[f"agr_{tendency}"], fmt.tendency[tendency]),
            (r["consensus_grade"], fmt.grade),
        ]
        note = "; ".join(f"{t[REVIEWER_COLUMNS[key]]}: {in_language(why, lang)}" for key, why in r["reasons"].items())
        sheet.cells(cells, note=note)


def _leave_one_out(sheet: _Sheet, doc: dict[str, Any], results: Results, t: dict[str, str], lang: str) -> None:
    fmt = sheet.fmt
    sheet.heading(t["agr_loo"])
    entries = doc["leave_one_out"]
    if entries is None:
        sheet.line(t["agr_loo_skipped"])
        return
    changes = [e for e in entries if e["changes"]]
    if not changes:
        sheet.line(t["agr_loo_none"].format(removals=f"{len(entries):,}"))
        return
    institutions = len({e["institution_id"] for e in changes})
    sheet.line(
        t["agr_loo_summary"].format(removals=f"{len(entries):,}", changes=len(changes), institutions=institutions)
    )
    heads = [t["agr_institution"], t["agr_left_out"], t["agr_decision"], t["agr_decision_without"]]
    heads += [t["agr_total"], t["agr_total_without"]]
    sheet.header(heads)
    names = {i.institution_id: i.name for i in results.institutions}
    for e in changes:
        name = names.get(e["institution_id"])
        cells: list[tuple[Any, Format | None]] = [
            (e["institution_id"] + (f" {name}" if name else ""), fmt.wrap),
            (e["reviewer_id"], fmt.center),
            (DECISION_LABELS[e["decision"]][lang], fmt.decision[e["decision"]]),
            (DECISION_LABELS[e["decision_without"]][lang], fmt.decision[e["decision_without"]]),
            (e["total"], fmt.total),
            (e["total_without"], fmt.total),
        ]
        sheet.cells(cells)
