from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

import communications.urls
import complaints.arrears_urls
import complaints.urls
import incidents.urls
import owners.urls
from communications.views import inbox

from . import views
from .reports import urls as report_urls

admin.site.site_header = _("Lighthouse administration")
admin.site.site_title = _("Lighthouse")
admin.site.index_title = _("Configuration")

# Each app contributes its pages to the two namespaces people work in.
portal_patterns = (
    [path("", views.portal_home, name="home")]
    + complaints.urls.portal_patterns + complaints.arrears_urls.portal_patterns + communications.urls.portal_patterns + incidents.urls.portal_patterns,
    "portal",
)
dashboard_patterns = (
    [path("", views.dashboard_home, name="home"), path("area/<slug:slug>/", views.area, name="area"),
     # The staff inbox behind the bell ("my work"); it lives in communications, the floor every app can write to.
     path("inbox/", inbox.inbox_list, name="inbox"), path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
     path("inbox/<int:pk>/", inbox.inbox_open, name="inbox_open")]
    + owners.urls.dashboard_patterns + complaints.urls.dashboard_patterns + complaints.arrears_urls.dashboard_patterns
    + communications.urls.dashboard_patterns
    + incidents.urls.dashboard_patterns
    + report_urls.dashboard_patterns,
    "dashboard",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=f"/{settings.STATIC_URL.strip('/')}/favicon.svg", permanent=True)),
    path("accounts/", include(owners.urls.accounts_urls)),
    path("portal/", include(portal_patterns)),
    path("dashboard/", include(dashboard_patterns)),
    path("admin/", admin.site.urls),
    path("", include(complaints.urls.photo_patterns)),
    path("", include(communications.urls.public_patterns)),
    path("", include(report_urls.public_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("config.api.urls")),
]


# Under /api/ these answer the API's JSON error shape; elsewhere Django's pages.
handler400 = "core.api.errors.bad_request"
handler403 = "core.api.errors.permission_denied"
handler404 = "core.api.errors.page_not_found"
handler500 = "core.api.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
