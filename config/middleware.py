"""Language choice: Simplified Chinese unless the person picked another language themselves."""


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
