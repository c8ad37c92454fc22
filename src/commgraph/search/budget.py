"""A budget for keyword searches: what one may cost, how long it may run, how many costly ones run at once.

Measured at 2,000 articles: a search's time grows with its distinct words and the postings they read, and
it runs in a web thread, where Python's GIL makes every other request of the process wait its turn. So a
search is priced before it is evaluated (distinct words, postings from the index's term statistics, no
posting read), refused with a 400 that says what to change when it is over a cap, and a costly one waits
for one of a few slots per process: cheap searches and every other page go on beside it. A search that
runs past its time is stopped at the next term (503), as is one that waited too long for a slot.

Engine-neutral: each engine prices a search in its own terms (a `Cost`) and calls `admit` and `check`.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from dataclasses import dataclass
from typing import Iterator

from ..errors import QueryError


_OPERATORS = {"and", "or", "not"}


class SearchRefused(QueryError):
    """A search over a cap (400) or out of time or slots (503); never shown as 'no results'."""


@dataclass(frozen=True)
class SearchLimits:
    max_words: int = 32  # the defaults of the settings search_max_words ... search_slots
    max_postings: int = 1_000_000
    timeout: float = 2.0
    slots: int = 2
    # Searches estimated to read fewer postings than this run without a slot: at 2,000 articles they take a
    # few milliseconds (~0.7 µs a posting), less than waiting for a slot would.
    cheap_postings: int = 20_000
    # Searches of this many distinct words or more take their slot before they are read: reading 32 words
    # (Whoosh's parser and the entity-name lookup of every run of words) was ~10 ms of Python, most of a
    # costly search's 16 ms, and it ran outside the slot, beside the slotted searches (8-client burst).
    wordy: int = 8

    @classmethod
    def from_settings(cls, settings) -> "SearchLimits":
        return cls(max_words=settings.search_max_words, max_postings=settings.search_max_postings,
                   timeout=settings.search_timeout, slots=settings.search_slots)


@dataclass(frozen=True)
class Cost:
    """What a search will read, as its engine estimates it before running it: the distinct words the user
    typed (filters and entity expansions not counted) and the postings (article-word pairs) to be read."""

    words: int
    postings: int


class Deadline:
    """The time left to one search; `check()` raises once it has passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise SearchRefused(f"the search ran longer than {self.seconds:g} s and was stopped (setting "
                                "search_timeout): use fewer words, or rarer ones, or a quoted phrase", 503)


class SearchBudget:
    """One per server process: the caps and the slots for costly searches."""

    def __init__(self, limits: SearchLimits) -> None:
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.slots)

    @contextlib.contextmanager
    def session(self) -> Iterator["SearchSession"]:
        """One search: its admission (and slot, if it takes one) lasts until the block ends."""
        search = SearchSession(self)
        try:
            yield search
        finally:
            if search.holds_slot:
                self._slots.release()


class SearchSession:
    """The budget as one search sees it: `admit` before evaluating, `check` between steps."""

    def __init__(self, budget: SearchBudget) -> None:
        self.budget = budget
        self.holds_slot = False
        self.deadline: Deadline | None = None
        self.cost: Cost | None = None

    def reserve(self, text: str) -> None:
        """Before the query is read: a text of `wordy` distinct words or more waits for its slot now (503 when
        none frees in time), so reading it counts among the costly searches at work; a shorter one goes on."""
        words = set(re.findall(r"\w+", text.lower())) - _OPERATORS
        if not self.holds_slot and len(words) >= self.budget.limits.wordy:
            self._take_slot()

    def _take_slot(self) -> None:
        limits = self.budget.limits
        if not self.budget._slots.acquire(timeout=limits.timeout):
            raise SearchRefused(f"the server is busy with {limits.slots} costly search(es) (setting "
                                "search_slots); retry in a moment, or use fewer or rarer words", 503)
        self.holds_slot = True

    def admit(self, cost: Cost) -> None:
        """Refuse a search over a cap (400); a costly one waits for a slot (503 when none frees in time).
        `cost` is the engine's estimate, made from term statistics without reading postings."""
        limits = self.budget.limits
        self.cost = cost
        if cost.words > limits.max_words:
            raise SearchRefused(f"the search has {cost.words} distinct words; the limit is {limits.max_words} "
                                "(setting search_max_words): remove some, or quote a phrase", 400)
        if cost.postings > limits.max_postings:
            raise SearchRefused(f"the search would read {cost.postings:,} postings; the limit is "
                                f"{limits.max_postings:,} (setting search_max_postings): leave out the most "
                                "common words, or add a rarer one", 400)
        if cost.postings >= limits.cheap_postings and not self.holds_slot:
            self._take_slot()
        self.deadline = Deadline(limits.timeout)

    def check(self) -> None:
        if self.deadline is not None:
            self.deadline.check()
