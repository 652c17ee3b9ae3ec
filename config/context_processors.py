"""What every page's header needs: the property company's name, logo and phone (settings)."""

from django.conf import settings
from django.templatetags.static import static
from django.utils.functional import Promise


def company(request):
    # The default COMPANY_NAME is a lazy translation ("the management office"): until a name is
    # configured, the header keeps the software's name rather than a generic phrase.
    named = not isinstance(settings.COMPANY_NAME, Promise)
    return {"company": {
        "name": settings.COMPANY_NAME,
        "header_name": settings.COMPANY_NAME if named else settings.SITE_NAME,
        "phone": settings.COMPANY_PHONE,
        "logo_url": _logo_url(settings.COMPANY_LOGO_URL),
    }}


def _logo_url(logo: str) -> str:
    """An absolute URL or path as given; anything else is a file under static/."""
    if not logo or logo.startswith(("http://", "https://", "/")):
        return logo
    try:
        return static(logo)
    except ValueError:  # not in the manifest (a typo in the setting): no logo rather than a broken page
        return ""
