import numpy as np
import pandas as pd
import pytest

from analysis import QUALITY_LABELS, coefficient_of_variation, quality_flag, suppress
from analysis.disclosure import _determined, k_anonymize, mask_contact_details, protect_cells, protected_views


def exposed_cells(mask: np.ndarray) -> list:
    """Suppressed cells recoverable exactly from row and column totals."""
    return _determined(mask)


def brute_force_recoverable(values, mask):
    """Independent check: a suppressed cell is recoverable iff it is constant over the
    null space of the line-sum equations restricted to the suppressed cells."""
    cells = list(zip(*np.nonzero(mask)))
    R, C = mask.shape
    A = np.zeros((R + C, len(cells)))
    for j, (r, c) in enumerate(cells):
        A[r, j] = A[R + c, j] = 1
    _, s, vt = np.linalg.svd(A)
    rank = int((s > 1e-10).sum())
    null = vt[rank:]
    return [cells[j] for j in range(len(cells)) if np.allclose(null[:, j], 0)]


def test_primary_and_complementary_two_way():
    t = pd.DataFrame([[20, 3, 40], [30, 25, 12], [50, 60, 70]], index=list("abc"), columns=list("xyz"))
    res = suppress(t, min_n=10)
    assert res.primary.loc["a", "y"] and res.primary.sum().sum() == 1
    assert res.n_suppressed >= 4  # a lone hidden cell is never left in a line
    mask = res.mask.to_numpy()
    for line in list(mask) + list(mask.T):
        assert line.sum() != 1
    assert exposed_cells(mask) == [] == brute_force_recoverable(t.to_numpy(), mask)
    assert res.table.isna().to_numpy().tolist() == mask.tolist()
    assert res.table.loc["c", "z"] == 70


def test_bridge_between_two_blocks_is_closed():
    # Two 2x2 blocks of small cells: each line has two suppressed cells; the audit
    # checks that no cell is determined by the totals.
    t = pd.DataFrame([[5, 5, 100, 100], [5, 5, 100, 100], [100, 100, 5, 5], [100, 100, 5, 5]])
    res = suppress(t)
    assert brute_force_recoverable(t.to_numpy(), res.mask.to_numpy()) == []


@pytest.mark.parametrize("seed", range(8))
def test_random_tables_leave_nothing_recoverable(seed):
    rng = np.random.default_rng(seed)
    values = rng.choice([0, 2, 4, 7, 12, 25, 60], size=(5, 4), p=[0.1, 0.15, 0.15, 0.1, 0.2, 0.15, 0.15])
    res = suppress(pd.DataFrame(values))
    mask = res.mask.to_numpy()
    assert (mask | ~res.primary.to_numpy()).all()  # every primary cell is hidden
    if not res.suppressed_totals:
        assert brute_force_recoverable(values, mask) == []


def test_one_way_table():
    s = pd.Series({"1": 4, "2": 30, "3": 50, "4": 12, "5": 80}, name="n")
    res = suppress(s)
    assert res.table.isna().sum() == 2
    assert res.primary["1"] and res.complementary["4"]
    assert res.table.name == "n"


def test_single_cell_line_needs_total_withheld():
    res = suppress(pd.DataFrame([[5, 50]]))
    assert res.suppressed_totals == (("column", 0), ("column", 1))


def test_zeros_are_not_suppressed_by_default():
    t = pd.DataFrame([[0, 30], [40, 50]])
    assert suppress(t).n_suppressed == 0
    assert suppress(t, suppress_zeros=True).mask.to_numpy().sum() == 4


def test_bad_tables():
    with pytest.raises(ValueError, match="whole-number"):
        suppress(pd.DataFrame([[1.5, 2]]))
    with pytest.raises(ValueError, match="whole-number"):
        suppress(pd.Series([1, np.nan]))
    with pytest.raises(TypeError):
        suppress([[1, 2]])
    with pytest.raises(ValueError, match="min_n"):
        suppress(pd.Series([1, 2]), min_n=0)


