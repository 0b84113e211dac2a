"""What the suites counted (bodies fuzzed, kills, faults, deployment traffic), printed once at
the end of the run in pytest's summary, a section per suite.

A suite takes its counter with :func:`tally` and adds to it. Under pytest-xdist each worker
counts its own tests: tests/conftest.py sends a worker's counts to the controller when the
worker finishes, adds them up there, and prints the sums (:func:`report`), so a run in several
processes prints the same totals as a run in one.
"""
from __future__ import annotations

from collections import Counter

#: The counters by section title ("robustness", "deployment").
TALLIES: dict[str, Counter] = {}


def tally(section: str) -> Counter:
    """The counter printed under ``section`` (made on first use)."""
    return TALLIES.setdefault(section, Counter())


def counts() -> dict[str, dict[str, int]]:
    """Every count, as plain data a worker can send to the controller."""
    return {section: dict(counter) for section, counter in TALLIES.items() if counter}


def add(received: dict[str, dict[str, int]]) -> None:
    """Add a worker's :func:`counts` to this process's."""
    for section, numbers in received.items():
        tally(section).update(numbers)


def report(terminalreporter) -> None:
    """Each section with a count, its lines sorted by name."""
    for section, counter in sorted(TALLIES.items()):
        if counter:
            terminalreporter.section(section)
            for name, count in sorted(counter.items()):
                terminalreporter.write_line(f"{name}: {count}")
