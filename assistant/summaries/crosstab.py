"""Categories × stakeholder groups: counts, shares, and which differences the data can support.

`crosstab` counts each group's comments per category and compares the group's share of a category
with the category's overall share. Whether a difference is worth a sentence in the report is
decided in three steps, so that small groups are not over-read:

1. A chi-square test of independence over the groups with at least `min_group` comments (and the
   categories that have a comment among them); Cramér's V says how strong the association is.
   When the table is too sparse for the chi-square approximation (Cochran's rule: an expected
   count below 1, or more than a fifth of them below 5) the p-value comes from a Monte Carlo test
   over random tables with the same margins (fixed seed, so it is repeatable).
2. Per cell, the adjusted standardized residual `(O − E) / sqrt(E (1 − row/N) (1 − column/N))`,
   which is about standard normal under independence.
3. A cell is flagged "over" or "under" only when |residual| > 1.96, the test is significant
   (p < 0.05), and the cell's expected count is at least 5.

Groups below `min_group`, groups without comments and categories without comments in the tested
groups are left out of the test: a zero row or column has expected counts of zero, and a handful of
comments says nothing about a group. Their cells still have counts and shares, but no expected
count, residual or flag.

Counts from 1 to `min_cell − 1` are marked `suppressed`: public outputs show them as "< 5". Note
that a row total shown next to a single hidden cell reveals it by subtraction; a public table that
shows totals should hide a second cell of that row too (or the total).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import MonteCarloMethod, chi2_contingency

Flag = Literal["over", "under"]

ALPHA = 0.05
Z_CRITICAL = 1.96
MIN_EXPECTED = 5.0
MONTE_CARLO_RESAMPLES = 9999
MONTE_CARLO_SEED = 0


@dataclass(frozen=True)
class Cell:
    """One group's comments in one category."""

    category: str
    count: int
    share: float | None  # of the group's comments; None when the group has none
    overall_share: float | None  # the category's share of all comments; None when there are none
    expected: float | None  # under independence; None outside the tested table
    residual: float | None  # adjusted standardized residual; None outside the tested table
    flag: Flag | None  # "over"/"under" when the difference is supported (see the module)
    suppressed: bool  # 0 < count < min_cell: hide the count in public outputs

    @property
    def difference(self) -> float | None:
        """The group's share minus the overall share (a fraction: 0.12 is 12 points)."""
        if self.share is None or self.overall_share is None:
            return None
        return self.share - self.overall_share


@dataclass(frozen=True)
class Row:
    """A stakeholder group (or, with `group` None, all comments) across the categories."""

    group: str | None
    total: int
    cells: list[Cell]  # in the order of `CrossTab.categories`
    tested: bool  # part of the chi-square test
    suppressed: bool  # 0 < total < min_cell


@dataclass(frozen=True)
class ChiSquare:
    """The test of independence over the tested groups and categories."""

    statistic: float
    p_value: float
    dof: int
    cramers_v: float
    n: int  # comments in the tested table
    method: Literal["asymptotic", "monte_carlo"]
    sparse_share: float  # share of tested cells with an expected count below 5


@dataclass(frozen=True)
class CrossTab:
    """Categories × groups, ready for a template: `rows`, then `totals`, cells in column order."""

    categories: tuple[str, ...]
    rows: list[Row]
    totals: Row
    n: int
    overall_shares: dict[str, float | None]
    test: ChiSquare | None  # None when fewer than two groups or categories can be tested
    tested_groups: list[str]
    untested_groups: list[str]  # fewer than min_group comments, or no test at all
    tested_categories: list[str]
    min_cell: int
    min_group: int

    @property
    def significant(self) -> bool:
        """Whether the groups differ in their categories (p < 0.05)."""
        return self.test is not None and self.test.p_value < ALPHA

    @property
    def flagged(self) -> list[tuple[str, Cell]]:
        """(group, cell) for every flagged cell, in table order."""
        return [(row.group or "", cell) for row in self.rows for cell in row.cells if cell.flag]


