"""Adding a newspaper to the archive."""
from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from ..models import Newspaper

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class NewspaperError(ValueError):
    """A newspaper that cannot be added; the message says which parameter and why."""


def add_newspaper(*, slug: str, name: str, place: str = "", first_year: int | None = None) -> Newspaper:
    """A new newspaper. Refuses a slug or name already taken: data is never silently replaced."""
    slug, name, place = slug.strip(), name.strip(), place.strip()
    if not _SLUG.match(slug) or len(slug) > 50:
        raise NewspaperError(f"slug {slug!r}: use lower-case letters, digits and hyphens (e.g. peoples-daily)")
    if not name or len(name) > 100:
        raise NewspaperError("name: give the newspaper's name, at most 100 characters")
    if first_year is not None and not 1800 <= first_year <= dt.date.today().year:
        raise NewspaperError(f"--first-year {first_year}: give a year from 1800 to this year")
    with transaction.atomic():
        taken = Newspaper.objects.filter(slug=slug).first() or Newspaper.objects.filter(name=name).first()
        if taken:
            raise NewspaperError(f"a newspaper {taken.name} ({taken.slug}) is already in the archive; "
                                 "change it in the admin")
        return Newspaper.objects.create(slug=slug, name=name, place=place[:100], first_year=first_year)
