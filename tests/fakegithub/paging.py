"""Pagination the way GitHub's REST API does it: ``page``, ``per_page`` and Link."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

T = TypeVar("T")

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


class PageError(ValueError):
    """A ``page`` or ``per_page`` value is not a positive integer."""


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int


def read_page(query: dict[str, str]) -> Page:
    """Parse ``page``/``per_page``. GitHub silently caps ``per_page`` at 100."""
    try:
        number = int(query.get("page", "1"))
        per_page = int(query.get("per_page", str(DEFAULT_PER_PAGE)))
    except ValueError as error:
        raise PageError(str(error)) from error
    number = max(number, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    return Page(number, per_page)


def slice_page(items: Sequence[T], page: Page) -> list[T]:
    start = (page.number - 1) * page.per_page
    return list(items[start : start + page.per_page])


def link_header(
    base_url: str, query: dict[str, str], page: Page, total: int
) -> str | None:
    """Build the Link header, keeping every query parameter but ``page``.

    Returns None for a single page, like GitHub, which sends no Link then.
    """
    last = max(1, -(-total // page.per_page))
    if last == 1:
        return None
    other_params = {key: value for key, value in query.items() if key != "page"}

    def url(number: int) -> str:
        return f"{base_url}?{urlencode({**other_params, 'page': number})}"

    links = []
    if page.number > 1:
        links.append(f'<{url(page.number - 1)}>; rel="prev"')
    if page.number < last:
        links.append(f'<{url(page.number + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page.number > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links)
