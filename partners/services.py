"""Every write to partners and their API keys goes through these services (admin and command).

Services validate before saving and raise django.core.exceptions.ValidationError with a message
that says how to fix the problem. A raw key is returned once, by `api_key_issue` and
`api_key_rotate`, and never stored: only its digest is.
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .keys import key_digest, key_prefix_new, key_secret_new
from .models import ApiKey, Partner
from .signals import api_keys_changed

logger = logging.getLogger(__name__)

# Rotation keeps the old key working for this long by default, and never longer than the max.
DEFAULT_ROTATION_OVERLAP = dt.timedelta(days=1)
MAX_ROTATION_OVERLAP = dt.timedelta(days=30)


def max_active_keys() -> int:
    """How many active keys of one kind (publishable or secret) a partner may hold at once."""
    return int(getattr(settings, "PARTNER_MAX_ACTIVE_KEYS_PER_KIND", 2))


def partner_create(
    *,
    name: str,
    contact_email: str,
    contact_name: str = "",
    allowed_origins: list[str] | None = None,
    requests_per_minute: int | None = None,
    burst: int | None = None,
    is_active: bool = True,
) -> Partner:
    """Create a partner after validating every field (origins, plan bounds, e-mail)."""
    partner = Partner(
        name=name,
        contact_name=contact_name,
        contact_email=contact_email,
        allowed_origins=list(allowed_origins or []),
        is_active=is_active,
    )
    if requests_per_minute is not None:
        partner.requests_per_minute = requests_per_minute
    if burst is not None:
        partner.burst = burst
    partner.full_clean()
    with transaction.atomic():
        partner.save()
    return partner


def partner_update(*, partner: Partner, **changes: Any) -> Partner:
    """Change a partner's fields after validating them; its keys see the change within seconds."""
    editable = {
        "name",
        "contact_name",
        "contact_email",
        "allowed_origins",
        "requests_per_minute",
        "burst",
        "is_active",
    }
    unknown = set(changes) - editable
    if unknown:
        raise ValidationError(
            f"Cannot change {', '.join(sorted(unknown))}; edit {sorted(editable)}."
        )
    for field, value in changes.items():
        setattr(partner, field, value)
    partner.full_clean()
    with transaction.atomic():
        partner.save()
        prefixes = list(partner.api_keys.values_list("prefix", flat=True))
        transaction.on_commit(lambda: api_keys_changed.send(sender=Partner, prefixes=prefixes))
    return partner


def _active_of_kind(partner: Partner, *, publishable: bool, now: dt.datetime) -> list[ApiKey]:
    keys = partner.api_keys.filter(publishable=publishable, revoked_at__isnull=True)
    return [key for key in keys if key.is_active(now)]


def api_key_issue_check(partner: Partner, *, publishable: bool) -> None:
    """Raise the ValidationError `api_key_issue` would raise for lack of room (forms ask first)."""
    active = _active_of_kind(partner, publishable=publishable, now=timezone.now())
    if len(active) >= max_active_keys():
        kind = "publishable" if publishable else "secret"
        names = ", ".join(k.prefix for k in active)
        raise ValidationError(
            f"{partner.name} already holds {len(active)} active {kind} keys ({names}); "
            "revoke one, or rotate one instead of issuing another."
        )


def _insert_key(
    *,
    partner: Partner,
    name: str,
    publishable: bool,
    expires_at: dt.datetime | None,
    replaces: ApiKey | None,
    now: dt.datetime,
) -> tuple[ApiKey, str]:
    for _attempt in range(5):
        prefix = key_prefix_new(publishable=publishable)
        raw = f"{prefix}.{key_secret_new()}"
        key = ApiKey(
            partner=partner,
            name=name,
            prefix=prefix,
            hashed_key=key_digest(raw),
            publishable=publishable,
            created_at=now,
            expires_at=expires_at,
            replaces=replaces,
        )
        key.full_clean(exclude=["prefix", "hashed_key", "replaces"])
        try:
            with transaction.atomic():
                key.save()
        except IntegrityError:  # a prefix collision (1 in 36**10): draw another
            continue
        return key, raw
    raise RuntimeError("Could not draw a unique key prefix in 5 attempts.")


def api_key_issue(
    partner: Partner,
    *,
    name: str,
    publishable: bool = False,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue a new key for `partner`; returns the key and its raw value, shown this once."""
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError("The expiry must be in the future.")
    with transaction.atomic():
        # Lock the partner so two concurrent issues cannot both pass the active-key limit.
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        api_key_issue_check(locked, publishable=publishable)
        key, raw = _insert_key(
            partner=locked,
            name=name,
            publishable=publishable,
            expires_at=expires_at,
            replaces=None,
            now=now,
        )
    logger.info("API key %s issued for partner %s", key.prefix, locked.pk)
    return key, raw


def api_key_revoke(key: ApiKey) -> ApiKey:
    """Revoke a key now (idempotent). Workers stop accepting it within API_KEY_CACHE_SECONDS."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            prefix = locked.prefix
            transaction.on_commit(lambda: api_keys_changed.send(sender=ApiKey, prefixes=[prefix]))
    key.revoked_at = locked.revoked_at
    logger.info("API key %s revoked", locked.prefix)
    return locked


def api_key_rotate(
    key: ApiKey, *, overlap: dt.timedelta = DEFAULT_ROTATION_OVERLAP
) -> tuple[ApiKey, str]:
    """Issue a replacement for `key` and let the old one expire after `overlap`.

    Both keys work during the overlap, so a partner can deploy the new key before the old
    one stops. The old key's expiry only moves earlier, never later.
    """
    if overlap < dt.timedelta(0) or overlap > MAX_ROTATION_OVERLAP:
        raise ValidationError(
            f"The overlap must be between 0 and {MAX_ROTATION_OVERLAP.days} days; got {overlap}."
        )
    now = timezone.now()
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().select_related("partner").get(pk=key.pk)
        Partner.objects.select_for_update().get(pk=old.partner_id)
        if not old.is_active(now):
            raise ValidationError(
                f"{old.prefix} is {old.state(now)}; issue a new key instead of rotating it."
            )
        if ApiKey.objects.filter(replaces=old).exists():
            raise ValidationError(f"{old.prefix} was already rotated; rotate its replacement.")
        active = _active_of_kind(old.partner, publishable=old.publishable, now=now)
        if len(active) >= max_active_keys():
            others = ", ".join(k.prefix for k in active if k.pk != old.pk)
            raise ValidationError(
                f"{old.partner.name} already holds {len(active)} active keys of this kind; "
                f"revoke {others} first, then rotate {old.prefix}."
            )
        new, raw = _insert_key(
            partner=old.partner,
            name=old.name,
            publishable=old.publishable,
            expires_at=None,
            replaces=old,
            now=now,
        )
        ends = now + overlap
        old.expires_at = ends if old.expires_at is None else min(old.expires_at, ends)
        if old.expires_at <= old.created_at:  # an overlap of 0 on a key created this instant
            old.expires_at = old.created_at + dt.timedelta(microseconds=1)
        old.rotated_at = now
        old.save(update_fields=["expires_at", "rotated_at"])
        prefix = old.prefix
        transaction.on_commit(lambda: api_keys_changed.send(sender=ApiKey, prefixes=[prefix]))
    key.expires_at, key.rotated_at = old.expires_at, old.rotated_at
    logger.info("API key %s rotated to %s; old key expires %s", prefix, new.prefix, old.expires_at)
    return new, raw


def api_key_touch(key: ApiKey, *, now: dt.datetime) -> None:
    """Record that a key was used (callers throttle this to once per few minutes per key)."""
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
