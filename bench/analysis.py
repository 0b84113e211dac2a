"""Benchmark: compare_cycles on 1,000,000 responses x 12 questions x 2 cycles.

Prints the time of ``analysis.compare_cycles`` from frequency tables and from raw
answer rows, each with its ratio to a plain pandas group-by mean of the same rows
measured in the same run (best of ``--repeat`` runs each).

    python bench/analysis.py [--responses 1000000] [--repeat 3]

``--responses`` is per cycle: the default makes 24 million answer rows.
Targets: from frequency tables well under a second; from raw rows no slower than
3x the plain group-by.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import analysis

N_QUESTIONS = 12
N_QUESTIONNAIRES = 3
CYCLES = ("2024", "2025")


def make_rows(responses_per_cycle: int, seed: int = 20250101) -> pd.DataFrame:
    """One row per answer: questionnaire, question, cycle (categoricals) and value (int8)."""
    rng = np.random.default_rng(seed)
    n_rows = responses_per_cycle * N_QUESTIONS * len(CYCLES)
    q = np.tile(np.arange(N_QUESTIONS, dtype=np.int8), responses_per_cycle * len(CYCLES))
    cyc = np.repeat(np.arange(len(CYCLES), dtype=np.int8), responses_per_cycle * N_QUESTIONS)
    # ratings 1-5; the second cycle is slightly better on some questions
    probs = np.array([0.08, 0.12, 0.25, 0.33, 0.22])
    value = (rng.choice(5, size=n_rows, p=probs) + 1).astype(np.int8)
    improve = (cyc == 1) & (q % 3 == 0) & (rng.random(n_rows) < 0.05) & (value < 5)
    value[improve] += 1
    questions = [f"q{i + 1:02d}" for i in range(N_QUESTIONS)]
    questionnaires = [f"C-{i + 1:02d}" for i in range(N_QUESTIONNAIRES)]
    qn_of_q = (np.arange(N_QUESTIONS) // (N_QUESTIONS // N_QUESTIONNAIRES)).astype(np.int8)
    return pd.DataFrame({
        "questionnaire": pd.Categorical.from_codes(qn_of_q[q], questionnaires),
        "question": pd.Categorical.from_codes(q, questions),
        "cycle": pd.Categorical.from_codes(cyc, list(CYCLES)),
        "value": value,
    })


def best_of(repeat, fn):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--responses", type=int, default=1_000_000, help="responses per cycle")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    rows = make_rows(args.responses)
    print(f"rows: {len(rows):,} answers ({args.responses:,} responses x {N_QUESTIONS} questions "
          f"x {len(CYCLES)} cycles), built in {time.perf_counter() - t0:.2f} s")

    keys = ["questionnaire", "question", "cycle"]
    t_base, base = best_of(args.repeat, lambda: rows.groupby(keys, observed=True)["value"].mean())
    t_count, table = best_of(args.repeat, lambda: analysis.frequency_table(rows))
    t_freq, res_f = best_of(args.repeat, lambda: analysis.compare_cycles(table, "2024", "2025"))
    t_raw, res_r = best_of(args.repeat, lambda: analysis.compare_cycles(rows, "2024", "2025"))

    # sanity: both forms agree, and agree with the plain group-by means
    assert res_f.drop(columns=[]).equals(res_r), "frequency and raw forms differ"
    means = base.xs("2025", level="cycle").to_numpy()
    assert np.allclose((means - 1) * 25, res_f["index_cycle"].to_numpy()), "index disagrees with group-by"

    print(f"frequency table: {len(table)} rows (counting the rows took {t_count:.3f} s)")
    print(f"{'plain pandas group-by mean':<40} {t_base:8.3f} s   ratio 1.00")
    print(f"{'compare_cycles from frequency tables':<40} {t_freq:8.3f} s   ratio {t_freq / t_base:.3f}")
    print(f"{'compare_cycles from raw rows':<40} {t_raw:8.3f} s   ratio {t_raw / t_base:.2f}")
    ok_f = t_freq < 1.0
    ok_r = t_raw <= 3.0 * t_base
    print(f"targets: frequency tables < 1 s: {'met' if ok_f else 'MISSED'}; "
          f"raw rows <= 3x group-by: {'met' if ok_r else 'MISSED'}")
    verdicts = res_f["verdict"].value_counts().to_dict()
    print(f"verdicts: {verdicts}")
    return 0 if (ok_f and ok_r) else 1


if __name__ == "__main__":
    raise SystemExit(main())
