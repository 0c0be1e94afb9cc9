"""Categories × stakeholder groups: counts, shares, the test, flags and suppression."""

import math

import pytest
from scipy.stats import chi2_contingency

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.summaries.crosstab import CrossTab, crosstab

CATS = list(CATEGORY_KEYS)


def _comments(spec: dict[str, dict[str, int]]) -> tuple[list[str], list[str]]:
    """(labels, groups) from {group: {category: count}}."""
    labels, groups = [], []
    for group, counts in spec.items():
        for category, count in counts.items():
            labels += [category] * count
            groups += [group] * count
    return labels, groups


def _even(per_category: int) -> dict[str, int]:
    return dict.fromkeys(CATS, per_category)


def _row(table: CrossTab, group: str):
    return next(row for row in table.rows if row.group == group)


def _cell(table: CrossTab, group: str, category: str):
    return next(c for c in _row(table, group).cells if c.category == category)


def test_a_group_that_clearly_over_weights_a_category_is_flagged_and_a_tiny_one_is_not():
    spec = {
        "resident": _even(40),
        "staff": _even(40),
        # Producers write mostly about small producers' position: 80 of 160.
        "producer_company": {**_even(20), "small_producers": 80},
        # Three comments, all on costs: 100 % against 20 % overall, but nothing to go on.
        "political": {"cost_comparability": 3},
        # Twelve comments, all on resources: tested, but the expected count is below 5.
        "council": {"resources": 12},
    }
    labels, groups = _comments(spec)
    table = crosstab(labels, groups, categories=CATS)

    assert table.significant and table.test is not None
    assert table.test.p_value < 0.001 and 0 < table.test.cramers_v < 1
    over = _cell(table, "producer_company", "small_producers")
    assert over.flag == "over" and over.residual > 1.96 and over.expected >= 5
    assert _cell(table, "producer_company", "quality").residual < 0
    assert _cell(table, "resident", "small_producers").flag == "under"

    tiny = _row(table, "political")
    assert not tiny.tested and "political" in table.untested_groups
    assert tiny.cells[CATS.index("cost_comparability")].share == 1.0
    assert all(cell.flag is None and cell.residual is None for cell in tiny.cells)

    small = _cell(table, "council", "resources")
    assert _row(table, "council").tested and small.share == 1.0
    assert small.expected < 5 and small.residual > 1.96 and small.flag is None

    flagged = {(group, cell.category, cell.flag) for group, cell in table.flagged}
    assert ("producer_company", "small_producers", "over") in flagged
    assert not any(group in {"political", "council"} for group, _, _ in flagged)


def test_no_flags_without_a_significant_test():
    # Noise of a few comments per cell: residuals may pass 1.96 by chance, the test does not.
    spec = {
        "resident": {"quality": 16, "small_producers": 9, "cost_comparability": 12,
                     "development": 11, "resources": 12},
        "staff": {"quality": 8, "small_producers": 14, "cost_comparability": 11,
                  "development": 12, "resources": 15},
        "producer_ngo": {"quality": 12, "small_producers": 13, "cost_comparability": 10,
                         "development": 12, "resources": 13},
    }  # fmt: skip
    labels, groups = _comments(spec)
    table = crosstab(labels, groups, categories=CATS)
    assert table.test is not None and not table.significant
    assert table.flagged == []


def test_counts_shares_and_totals_add_up():
    spec = {
        "resident": {"quality": 30, "resources": 10, "development": 5},
        "staff": {"resources": 25, "quality": 5, "cost_comparability": 2},
        "producer_company": {"small_producers": 20, "cost_comparability": 8},
    }
    labels, groups = _comments(spec)
    table = crosstab(labels, groups, categories=CATS)

    assert table.categories == tuple(CATS)
    assert [row.group for row in table.rows] == ["resident", "staff", "producer_company"]
    assert table.n == len(labels) == 105
    for row in table.rows:
        assert [cell.category for cell in row.cells] == CATS
        assert sum(cell.count for cell in row.cells) == row.total
        assert sum(cell.share for cell in row.cells) == pytest.approx(1.0)
        for cell in row.cells:
            assert cell.count == spec[row.group].get(cell.category, 0)
            assert cell.difference == pytest.approx(cell.share - cell.overall_share)
    assert table.totals.group is None and table.totals.total == 105
    assert [c.count for c in table.totals.cells] == [
        sum(row.cells[j].count for row in table.rows) for j in range(len(CATS))
    ]
    assert sum(table.overall_shares.values()) == pytest.approx(1.0)
    assert table.overall_shares["quality"] == pytest.approx(35 / 105)
    assert [c.share for c in table.totals.cells] == [table.overall_shares[c] for c in CATS]

    # Expected counts of the tested table keep its margins.
    for j in range(len(CATS)):
        expected = [row.cells[j].expected for row in table.rows]
        assert sum(expected) == pytest.approx(table.totals.cells[j].count)