def _test(table: np.ndarray) -> tuple[ChiSquare, np.ndarray, np.ndarray]:
    """The chi-square test, expected counts and adjusted residuals (no margin may be zero)."""
    n = int(table.sum())
    result = chi2_contingency(table, correction=False)
    expected = np.asarray(result.expected_freq, dtype=np.float64)
    sparse_share = float((expected < MIN_EXPECTED).mean())
    p_value, method = float(result.pvalue), "asymptotic"
    if expected.min() < 1.0 or sparse_share > 0.2:  # Cochran's rule fails
        method = "monte_carlo"
        p_value = float(
            chi2_contingency(
                table,
                correction=False,
                method=MonteCarloMethod(
                    n_resamples=MONTE_CARLO_RESAMPLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
                ),
            ).pvalue
        )
    row_share = table.sum(axis=1, keepdims=True) / n
    column_share = table.sum(axis=0, keepdims=True) / n
    residuals = (table - expected) / np.sqrt(expected * (1 - row_share) * (1 - column_share))
    statistic = float(result.statistic)
    cramers_v = float(np.sqrt(statistic / (n * (min(table.shape) - 1))))
    test = ChiSquare(
        statistic=statistic,
        p_value=p_value,
        dof=int((table.shape[0] - 1) * (table.shape[1] - 1)),
        cramers_v=cramers_v,
        n=n,
        method=method,
        sparse_share=sparse_share,
    )
    return test, expected, residuals


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def crosstab(
    labels: list[str],
    groups: list[str],
    *,
    categories: Sequence[str],
    min_cell: int = 5,
    min_group: int = 10,
    group_order: Sequence[str] | None = None,
) -> CrossTab:
    """Count comments by stakeholder group (rows) and category (columns, in `categories` order).

    `labels[i]` and `groups[i]` belong to the same comment; a label outside `categories` is a
    ValueError. Rows follow `group_order` when given (its groups are shown even without comments,
    then any other group by name), else the largest group first (ties by name). Groups with fewer
    than `min_group` comments are not tested; counts below `min_cell` are marked suppressed. See the
    module docstring for the test and the flags.
    """
    if len(labels) != len(groups):
        raise ValueError("labels and groups must have the same length")
    columns = tuple(categories)
    if len(set(columns)) != len(columns):
        raise ValueError("categories must be distinct")
    column_index = {category: j for j, category in enumerate(columns)}
    unknown = sorted(set(labels) - set(columns))
    if unknown:
        raise ValueError(f"labels outside the categories: {unknown}")

    sizes = Counter(groups)
    if group_order is not None:
        listed = list(dict.fromkeys(group_order))
        order = listed + sorted(g for g in sizes if g not in set(listed))
    else:
        order = sorted(sizes, key=lambda g: (-sizes[g], g))
    row_index = {group: i for i, group in enumerate(order)}

    table = np.zeros((len(order), len(columns)), dtype=np.int64)
    for label, group in zip(labels, groups, strict=True):
        table[row_index[group], column_index[label]] += 1
    n = int(table.sum())
    row_totals = table.sum(axis=1)
    column_totals = table.sum(axis=0)
    overall = {c: _share(int(column_totals[j]), n) for j, c in enumerate(columns)}

    tested_rows = np.flatnonzero(row_totals >= max(min_group, 1))
    tested_columns = np.flatnonzero(table[tested_rows].sum(axis=0) > 0)
    test: ChiSquare | None = None
    expected = np.full(table.shape, np.nan)
    residuals = np.full(table.shape, np.nan)
    if len(tested_rows) >= 2 and len(tested_columns) >= 2:
        sub = table[np.ix_(tested_rows, tested_columns)]
        test, sub_expected, sub_residuals = _test(sub)
        expected[np.ix_(tested_rows, tested_columns)] = sub_expected
        residuals[np.ix_(tested_rows, tested_columns)] = sub_residuals
    significant = test is not None and test.p_value < ALPHA

    def cell(i: int, j: int) -> Cell:
        count = int(table[i, j])
        e, r = expected[i, j], residuals[i, j]
        flag: Flag | None = None
        if significant and not np.isnan(r) and e >= MIN_EXPECTED and abs(r) > Z_CRITICAL:
            flag = "over" if r > 0 else "under"
        return Cell(
            category=columns[j],
            count=count,
            share=_share(count, int(row_totals[i])),
            overall_share=overall[columns[j]],
            expected=None if np.isnan(e) else float(e),
            residual=None if np.isnan(r) else float(r),
            flag=flag,
            suppressed=0 < count < min_cell,
        )

    tested_set = set(tested_rows.tolist()) if test is not None else set()
    rows = [
        Row(
            group=group,
            total=int(row_totals[i]),
            cells=[cell(i, j) for j in range(len(columns))],
            tested=i in tested_set,
            suppressed=0 < int(row_totals[i]) < min_cell,
        )
        for i, group in enumerate(order)
    ]
    totals = Row(
        group=None,
        total=n,
        cells=[
            Cell(
                category=c,
                count=int(column_totals[j]),
                share=overall[c],
                overall_share=overall[c],
                expected=None,
                residual=None,
                flag=None,
                suppressed=0 < int(column_totals[j]) < min_cell,
            )
            for j, c in enumerate(columns)
        ],
        tested=False,
        suppressed=0 < n < min_cell,
    )
    return CrossTab(
        categories=columns,
        rows=rows,
        totals=totals,
        n=n,
        overall_shares=overall,
        test=test,
        tested_groups=[order[i] for i in sorted(tested_set)],
        untested_groups=[order[i] for i in range(len(order)) if i not in tested_set],
        tested_categories=[columns[j] for j in tested_columns] if test is not None else [],
        min_cell=min_cell,
        min_group=min_group,
    )
