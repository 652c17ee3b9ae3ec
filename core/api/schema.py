"""OpenAPI generation that documents every error an endpoint can answer with, and says what
each path and filter parameter is in the reader's language (not Django REST framework's stock
"A unique integer value identifying this …", which reads "标识此 公告 的 唯一整数值。" in Chinese)."""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_view_model
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from .errors import ErrorSerializer

_ERROR = {
    "400": "Invalid input: unknown or malformed fields, bad filters. Nothing was changed.",
    "400-read": "A filter, `page_size` or `cursor` is invalid; `errors` names it.",
    "400-write": ("Refused, and nothing was changed: a field is unknown, missing, malformed or outside your scope "
                  "(`errors` names it), or the object's current state does not allow this "
                  "(e.g. a closed complaint, an unapproved statement, an announcement already sent; `detail` says why)."),
    "401": "Not signed in (no session and no valid token).",
    "403": "Signed in, but your role may not do this.",
    "404": "No such object within what you may see (another estate's or owner's objects answer 404 too).",
    "429": "Too many requests; wait and retry (see Retry-After).",
}


def _model_field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _related_model(model, name):
    """The model of `model`'s reverse relation called `name` or `name`s (tasks → Task), if any."""
    for relation in model._meta.related_objects:
        if relation.get_accessor_name() in (name, f"{name}s") or relation.related_model._meta.model_name == name:
            return relation.related_model
    return None


class LighthouseAutoSchema(AutoSchema):
    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        if model is None:
            return parameters
        for parameter in parameters:
            name = parameter["name"]
            if name == getattr(self.view, "lookup_url_kwarg", None) or name == "pk":
                name = getattr(self.view, "lookup_field", "pk")
            field = model._meta.pk if name in ("pk", "id") else _model_field(model, name)
            if field is None:
                # `task_id` in …/incidents/{number}/tasks/{task_id}/…: the id of a related record.
                related = _related_model(model, name.removesuffix("_id")) if name.endswith("_id") else None
                if related is not None:
                    parameter["description"] = _("The %(model)s's id.") % {"model": related._meta.verbose_name}
                continue
            if field.primary_key:
                parameter["description"] = _("The %(model)s's id.") % {"model": model._meta.verbose_name}
            else:
                parameter["description"] = _("The %(model)s's %(field)s.") % {
                    "model": model._meta.verbose_name, "field": field.verbose_name}
        return parameters

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation:
            self._describe_filters(operation.get("parameters", []))
        return operation

    def _describe_filters(self, parameters):
        """A filter without a description says what it filters on, from the model's field."""
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            if parameter["in"] != "query" or parameter.get("description"):
                continue
            field = _model_field(model, parameter["name"])
            if field is None:
                continue
            if isinstance(field, models.ForeignKey):
                parameter["description"] = _("Only those of this %(field)s (its id).") % {"field": field.verbose_name}
            elif not field.choices:  # a choice already lists its values and their meaning
                parameter["description"] = _("Only those whose %(field)s is this value.") % {"field": field.verbose_name}

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # Serializers that refuse unknown fields (owners/api/strict.py) say so.
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = ["400", "429"] if public else ["400", "401", "403", "429"]
        # A path names an object; a body (or a view's lookup parameters) may name one outside what the
        # caller may see: both answer 404.
        if "{" in self.path or self.method not in ("GET", "HEAD") or getattr(self.view, "looks_up_objects", False):
            codes.append("404")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=self._error_description(code)), code
                )
        return responses

    def _error_description(self, code):
        if code == "400":
            return _ERROR["400-read" if self.method in ("GET", "HEAD") else "400-write"]
        return _ERROR[code]