def test_statcan_quality_letters():
    # Statistics Canada quality indicators: A < 5 %, B < 10, C < 15, D < 25, E < 35
    # (use with caution), F >= 35 (too unreliable to be published).
    cv = [0.0, 4.99, 5.0, 9.99, 10.0, 14.99, 15.0, 24.99, 25.0, 34.99, 35.0, 80.0, np.inf]
    assert list(quality_flag(cv)) == list("AABBCCDDEEFFF")
    assert quality_flag(12.0) == "C"
    assert QUALITY_LABELS["E"] == "use with caution"
    assert QUALITY_LABELS["F"] == "too unreliable to be published"


def test_cv():
    assert coefficient_of_variation(50.0, 5.0) == 10.0
    assert coefficient_of_variation(0.0, 1.0) == np.inf
    np.testing.assert_allclose(coefficient_of_variation([10, -20], [1, 1]), [10, 5])
    with pytest.raises(ValueError):
        coefficient_of_variation(1.0, -1.0)
    with pytest.raises(ValueError):
        quality_flag(float("nan"))


# ----------------------------------------------------------------- protection against differencing


DIMS = ("channel", "site", "language")


def test_a_small_value_takes_the_next_smallest_with_it():
    # 9 alone: total - 50 - 40 - 20 = 9; so 20 is hidden too and the hidden ones hold 29
    mask = protect_cells([50, 40, 20, 9], [range(4)], 10)
    assert list(mask) == [False, False, True, True]


def test_two_small_values_that_sum_below_the_threshold_take_a_third():
    mask = protect_cells([50, 40, 3, 4], [range(4)], 10)
    assert list(mask) == [False, True, True, True]


def test_a_site_equal_to_a_channel_cannot_unmask_the_others():
    # the case: every kiosk answer is at one site, phone has 4, so all - online - site = phone
    cells = {("online", None, "fr"): 50, ("online", None, "en"): 10, ("kiosk", "C", "fr"): 20,
             ("kiosk", "C", "en"): 5, ("phone", None, "fr"): 4}
    views = protected_views(cells, DIMS, 10)
    assert (("channel", "phone"),) not in views and (("channel", "kiosk"),) not in views
    assert (("site", "C"),) not in views
    assert () in views and (("channel", "online"),) in views


def test_a_pair_of_filters_is_protected_within_its_line():
    cells = {("online", None, "fr"): 200, ("kiosk", "A", "fr"): 30, ("kiosk", "A", "en"): 3,
             ("kiosk", "B", "fr"): 40, ("online", None, "en"): 50}
    views = protected_views(cells, DIMS, 10)
    assert (("site", "A"),) in views
    # site A in English has 3: A - (A, fr) would give them, so (A, fr) is withheld too
    assert (("site", "A"), ("language", "en")) not in views
    assert (("site", "A"), ("language", "fr")) not in views
    assert all(len(v) < 3 for v in views)


def test_fewer_than_the_threshold_publishes_nothing():
    assert protected_views({("online", None, "fr"): 9}, DIMS, 10) == frozenset()


def test_k_anonymity_suppresses_the_least_important_variable_first():
    frame = pd.DataFrame({"site": ["A"] * 12 + ["B"] * 3 + ["C"] * 8, "channel": ["kiosk"] * 23})
    out, counts = k_anonymize(frame, ["site", "channel"], k=10)
    assert counts == {"site": 11, "channel": 0}
    assert out.groupby(["site", "channel"]).size().min() >= 10
    assert (out["channel"] == "kiosk").all() and list(out["site"]).count("A") == 12


def test_k_anonymity_merges_a_class_still_too_small():
    frame = pd.DataFrame({"site": ["A"] * 12 + ["B"] * 3, "channel": ["kiosk"] * 12 + ["phone"] * 3})
    out, _ = k_anonymize(frame, ["site", "channel"], k=10)
    assert out.groupby(["site", "channel"]).size().min() >= 10


@pytest.mark.parametrize("text", [
    "Écrivez-moi à jean.tremblay@example.com", "au 418 555-0199", "(514) 555-0123",
    "J’habite au 1234 rue Sainte-Catherine Est", "12, boul. René-Lévesque", "45 Main Street",
    "code postal H2X 1Y4",
])
def test_contact_details_are_masked(text):
    masked = mask_contact_details(text)
    assert "[…]" in masked
    assert not any(ch.isdigit() for ch in masked.replace("[…]", "")) or "@" not in masked


def test_ordinary_numbers_are_kept():
    text = "J’ai attendu 20 minutes au comptoir 3; note 5 sur 5."
    assert mask_contact_details(text) == text
