"""Benchmark: how long the engine takes to evaluate the full checklist.

Not a test. Run with `python bench/engine.py [ROUNDS]`. It evaluates the
well-documented example (every question of v1 applicable or decided, all rules
evaluated) and compares the median time with a baseline measured in the same run:
deep-copying the same answers dict, i.e. the least work any evaluation must do.
The target is well under 10 ms per evaluation.
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vetting.checklist import evaluate, load_dossier  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "well-documented-product.json"
ON = date(2026, 12, 1)


def median_ns(work, rounds: int) -> float:
    work()  # the first call pays for imports and loading; measure the steady state
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        work()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples)


def main(rounds: int) -> None:
    dossier = load_dossier(EXAMPLE)
    answers = {
        qid: copy.deepcopy(dict(v) if hasattr(v, "keys") else [dict(r) for r in v])
        for qid, v in dossier.answers.items()
    }
    baseline = median_ns(lambda: copy.deepcopy(answers), rounds)
    engine = median_ns(
        lambda: evaluate(dossier.checklist, answers, dossier.evidence, on_date=ON), rounds
    )
    print(f"questions: {len(dossier.checklist.questions)}, rules: {len(dossier.checklist.rules)}")
    print(f"rounds: {rounds}")
    print(f"baseline (deep copy of the answers): median {baseline / 1e6:.3f} ms")
    print(f"evaluate (full checklist):           median {engine / 1e6:.3f} ms")
    print(f"ratio evaluate / baseline: {engine / baseline:.1f}")
    print(f"target < 10 ms: {'met' if engine < 10e6 else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
