"""Admin sidebar filters that name only what the signed-in user may see.

Django's RelatedFieldListFilter lists every row of the related table — every estate and building
of the company — whatever the changelist's own scope (finding 18). These list the user's own.
"""

from django.contrib import admin

from .models import Building, Estate, Unit
from .selectors import building_list_for, estate_list_for, unit_list_for

_SCOPED_CHOICES = {Estate: estate_list_for, Building: building_list_for, Unit: unit_list_for}


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter whose choices are the estates (buildings, units) the user may see.

    Use as `list_filter = [("estate", ScopedRelatedFieldListFilter)]`; works through lookups such
    as `building__estate` and `memberships__estate` too.
    """

    def field_choices(self, field, request, model_admin):
        chooser = _SCOPED_CHOICES.get(field.related_model)
        if chooser is None:
            raise TypeError(f"no scoped choices for {field.related_model.__name__}; add a selector to _SCOPED_CHOICES")
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering,
                                 limit_choices_to={"pk__in": chooser(request.user).values("pk")})
