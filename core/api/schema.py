"""OpenAPI generation that documents every error an endpoint can answer with."""

from drf_spectacular.openapi import AutoSchema
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


class LighthouseAutoSchema(AutoSchema):
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
        if "{" in self.path:
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
