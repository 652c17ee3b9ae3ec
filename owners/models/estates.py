import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone “%(value)s”."), params={"value": value})


class Estate(models.Model):
    """A residential estate (小区) the company manages."""

    name = models.CharField(_("estate name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=32, unique=True, help_text=_("Short code used in ticket numbers and imports."))
    address = models.CharField(_("address"), max_length=255, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE, validators=[validate_timezone])
    phone = models.CharField(_("management office phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Building(models.Model):
    """A building (楼栋) of an estate, named the way residents say it, e.g. “3号楼”."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("estate"))
    name = models.CharField(_("building name"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["estate_id", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="building_unique_name_per_estate")]

    def __str__(self):
        return f"{self.estate.name} {self.name}"


class Unit(models.Model):
    """A home (户): building, entrance (单元, may be blank) and number."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building"))
    entrance = models.CharField(_("entrance"), max_length=20, blank=True)
    number = models.CharField(_("number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    area_sqm = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "entrance", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "number"], name="unit_unique_per_building"),
        ]

    def __str__(self):
        return f"{self.building.estate.name} {self.label}"

    @property
    def label(self) -> str:
        if self.entrance:
            return _("%(building)s, entrance %(entrance)s, room %(number)s") % {
                "building": self.building.name, "entrance": self.entrance, "number": self.number,
            }
        return _("%(building)s, room %(number)s") % {"building": self.building.name, "number": self.number}
