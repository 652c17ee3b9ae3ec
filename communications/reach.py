"""Which estates an announcement reaches, declared once.

The selectors filter by it (who may read an announcement) and the services and permissions test
it (who may act on it, who may approve it). Both read the same table, so an announcement a writer
could create is one they can open: before this, the reading side ignored a saved list's estate.
The reach follows the chosen audience only; a relation filled in for another audience reaches nobody.
"""

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q

from .models import Announcement

Audience = Announcement.Audience

# audience → (the relation holding the addressees, the path from one of them to its estate id)
_ESTATE_OF = {
    Audience.ESTATES: ("estates", "id"),
    Audience.BUILDINGS: ("buildings", "estate_id"),
    Audience.UNITS: ("units", "building__estate_id"),
    Audience.LIST: ("saved_audience", "estate_id"),
}


def announcement_reach(announcement) -> set[int] | None:
    """The ids of the estates whose residents the announcement is for; None for the whole company.
    An empty set: nobody chosen yet."""
    if announcement.audience == Audience.COMPANY:
        return None
    relation, estate = _ESTATE_OF[announcement.audience]
    if announcement.audience == Audience.LIST:  # a foreign key: read it as it is on the instance, saved or not
        return {announcement.saved_audience.estate_id} if announcement.saved_audience_id else set()
    if announcement.pk is None:
        return set()
    return set(getattr(announcement, relation).values_list(estate, flat=True))


def announcements_reaching(estate_ids) -> Q:
    """A filter for the announcements that reach at least one of `estate_ids`."""
    return reduce(or_, (Q(audience=audience, **{f"{relation}__{estate}__in": estate_ids})
                        for audience, (relation, estate) in _ESTATE_OF.items()))


def announcements_beyond(estate_ids) -> Q:
    """A filter for the announcements that reach at least one estate outside `estate_ids`
    (the whole company always does)."""
    ids = list(estate_ids)
    links = {audience: getattr(Announcement, relation).through.objects.filter(announcement_id=OuterRef("pk"))
             for audience, (relation, _estate) in _ESTATE_OF.items() if audience != Audience.LIST}
    return (Q(audience=Audience.COMPANY)
            | (Q(audience=Audience.ESTATES) & Exists(links[Audience.ESTATES].exclude(estate_id__in=ids)))
            | (Q(audience=Audience.BUILDINGS) & Exists(links[Audience.BUILDINGS].exclude(building__estate_id__in=ids)))
            | (Q(audience=Audience.UNITS) & Exists(links[Audience.UNITS].exclude(unit__building__estate_id__in=ids)))
            | (Q(audience=Audience.LIST) & ~Q(saved_audience__estate_id__in=ids)))
