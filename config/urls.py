from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from owners.urls import accounts_urls, dashboard_urls, portal_urls

from . import views

admin.site.site_header = _("Lighthouse administration")
admin.site.site_title = _("Lighthouse")
admin.site.index_title = _("Configuration")

dashboard_patterns = (
    [path("", views.dashboard_home, name="home"), path("area/<slug:slug>/", views.area, name="area")]
    + dashboard_urls[0],
    "dashboard",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=f"/{settings.STATIC_URL.strip('/')}/favicon.svg", permanent=True)),
    path("accounts/", include(accounts_urls)),
    path("portal/", include(portal_urls)),
    path("dashboard/", include(dashboard_patterns)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("config.api.urls")),
]


if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
