"""The partner webhooks API, authenticated by the partner's secret key (`X-Api-Key`).

A partner sees and changes only its own endpoints: another partner's id is a 404, as is an
unknown one. Publishable keys are refused (403): they live in browsers. Every write is a
service of events.webhooks.services, so the admin and the API behave the same.
"""

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import StrictCursorPagination
from api.parsers import StrictJSONParser
from api.partner_keys import ApiKeyAuthentication
from api.querystrict import StrictQueryParametersMixin
from events.webhooks import services
from events.webhooks.addresses import UnsafeUrl
from events.webhooks.models import Delivery, WebhookEndpoint
from partners.models import ApiKey, Partner

from .schemas import ID, webhook_operation
from .serializers import (
    DeliverySerializer,
    EndpointCreatedSerializer,
    EndpointCreateSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    SecretRotatedSerializer,
)

PRIVATE = "private, no-store"


class PartnerSecretKey(BasePermission):
    """A partner's secret key (not a publishable one) must authenticate the request."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # DRF answers 401 with WWW-Authenticate
        if key.publishable:
            raise PermissionDenied(
                "Webhooks are managed with a secret key (tks_...), from your server; "
                "publishable keys (tkp_...) cannot do this."
            )
        return True


class WebhooksView(StrictQueryParametersMixin, APIView):
    """The base of the webhooks views: key authentication, one transaction per write."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [PartnerSecretKey]
    parser_classes = [StrictJSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.check_query_parameters(request)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """A write and its answer commit together; an error answer writes nothing."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if render is not None and not getattr(response, "is_rendered", True):
                render()
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = PRIVATE
        response["Vary"] = "Accept, Authorization, X-Api-Key"
        return response

    @property
    def partner(self) -> Partner:
        return self.request.auth.partner  # type: ignore[union-attr]

    def get_endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        found = WebhookEndpoint.objects.filter(partner=self.partner, pk=endpoint_id).first()
        if found is None:
            raise NotFound(f"You have no webhook endpoint {endpoint_id}.")
        return found


def _refused_url(error: UnsafeUrl) -> ValidationError:
    return ValidationError({"url": [str(error)]})


class EndpointCollectionView(WebhooksView):
    """Your webhook endpoints; register a new one."""

    @webhook_operation(
        operation_id="webhooks_endpoints_list",
        description="Your webhook endpoints, oldest first (never their secrets).",
        ok=EndpointSerializer(many=True),
        errors=(401, 403, 429),
        example="endpoints",
    )
    def get(self, request: Request) -> Response:
        endpoints = WebhookEndpoint.objects.filter(partner=self.partner).order_by("id")
        return Response(EndpointSerializer(endpoints, many=True).data)

    @webhook_operation(
        operation_id="webhooks_endpoints_create",
        description="Register an https URL to receive signed events. The answer carries the "
        "signing `secret`, once: store it. The URL must resolve to public addresses only.",
        ok=EndpointCreatedSerializer,
        ok_status=201,
        request=EndpointCreateSerializer,
        errors=(400, 401, 403, 415, 429),
        example="created",
        location=True,
    )
    def post(self, request: Request) -> Response:
        given = EndpointCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint = services.endpoint_create(partner=self.partner, **given.validated_data)
        except UnsafeUrl as error:
            raise _refused_url(error) from None
        response = Response(EndpointCreatedSerializer(endpoint).data, status=201)
        response["Location"] = f"{request.path}{endpoint.pk}/"
        return response


class EndpointItemView(WebhooksView):
    """One of your webhook endpoints."""

    @webhook_operation(
        operation_id="webhooks_endpoints_retrieve",
        description="One endpoint: whether it is enabled, and why not (`disabled_reason`).",
        ok=EndpointSerializer,
        parameters=[ID],
        example="endpoint",
    )
    def get(self, request: Request, endpoint_id: int) -> Response:
        return Response(EndpointSerializer(self.get_endpoint(endpoint_id)).data)

    @webhook_operation(
        operation_id="webhooks_endpoints_update",
        description="Change the URL, the event types, the description, or `enabled`. Enabling "
        "a disabled endpoint sends the events that waited for it, in order.",
        ok=EndpointSerializer,
        request=EndpointUpdateSerializer,
        parameters=[ID],
        errors=(400, 401, 403, 404, 415, 429),
        example="endpoint",
    )
    def patch(self, request: Request, endpoint_id: int) -> Response:
        endpoint = self.get_endpoint(endpoint_id)
        given = EndpointUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint = services.endpoint_update(endpoint, **given.validated_data)
        except UnsafeUrl as error:
            raise _refused_url(error) from None
        return Response(EndpointSerializer(endpoint).data)

    @webhook_operation(
        operation_id="webhooks_endpoints_destroy",
        description="Remove the endpoint, its deliveries and their log.",
        ok=None,
        ok_status=204,
        parameters=[ID],
    )
    def delete(self, request: Request, endpoint_id: int) -> Response:
        services.endpoint_delete(self.get_endpoint(endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PingView(WebhooksView):
    """A signed test message to one of your endpoints."""

    @webhook_operation(
        operation_id="webhooks_endpoints_ping",
        description="Queue a signed `webhook.ping` message to the endpoint (tried once, also "
        "while it is disabled); see its outcome in the deliveries.",
        ok=DeliverySerializer,
        ok_status=202,
        request=None,
        parameters=[ID],
        example="ping",
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        delivery = services.endpoint_ping(self.get_endpoint(endpoint_id))
        return Response(DeliverySerializer(delivery).data, status=202)


class RotateSecretView(WebhooksView):
    """A new signing secret for one of your endpoints."""

    @webhook_operation(
        operation_id="webhooks_endpoints_rotate_secret",
        description="Issue a new secret. Until `previous_secret_expires_at` every message is "
        "signed with both secrets, so you can deploy the new one without missing a message.",
        ok=SecretRotatedSerializer,
        request=None,
        parameters=[ID],
        example="rotated",
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        endpoint = services.endpoint_rotate_secret(self.get_endpoint(endpoint_id))
        return Response(
            SecretRotatedSerializer(
                {
                    "secret": endpoint.secret,
                    "previous_secret_expires_at": endpoint.previous_secret_expires_at,
                }
            ).data
        )


class DeliveryPagination(StrictCursorPagination):
    """Deliveries, newest first."""

    orderings = {"-created": ("-created_at", "-id")}
    default_ordering = "-created"
    ordering = ("-created_at", "-id")
    date_fields = frozenset({"created_at"})


class DeliveryListView(WebhooksView):
    """What was sent to one of your endpoints, with every attempt."""

    pagination_class = DeliveryPagination

    def query_parameter_names(self) -> set[str]:
        return DeliveryPagination().query_parameters()

    @webhook_operation(
        operation_id="webhooks_endpoints_deliveries",
        description="The deliveries to this endpoint, newest first: state, attempts (status, "
        "latency, the start of your answer) and the `webhook-id` of each.",
        ok=DeliverySerializer(many=True),
        parameters=[ID],
        errors=(400, 401, 403, 404, 429),
        example="deliveries",
    )
    def get(self, request: Request, endpoint_id: int) -> Response:
        endpoint = self.get_endpoint(endpoint_id)
        deliveries = (
            Delivery.objects.filter(endpoint=endpoint)
            .select_related("event")
            .prefetch_related("attempt_log")
        )
        paginator = DeliveryPagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)
