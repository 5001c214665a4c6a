"""Webhooks in the admin: endpoints (through the services), deliveries with their attempts,
redelivery, and the overview page of the queue and the deliveries (staff only)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from events.metrics import queue_stats, webhook_stats

from . import services
from .addresses import UnsafeUrl, url_target
from .models import Attempt, Delivery, DeliveryState, WebhookEndpoint


class EndpointForm(forms.ModelForm[WebhookEndpoint]):
    """The URL is checked like the API checks it (SSRF rules); event types must be known."""

    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["partner", "url", "description", "event_types", "enabled"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            url_target(url)
        except UnsafeUrl as error:
            raise forms.ValidationError(str(error)) from None
        return url

    def clean_event_types(self) -> list[str]:
        try:
            return services.event_types_clean(self.cleaned_data.get("event_types") or [])
        except services.EventTypesUnknown as error:
            raise forms.ValidationError(str(error)) from None


ADMIN_CSS = {"all": ["webhooks/admin.css"]}


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    form = EndpointForm
    list_display = ["id", "partner", "url", "enabled", "consecutive_failures", "disabled_reason"]
    list_filter = ["enabled", "partner"]
    search_fields = ["url", "partner__name"]
    readonly_fields = [
        "secret",
        "previous_secret_expires_at",
        "disabled_reason",
        "disabled_at",
        "consecutive_failures",
        "created_at",
    ]
    actions = ["send_ping", "rotate_secret"]

    class Media:
        css = ADMIN_CSS

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            saved = services.endpoint_update(
                obj,
                url=data["url"],
                event_types=data["event_types"],
                description=data["description"],
                enabled=data["enabled"],
            )
        else:
            saved = services.endpoint_create(
                partner=data["partner"],
                url=data["url"],
                event_types=data["event_types"],
                description=data["description"],
                enabled=data["enabled"],
            )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.endpoint_delete(obj)

    @admin.action(description="Send a test ping to the selected endpoints")
    def send_ping(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_ping(endpoint)
        self.message_user(request, f"{queryset.count()} ping(s) queued.", messages.SUCCESS)

    @admin.action(description="Rotate the secret of the selected endpoints (overlap window)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_rotate_secret(endpoint)
        self.message_user(
            request,
            f"{queryset.count()} secret(s) rotated; the previous ones sign until the window ends.",
            messages.SUCCESS,
        )


class AttemptInline(admin.TabularInline[Attempt, Delivery]):
    model = Attempt
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "at",
        "status_code",
        "succeeded",
        "latency_ms",
        "error",
        "response_excerpt",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = [
        "id",
        "message_id",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ]
    list_filter = ["state", "event_type"]
    list_select_related = ["endpoint", "endpoint__partner"]
    search_fields = ["=message_id", "endpoint__url"]
    readonly_fields = [
        "endpoint",
        "event",
        "event_type",
        "treatment_id",
        "message_id",
        "body",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "finished_at",
    ]
    exclude = ["leased_until"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    class Media:
        css = ADMIN_CSS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Redeliver the selected deliveries (same webhook-id)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = 0
        paused = 0
        for delivery in queryset.select_related("endpoint"):
            services.delivery_redeliver(delivery)
            count += 1
            paused += 0 if delivery.endpoint.enabled else 1
        note = f" ({paused} wait until their endpoint is enabled)" if paused else ""
        self.message_user(request, f"{count} delivery(ies) queued again{note}.", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        overview = path(
            "overview/",
            self.admin_site.admin_view(self.overview_view),
            name="webhooks_overview",
        )
        return [overview, *super().get_urls()]

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        """The queue and the deliveries now (what /metrics exports, for people)."""
        if not request.user.is_staff:  # admin_view lets only staff in; say it here too
            return HttpResponse(status=403)
        context = {
            **self.admin_site.each_context(request),
            "title": "Background work and webhooks",
            "queues": queue_stats(),
            "hooks": webhook_stats(),
            "states": DeliveryState.values,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/webhooks/overview.html", context)
