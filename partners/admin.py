"""Admin for partners and their API keys; every change goes through partners.services."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from . import services
from .models import ApiKey, Partner
from .origins import origin_normalize


class OriginsField(forms.CharField):
    """Allowed origins typed one per line, stored as a list in their normal form."""

    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "https://clinic.example"})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
        normal, problems = [], []
        for line in lines:
            try:
                normal.append(origin_normalize(line))
            except ValidationError as exc:
                problems.extend(exc.messages)
        if problems:
            raise ValidationError(problems)
        return list(dict.fromkeys(normal))


class PartnerForm(forms.ModelForm):
    allowed_origins = OriginsField(
        required=False,
        help_text="One exact origin per line, e.g. https://clinic.example (https only; "
        "http only for localhost).",
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "contact_name",
            "contact_email",
            "allowed_origins",
            "requests_per_minute",
            "burst",
            "is_active",
        ]


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("prefix", "name", "publishable", "created_at", "expires_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ["name", "contact_email", "requests_per_minute", "burst", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_email", "contact_name"]
    inlines = [ApiKeyInline]

    def save_model(self, request: HttpRequest, obj: Partner, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in PartnerForm.Meta.fields}
        if change:
            services.partner_update(partner=obj, **fields)
        else:
            obj.pk = services.partner_create(**fields).pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # keys point at partners; suspend a partner (untick active) instead


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["partner", "name", "publishable", "expires_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        partner = cleaned.get("partner")
        if partner is not None:
            services.api_key_issue_check(partner, publishable=bool(cleaned.get("publishable")))
        expires_at = cleaned.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            self.add_error("expires_at", "The expiry must be in the future.")
        return cleaned

    def _post_clean(self) -> None:
        # The key's prefix and digest are drawn by the service on save, not validated here.
        pass


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "partner",
        "publishable",
        "state_display",
        "created_at",
        "expires_at",
        "last_used_at",
    ]
    list_filter = ["publishable", "partner"]
    search_fields = ["prefix", "name", "partner__name"]
    list_select_related = ["partner"]
    actions = ["revoke_keys", "rotate_keys"]
    readonly_fields = [
        "partner",
        "name",
        "prefix",
        "publishable",
        "created_at",
        "expires_at",
        "revoked_at",
        "replaces",
        "rotated_at",
        "last_used_at",
    ]

    @admin.display(description="state")
    def state_display(self, obj: ApiKey) -> str:
        return obj.state()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ApiKeyAddForm.Meta.fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return  # keys are immutable here: revoke or rotate them with the actions
        data = form.cleaned_data
        key, raw = services.api_key_issue(
            data["partner"],
            name=data["name"],
            publishable=data["publishable"],
            expires_at=data["expires_at"],
        )
        obj.pk = key.pk
        obj.prefix = key.prefix
        self._show_raw_key(request, key, raw)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a key's record stays for the audit trail; revoke it instead

    def _show_raw_key(self, request: HttpRequest, key: ApiKey, raw: str) -> None:
        self.message_user(
            request,
            f"The new key {key.prefix} for {key.partner} is: {raw} — copy it now and send it to "
            "the partner safely; it is stored only as a digest and cannot be shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected keys now", permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.api_key_revoke(key)
        self.message_user(
            request,
            f"Revoked {queryset.count()} key(s); every server refuses them within seconds.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Rotate the selected keys (old keys keep working for one day)",
        permissions=["change"],
    )
    def rotate_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset.select_related("partner"):
            try:
                new, raw = services.api_key_rotate(key, overlap=dt.timedelta(days=1))
            except ValidationError as exc:
                self.message_user(
                    request, f"{key.prefix}: {' '.join(exc.messages)}", messages.ERROR
                )
                continue
            self._show_raw_key(request, new, raw)
