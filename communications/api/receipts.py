"""Delivery receipts posted by the SMS/push gateway: POST /api/v1/gateway/receipts/.

The gateway authenticates with the same key we send it ("Authorization: Bearer <NOTIFY_GATEWAY_KEY>").
"""

import hmac

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import ErrorSerializer

from ..services.deliveries import delivery_receipt_record


class GatewayKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        expected = settings.NOTIFY_GATEWAY_KEY
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not expected or not given or not hmac.compare_digest(given, expected):
            raise AuthenticationFailed("A valid gateway key is required.")
        return (None, "gateway")

    def authenticate_header(self, request):
        return "Bearer"


class ReceiptSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=128)
    message_id = serializers.CharField(required=False, allow_blank=True, max_length=128)
    status = serializers.ChoiceField(choices=["delivered", "failed"])
    error = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs):
        if not attrs.get("idempotency_key") and not attrs.get("message_id"):
            raise serializers.ValidationError("Give idempotency_key or message_id.")
        return attrs


class ReceiptView(APIView):
    authentication_classes = [GatewayKeyAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(summary="Report a delivery receipt (the gateway)", tags=["gateway"], request=ReceiptSerializer, responses={
        202: OpenApiResponse(description="Recorded (or ignored when it names no message of ours)."),
        400: ErrorSerializer, 401: ErrorSerializer, 429: ErrorSerializer,
    })
    def post(self, request):
        payload = ReceiptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        delivery_receipt_record(idempotency_key=data.get("idempotency_key", ""), provider_message_id=data.get("message_id", ""),
                                delivered=data["status"] == "delivered", error=data.get("error", ""))
        return Response(status=status.HTTP_202_ACCEPTED)


class GatewayKeyScheme(OpenApiAuthenticationExtension):
    """Documents the gateway key in the OpenAPI schema."""

    target_class = "communications.api.receipts.GatewayKeyAuthentication"
    name = "gatewayKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "The NOTIFY_GATEWAY_KEY shared with the SMS/push gateway."}
