"""POST /api/v1/auth/token/: an API token for a mobile, e-mail or staff username and its password."""

from rest_framework.authtoken.views import ObtainAuthToken

from .throttling import TokenPerAddressThrottle, TokenPerIdentifierThrottle


class TokenObtainView(ObtainAuthToken):
    # DRF's view has no throttles at all; django-axes alone locks one account on one address.
    throttle_classes = [TokenPerAddressThrottle, TokenPerIdentifierThrottle]
