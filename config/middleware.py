"""Project-wide request filters: the language choice, refusing input no view can store, and
friendly error pages under DEBUG."""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.utils.translation import gettext as _

from core.api import errors


class ExplicitLanguageOnlyMiddleware:
    """Ignore the browser's Accept-Language on pages so the interface starts in Chinese for everyone
    (the API follows it).

    Staff and owners often use browsers set to English without meaning to ask for English;
    the language switch (a cookie) is the one way to change language. Must run before
    django.middleware.locale.LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # API clients set Accept-Language on purpose, and the API's documentation promises it.
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def _has_nul(params) -> str | None:
    """The first parameter name whose name or any value holds a NUL character, else None."""
    for key, values in params.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return key.replace("\x00", "")
    return None


class RefuseNulMiddleware:
    """Answer 400 to any request with a NUL character in its path, query string or form fields.

    PostgreSQL refuses NUL in text, so such a value reaching a query was a 500 on every page that
    filters or looks up by it; no real input contains one. Checking here, before any view runs,
    covers every page and API operation at once. The API gets its usual error shape; pages get
    a plain 400 page. Must run after AuthenticationMiddleware (the page shows who is signed in).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _has_nul(request.GET)
        if field is None and request.method == "POST":
            field = _has_nul(request.POST)
        if "\x00" in request.path or field is not None:
            return self.refuse(request, field)
        return self.get_response(request)

    @staticmethod
    def refuse(request, field):
        message = _("The request contains a NUL character, which no valid input has.")
        if request.path.startswith("/api/"):
            body = {"detail": message, "code": "invalid"}
            if field:
                body["errors"] = {field: [message]}
            return JsonResponse(body, status=400)
        return render(request, "400.html", {"message": message}, status=400)


class FriendlyErrorsMiddleware:
    """With DEBUG on, Django answers an unknown address, a 404 and a crash with its technical
    pages (English, the URL list, the settings). Under FRIENDLY_ERRORS (on in `make run`) people
    get the same pages as in production instead — the Chinese 404 and 500 pages, or the API's
    JSON under /api/ — and the traceback still goes to the console log. With DEBUG off Django
    does this by itself and this does nothing. (403 never had a debug page.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return settings.DEBUG and settings.FRIENDLY_ERRORS

    def __call__(self, request):
        response = self.get_response(request)
        # No URL matched: the resolver's 404 never reaches process_exception.
        if (self._active() and response.status_code == 404 and getattr(request, "resolver_match", None) is None
                and response.get("Content-Type", "").startswith("text/html")):
            return errors.page_not_found(request, Resolver404())
        return response

    def process_exception(self, request, exception):
        if not self._active() or isinstance(exception, PermissionDenied):
            return None  # 403 goes to handler403 in every mode
        if isinstance(exception, Http404):
            return errors.page_not_found(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return errors.bad_request(request, exception)
        logging.getLogger("django.request").error("Internal Server Error: %s", request.path, exc_info=exception)
        return errors.server_error(request)
