"""POST /api/v1/auth/token/: an API token for a mobile, e-mail or staff username and its password."""

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from owners.auth import api_token_for

from .throttling import TokenPerAddressThrottle, TokenPerIdentifierThrottle


class TokenObtainView(ObtainAuthToken):
    # DRF's view has no throttles at all; django-axes alone locks one account on one address.
    throttle_classes = [TokenPerAddressThrottle, TokenPerIdentifierThrottle]

    @extend_schema(summary="Get an API token", tags=["auth"])
    def post(self, request, *args, **kwargs):
        """The caller's live token; an expired one is replaced (tokens live API_TOKEN_MAX_AGE_DAYS)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"token": api_token_for(serializer.validated_data["user"]).key})
