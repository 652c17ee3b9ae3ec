"""One error shape for the whole API: {"detail", "code"} plus "errors" for invalid fields."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. invalid, not_found, throttled, or the code of a "
                                           "refused move such as illegal_transition or commander_missing (detail says why).")
    errors = serializers.DictField(
        required=False, help_text="For invalid input: field name → list of messages. A field inside a list or an object "
                                  "is named by its path, e.g. `channels.1`; errors about the whole body are under `non_field_errors`.",
        child=serializers.ListField(child=serializers.CharField()),
    )


def _refusal_code(exc) -> str | None:
    """The code a service gave a refusal about the whole request ("illegal_transition",
    "commander_missing" …), so a client can tell one guard from another; None for field errors."""
    if hasattr(exc, "error_dict") or hasattr(exc, "error_list") and len(exc.error_list) != 1:
        return None
    code = exc.error_list[0].code if hasattr(exc, "error_list") else exc.code
    return code if code and code != "invalid" else None


def exception_handler(exc, context):
    refusal = None
    if isinstance(exc, DjangoValidationError):
        refusal = _refusal_code(exc)
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError) and refusal:
        errors = _flat_errors(response.data)
        response.data = {"detail": errors["non_field_errors"][0], "code": refusal, "errors": errors}
    elif isinstance(exc, ValidationError):
        response.data = {"detail": _("The request has invalid fields."), "code": "invalid", "errors": _flat_errors(response.data)}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    return response


def _flat_errors(errors, path="") -> dict[str, list[str]]:
    """DRF nests the errors of list and nested fields ({"channels": {"1": [...]}}); the documented
    shape is one level of field → messages, so nested ones are named by their path ("channels.1")."""
    if isinstance(errors, dict):
        items = errors.items()
    elif isinstance(errors, list) and any(isinstance(item, (dict, list)) for item in errors):
        items = ((index, item) for index, item in enumerate(errors) if item)  # one entry per list item
    else:
        return {path or "non_field_errors": [str(message) for message in (errors if isinstance(errors, list) else [errors])]}
    flat = {}
    for key, value in items:
        flat.update(_flat_errors(value, f"{path}.{key}" if path else str(key)))
    return flat


def error_response(detail: str, code: str, http_status=status.HTTP_400_BAD_REQUEST, **extra) -> Response:
    return Response({"detail": detail, "code": code, **extra}, status=http_status)


# Django's error handlers (config/urls.py). Errors raised outside a DRF view — an unmatched
# /api/ path (e.g. /api/v1/units/0.5/: ids never contain a dot), a body Django's own parser
# refuses, a crash — answer the API's JSON shape under /api/ and the usual pages elsewhere.

def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(exc_class, code, http_status):
    return JsonResponse({"detail": str(exc_class.default_detail), "code": code}, status=http_status)


def bad_request(request, exception):
    if _is_api(request):
        return _api_error(exceptions.ParseError, "parse_error", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _api_error(exceptions.PermissionDenied, "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return _api_error(exceptions.NotFound, "not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _api_error(exceptions.APIException, "error", 500)
    return defaults.server_error(request)