def test_small_counts_are_suppressed():
    spec = {
        "resident": {"quality": 4, "resources": 5, "development": 1},
        "in_house": {"cost_comparability": 3},
    }
    labels, groups = _comments(spec)
    table = crosstab(labels, groups, categories=CATS, min_cell=5)
    resident = {c.category: c for c in _row(table, "resident").cells}
    assert resident["quality"].suppressed and resident["development"].suppressed
    assert not resident["resources"].suppressed  # 5 is shown
    assert not resident["small_producers"].suppressed  # 0 is shown
    assert _row(table, "in_house").suppressed and not _row(table, "resident").suppressed
    totals = {c.category: c for c in table.totals.cells}
    assert totals["quality"].suppressed and not totals["resources"].suppressed
    assert table.test is None  # only one group has ten comments
    assert table.untested_groups == ["resident", "in_house"]


def test_adjusted_residuals_and_cramers_v_match_the_textbook():
    # In a 2 × 2 table every adjusted residual is ±sqrt(chi²), and V = sqrt(chi² / n).
    spec = {
        "resident": {"quality": 60, "resources": 40},
        "staff": {"quality": 35, "resources": 65},
    }
    labels, groups = _comments(spec)
    table = crosstab(labels, groups, categories=["quality", "resources"])
    chi2 = chi2_contingency([[60, 40], [35, 65]], correction=False)
    assert table.test.statistic == pytest.approx(chi2.statistic)
    assert table.test.p_value == pytest.approx(chi2.pvalue)
    assert table.test.dof == 1 and table.test.method == "asymptotic"
    assert table.test.cramers_v == pytest.approx(math.sqrt(chi2.statistic / 200))
    for row in table.rows:
        for cell in row.cells:
            assert abs(cell.residual) == pytest.approx(math.sqrt(chi2.statistic))
    assert _cell(table, "resident", "quality").flag == "over"
    assert _cell(table, "staff", "quality").flag == "under"


def test_empty_columns_and_rows_are_left_out_of_the_test():
    spec = {
        "resident": {"quality": 30, "resources": 10},
        "staff": {"quality": 10, "resources": 30},
    }
    labels, groups = _comments(spec)
    table = crosstab(labels, groups, categories=CATS, group_order=["staff", "council", "resident"])
    assert [row.group for row in table.rows] == ["staff", "council", "resident"]
    council = _row(table, "council")
    assert council.total == 0 and not council.tested
    assert all(c.share is None and c.count == 0 for c in council.cells)
    assert table.tested_groups == ["staff", "resident"]
    assert table.tested_categories == ["quality", "resources"]
    assert table.test.dof == 1
    empty = _cell(table, "resident", "development")
    assert empty.count == 0 and empty.expected is None and empty.flag is None


def test_a_sparse_table_gets_a_monte_carlo_p_value():
    spec = {
        "resident": {"quality": 8, "resources": 1, "development": 1},
        "staff": {"resources": 9, "quality": 1, "small_producers": 1},
        "council": {"development": 6, "quality": 4},
    }
    labels, groups = _comments(spec)
    table = crosstab(labels, groups, categories=CATS)
    assert table.test.method == "monte_carlo" and table.test.sparse_share > 0.2
    assert table.significant
    again = crosstab(labels, groups, categories=CATS)
    assert again.test.p_value == table.test.p_value  # fixed seed
    assert table.flagged == []  # every expected count is below 5


def test_bad_input():
    with pytest.raises(ValueError, match="same length"):
        crosstab(["quality"], [], categories=CATS)
    with pytest.raises(ValueError, match="outside the categories"):
        crosstab(["nonsense"], ["resident"], categories=CATS)
    empty = crosstab([], [], categories=CATS)
    assert empty.n == 0 and empty.rows == [] and empty.test is None
    assert all(c.share is None for c in empty.totals.cells)
