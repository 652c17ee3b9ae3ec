"""Project-wide request filters: the language choice, and refusing input no view can store."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ExplicitLanguageOnlyMiddleware:
    """Ignore the browser's Accept-Language so the interface starts in Chinese for everyone.

    Staff and owners often use browsers set to English without meaning to ask for English;
    the language switch (a cookie) is the one way to change language. Must run before
    django.middleware.locale.LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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
