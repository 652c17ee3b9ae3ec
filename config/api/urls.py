from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from communications.api.inbox import InboxViewSet
from communications.api.media import InquiryViewSet, MentionViewSet, StakeholderViewSet, StatementViewSet
from communications.api.receipts import ReceiptView
from communications.api.views import AnnouncementViewSet
from complaints.api.arrears import ArrearsCaseViewSet, ReliefRequestViewSet
from complaints.api.views import ComplaintViewSet
from incidents.api.views import DrillViewSet, EmergencyPlanViewSet, IncidentViewSet
from incidents.api.warnings import WarningRuleViewSet, WarningSignalViewSet
from owners.api.ledger import FeeLedgerViewSet
from owners.api.views import BuildingViewSet, EstateViewSet, ResidentViewSet, UnitViewSet

from .tokens import TokenObtainView

router = DefaultRouter()
# No `….json` twins of every route: clients ask for JSON with the Accept header (or get it by
# default), and a second spelling of each URL is one more door to keep working and scoped.
router.include_format_suffixes = False
router.register("estates", EstateViewSet, basename="estate")
router.register("buildings", BuildingViewSet, basename="building")
router.register("units", UnitViewSet, basename="unit")
router.register("residents", ResidentViewSet, basename="resident")
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("announcements", AnnouncementViewSet, basename="announcement")
router.register("statements", StatementViewSet, basename="statement")
router.register("media-mentions", MentionViewSet, basename="media-mention")
router.register("media-inquiries", InquiryViewSet, basename="media-inquiry")
router.register("stakeholders", StakeholderViewSet, basename="stakeholder")
router.register("inbox", InboxViewSet, basename="inbox")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("emergency-plans", EmergencyPlanViewSet, basename="emergency-plan")
router.register("drills", DrillViewSet, basename="drill")
router.register("warning-signals", WarningSignalViewSet, basename="warning-signal")
router.register("warning-rules", WarningRuleViewSet, basename="warning-rule")
router.register("arrears-cases", ArrearsCaseViewSet, basename="arrears-case")
router.register("fee-ledger", FeeLedgerViewSet, basename="fee-ledger")
router.register("relief-requests", ReliefRequestViewSet, basename="relief-request")

# Swagger UI draws with inline styles; its scripts still come only from our origin (sidecar).
docs_view = csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema"))

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/v1/auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("api/v1/gateway/receipts/", ReceiptView.as_view(), name="gateway-receipts"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", docs_view, name="api-docs"),
]
