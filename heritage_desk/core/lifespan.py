"""When a painter's works can date from: one rule for the app, the CLI and training.

A work is credited to a painter only if its years overlap the painter's working window, and
the year suggested with a painter lies inside it. The window comes from life dates when the
record has them ("Claude Monet (French, 1840-1926)"), else from the painter's dated works the
model learned from, widened by stated margins:

- FIRST_WORK_AGE: nobody is credited with a painting before this age;
- POSTHUMOUS_MARGIN: years after death a work may still be dated (finished by the workshop,
  dated by its completion or publication, or a dating a little off);
- WORKS_MARGIN: years before the first / after the last dated work the model saw (it saw
  only some of a career).

Inside the window, a date is weighed by `decade_weights`: the EDGE_YEARS at either end (the
posthumous margin, a career's first years) count EDGE_WEIGHT of a year in mid-career, so a
Troyon (died 1865) is not dated "1870–1875" because the image looks later.
"""

from __future__ import annotations

from collections.abc import Sequence

FIRST_WORK_AGE = 12
POSTHUMOUS_MARGIN = 10
WORKS_MARGIN = 15
EDGE_YEARS = 10
EDGE_WEIGHT = 0.25

#: First and last year a painter's works can date from (inclusive).
Window = tuple[int, int]


def life_window(
    born: int | None,
    died: int | None,
    active_from: int | None = None,
    active_to: int | None = None,
) -> Window | None:
    """The working window from life or activity dates; None when neither end is known."""
    lo = born + FIRST_WORK_AGE if born is not None else active_from
    if died is not None:
        hi: int | None = died + POSTHUMOUS_MARGIN
    else:
        hi = active_to + POSTHUMOUS_MARGIN if active_to is not None else None
    if lo is None and hi is None:
        return None
    lo = lo if lo is not None else (hi - 100 if hi is not None else 0)
    hi = hi if hi is not None else lo + 100
    return (lo, hi) if lo <= hi else (hi, lo)


def works_window(first: int, last: int) -> Window:
    """The working window from the first and last dated works seen."""
    return first - WORKS_MARGIN, last + WORKS_MARGIN


def window_for(life: Window | None, works: tuple[int, int] | None) -> Window | None:
    """Life dates win (they bound a career); else the dated works, widened."""
    if life is not None:
        return life
    return works_window(*works) if works is not None else None


def overlaps(window: Window | None, years: tuple[int, int]) -> bool:
    """True when a work made in `years` can be by a painter with `window` (None: any)."""
    return window is None or (years[0] <= window[1] and years[1] >= window[0])


def decade_weights(window: Window | None, starts: Sequence[int], width: int) -> list[float]:
    """How much of each year bin (`starts`, `width` years each) a work inside `window` can
    fall in: its share of the window's years, those within EDGE_YEARS of either end counted
    EDGE_WEIGHT (all ones with no window, or none of the bins inside it; a window too short
    to have a middle counts every year alike)."""
    if window is None:
        return [1.0] * len(starts)
    lo, hi = window
    soft = hi - lo + 1 > 2 * EDGE_YEARS

    def weight(year: int) -> float:
        if not lo <= year <= hi:
            return 0.0
        edge = soft and (year < lo + EDGE_YEARS or year > hi - EDGE_YEARS)
        return EDGE_WEIGHT if edge else 1.0

    weights = [sum(weight(s + k) for k in range(width)) / width for s in starts]
    return weights if any(weights) else [1.0] * len(starts)
