"""Progress of long work (imports, provisioning), told to a callback such as a progress bar.

The domain only counts; drawing is the command line's (``cloudtel.cli.onboarding.ProgressBar``,
shown on a terminal only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["Progress", "with_progress"]

Progress = Callable[[int, int], None]
"""Called with (done, total) as work goes on."""

_T = TypeVar("_T")


def with_progress(
    items: Iterable[_T],
    progress: Progress,
    *,
    total: int | None = None,
    every: int = 256,
) -> Iterator[_T]:
    """Yield ``items``, calling ``progress(done, total)`` every ``every`` items and at the end.

    Args:
        items: What is worked through.
        progress: The callback, e.g. a terminal progress bar.
        total: How many items there are; ``len(items)`` when ``None``.
        every: How often it is called.

    Yields:
        Each item, in order.
    """
    if total is None:
        items = tuple(items)
        total = len(items)
    for done, item in enumerate(items, 1):
        yield item
        if done % every == 0 or done == total:
            progress(done, total)
