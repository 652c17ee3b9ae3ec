"""/api/v1/inbox/: the signed-in staff member's own inbox (the dashboard's bell and "my work")."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from owners.permissions import is_staff_member

from .. import selectors
from ..models import InboxItem
from ..services import inbox as svc

TAG = "inbox"


class StaffMember(permissions.IsAuthenticated):
    """Any staff member, for their own items: nobody needs a model permission to read their inbox."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and is_staff_member(request.user)


class InboxItemSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text="What is waiting, in the request's language.")
    read = serializers.SerializerMethodField(help_text="Whether it has been opened or marked read.")

    class Meta:
        model = InboxItem
        fields = ["id", "kind", "title", "params", "target_url", "created_at", "read_at", "read"]
        read_only_fields = fields

    def get_read(self, item) -> bool:
        return item.read_at is not None


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many items were unread and are now read.")


@extend_schema_view(
    list=extend_schema(summary="List my inbox items", tags=[TAG], parameters=[
        OpenApiParameter("unread", bool, description="Only the unread ones (true/false).")]),
    retrieve=extend_schema(summary="Read one of my inbox items", tags=[TAG]),
)
class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff only; each person sees and marks only their own items (anyone else's id is a 404)."""

    serializer_class = InboxItemSerializer
    permission_classes = [StaffMember]
    filter_backends = []

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        return selectors.inbox_list_for(self.request.user, unread_only=unread)

    @extend_schema(summary="Mark one of my inbox items read", tags=[TAG], request=None, responses=InboxItemSerializer)
    @action(detail=True, methods=["post"], permission_classes=[StaffMember])
    def read(self, request, pk=None):
        item = svc.inbox_item_open(pk, user=request.user)
        return Response(InboxItemSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(summary="Mark all my inbox items read", tags=[TAG], request=None, responses=ReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", permission_classes=[StaffMember])
    def read_all(self, request):
        return Response({"marked": svc.inbox_mark_all_read(request.user)})
