"""Delivery of signed webhooks to a real local receiver: signatures, retries, order, disabling."""

import json
from typing import Any

import pytest
from django.core import mail
from standardwebhooks.webhooks import Webhook

from events.webhooks.models import Attempt, Delivery, DeliveryState, WebhookEndpoint
from events.webhooks.services import delivery_redeliver, endpoint_update
from tests.events.support import edit_and_publish, run_tasks
from treatments import services
from treatments.models import Treatment

from .receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def _publish(treatment_id: Any) -> None:
    version = Treatment.objects.get(pk=treatment_id).version
    services.treatment_publish(treatment_id=treatment_id, expected_version=version, actor=None)


def _withdraw(treatment_id: Any) -> None:
    version = Treatment.objects.get(pk=treatment_id).version
    services.treatment_unpublish(treatment_id=treatment_id, expected_version=version, actor=None)


def _types(receiver: Receiver) -> list[str]:
    return [json.loads(r.body)["type"] for r in receiver.requests]


def test_a_withdrawal_reaches_the_partner_signed_per_standard_webhooks(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    _publish(seed_draft.pk)
    _withdraw(seed_draft.pk)
    assert receiver.requests == [], "publishing never waits for delivery"

    run_tasks()

    assert _types(receiver) == ["treatment.published", "treatment.withdrawn"]
    withdrawn = receiver.requests[1]
    # Verified by the library itself, independently of the sending code.
    data = Webhook(endpoint.secret).verify(withdrawn.body, withdrawn.headers)
    assert data["data"]["treatment"] == {"id": str(seed_draft.pk), "slug": seed_draft.slug}
    assert data["data"]["revision"] == 1
    assert isinstance(data["data"]["sequence"], int)
    assert data["data"]["links"]["treatment"] == {"path": f"/api/v1/treatments/{seed_draft.slug}/"}
    assert withdrawn.path == "/hook"
    assert (
        withdrawn.headers["webhook-id"]
        == Delivery.objects.get(event__type="treatment.withdrawn").message_id
    )
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


def test_a_payload_carries_no_document_content(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOKS_PUBLIC_BASE_URL = "https://api.example.org"
    _publish(seed_draft.pk)
    edit_and_publish(seed_draft.pk, lambda content: content.update(summary="Words of revision 2."))
    run_tasks()
    bodies = [r.body.decode() for r in receiver.requests]
    assert len(bodies) == 2
    assert all("Words of revision 2." not in body and "summary" not in body for body in bodies)
    links = json.loads(bodies[1])["data"]["links"]
    assert links["revision"] == {
        "path": f"/api/v1/treatments/{seed_draft.slug}/revisions/2/",
        "href": f"https://api.example.org/api/v1/treatments/{seed_draft.slug}/revisions/2/",
    }


def test_a_failing_receiver_gets_the_same_message_again_until_it_answers(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    _publish(seed_draft.pk)
    run_tasks()

    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1, "dedup by webhook-id"
    for request in receiver.requests:
        Webhook(endpoint.secret).verify(request.body, request.headers)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 3)
    attempts = list(Attempt.objects.filter(delivery=delivery).order_by("id"))
    assert [a.status_code for a in attempts] == [500, 503, 200]
    assert [a.succeeded for a in attempts] == [False, False, True]
    assert attempts[-1].response_excerpt == "ok"
    assert WebhookEndpoint.objects.get().consecutive_failures == 0, "reset by the success"


def test_retries_wait_for_the_schedule(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = [3600, 7200]
    settings.WEBHOOKS_RETRY_JITTER = 0.2
    receiver.always = 500
    _publish(seed_draft.pk)
    run_tasks()

    assert len(receiver.requests) == 1, "the retry is due in an hour, not now"
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.next_attempt_at is not None
    wait = (delivery.next_attempt_at - Attempt.objects.get().at).total_seconds()
    assert 3600 * 0.8 - 1 <= wait <= 3600 * 1.2 + 1, "first delay of the schedule, jittered"


def test_events_of_one_treatment_arrive_in_order_even_when_the_first_is_retried(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.statuses = [500, 500]  # the first event fails twice
    _publish(seed_draft.pk)
    edit_and_publish(seed_draft.pk, lambda content: content.update(summary="Second."))
    _withdraw(seed_draft.pk)
    run_tasks()

    delivered = [json.loads(r.body) for r in receiver.requests]
    assert [d["type"] for d in delivered] == [
        "treatment.published",
        "treatment.published",
        "treatment.published",
        "treatment.updated",
        "treatment.withdrawn",
    ]
    sequences = [d["data"]["sequence"] for d in delivered[2:]]
    assert sequences == sorted(sequences)


def test_a_failing_endpoint_is_disabled_its_partner_emailed_and_resumed_when_enabled(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    receiver.always = 500
    _publish(seed_draft.pk)
    run_tasks()

    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "3 attempts in a row failed (last: HTTP 500)" in endpoint.disabled_reason
    assert len(receiver.requests) == 3, "nothing more is sent to a disabled endpoint"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@clinic.example"]
    assert endpoint.url in mail.outbox[0].body
    assert list(Delivery.objects.values_list("state", flat=True)) == ["pending"], "kept"

    # A disabled endpoint is not subscribed meanwhile: this withdrawal is not queued for it.
    _withdraw(seed_draft.pk)
    run_tasks()
    assert Delivery.objects.count() == 1

    receiver.always = 200
    endpoint_update(endpoint, enabled=True)
    run_tasks()
    assert _types(receiver)[3:] == ["treatment.published"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}
    endpoint.refresh_from_db()
    assert (endpoint.disabled_reason, endpoint.consecutive_failures) == ("", 0)


def test_a_410_gone_disables_the_endpoint_at_once_and_keeps_its_messages(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    # Standard Webhooks: 410 means "no more messages"; the sender disables the endpoint.
    receiver.statuses = [410]
    _publish(seed_draft.pk)
    run_tasks()

    endpoint.refresh_from_db()
    assert not endpoint.enabled, "one 410 is enough (WEBHOOKS_DISABLE_AFTER_FAILURES is 100)"
    assert "410 Gone" in endpoint.disabled_reason
    assert len(receiver.requests) == 1, "not retried while disabled"
    assert len(mail.outbox) == 1
    assert list(Delivery.objects.values_list("state", flat=True)) == ["pending"], "kept"

    endpoint_update(endpoint, enabled=True)
    run_tasks()
    assert _types(receiver) == ["treatment.published", "treatment.published"]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {
        Delivery.objects.get().message_id
    }
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_a_500_is_retried_and_does_not_disable_the_endpoint(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    _publish(seed_draft.pk)
    run_tasks()
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert [a.status_code for a in Attempt.objects.all()] == [500, 200]


def test_a_delivery_that_spends_its_schedule_fails_and_disables_the_endpoint(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOKS_RETRY_SCHEDULE = [0, 0]
    receiver.always = 500
    _publish(seed_draft.pk)
    run_tasks()

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 3)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "over its whole retry schedule" in endpoint.disabled_reason
    assert len(mail.outbox) == 1

    # Redelivered from the admin once the receiver works: same webhook-id.
    receiver.always = 200
    endpoint_update(endpoint, enabled=True)
    delivery_redeliver(delivery)
    run_tasks()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.message_id}


def test_only_subscribed_enabled_endpoints_get_deliveries(
    seed_draft: Any, partner: Any, receiver: Receiver, local_webhooks: Any
) -> None:
    from events.webhooks.services import endpoint_create

    withdrawals = endpoint_create(
        partner=partner, url=receiver.url("/withdrawals"), event_types=["treatment.withdrawn"]
    )
    endpoint_create(partner=partner, url=receiver.url("/off"), enabled=False)
    _publish(seed_draft.pk)
    _withdraw(seed_draft.pk)
    run_tasks()
    assert [(r.path, json.loads(r.body)["type"]) for r in receiver.requests] == [
        ("/withdrawals", "treatment.withdrawn")
    ]
    assert Delivery.objects.get().endpoint == withdrawals


def test_a_rotated_secret_and_the_previous_one_both_sign_during_the_overlap(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    import datetime as dt

    from django.utils import timezone

    from events.webhooks.services import endpoint_rotate_secret

    old_secret = endpoint.secret
    rotated = endpoint_rotate_secret(endpoint)
    assert rotated.secret != old_secret and rotated.secret.startswith("whsec_")
    _publish(seed_draft.pk)
    run_tasks()
    message = receiver.requests[0]
    assert len(message.headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(message.body, message.headers)
    Webhook(rotated.secret).verify(message.body, message.headers)

    # After the window only the new secret signs.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    _withdraw(seed_draft.pk)
    run_tasks()
    message = receiver.requests[1]
    Webhook(rotated.secret).verify(message.body, message.headers)
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(message.body, message.headers)


def test_a_ping_is_signed_and_tried_once(
    endpoint: WebhookEndpoint, receiver: Receiver, settings: Any
) -> None:
    from events.webhooks.services import endpoint_ping

    receiver.always = 500
    ping = endpoint_ping(endpoint)
    run_tasks()
    ping.refresh_from_db()
    assert (ping.state, ping.attempts) == (DeliveryState.FAILED, 1)
    body = Webhook(endpoint.secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert body["type"] == "webhook.ping"
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 0, "a ping judges nothing"


def test_a_later_event_fanned_out_first_waits_for_the_earlier_ones_fan_out(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    from events.models import OutboxEvent
    from events.tasks import handle_event
    from events.webhooks.delivery import FAN_OUT_HANDLER

    _publish(seed_draft.pk)
    edit_and_publish(seed_draft.pk, lambda content: content.update(summary="Second."))
    first, second = OutboxEvent.objects.order_by("id")
    # A worker happens to fan out the second event before the first (parallel workers).
    handle_event.call(event_id=second.pk, handler=FAN_OUT_HANDLER)
    assert Delivery.objects.get().event == second

    run_tasks()

    assert _types(receiver) == ["treatment.published", "treatment.updated"]
    assert [json.loads(r.body)["data"]["sequence"] for r in receiver.requests] == [
        first.sequence,
        second.sequence,
    ]


def test_a_release_reaches_the_partner_as_one_release_message_with_its_changes(
    seed_published: Any, endpoint: WebhookEndpoint, receiver: Receiver, roles: dict[str, Any]
) -> None:
    from editorial.releases.services import release_create, release_member_set, release_publish

    publisher = roles["publisher"]
    release = release_create(name="Winter update", actor=publisher)
    release_member_set(
        release_id=release.pk,
        treatment_id=seed_published.pk,
        action="withdraw",
        expected_version=None,
        actor=publisher,
    )
    release_publish(release_id=release.pk, actor=publisher)
    run_tasks()

    bodies = {
        json.loads(r.body)["type"]: Webhook(endpoint.secret).verify(r.body, r.headers)
        for r in receiver.requests
    }
    # (The seed's own publication was not fanned out yet when the endpoint came: sent too.)
    assert set(bodies) == {"treatment.published", "treatment.withdrawn", "release.published"}
    data = bodies["release.published"]["data"]
    assert data["release"] == {"id": str(release.pk), "name": "Winter update"}
    (change,) = data["changes"]
    assert change["type"] == "treatment.withdrawn"
    assert change["treatment"] == {"id": str(seed_published.pk), "slug": seed_published.slug}
    assert change["sequence"] == bodies["treatment.withdrawn"]["data"]["sequence"]
    assert change["links"]["treatment"]["path"] == f"/api/v1/treatments/{seed_published.slug}/"


def _attempt_claimed_by_a_lost_worker(seed_draft: Any, *, lease_holder: str | None) -> Delivery:
    """A delivery whose attempt a worker claimed, leased, then died in (its task RUNNING)."""
    import datetime as dt

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from events.queue import TaskResultStatus
    from events.webhooks.delivery import WEBHOOKS_QUEUE, delivery_attempt

    _publish(seed_draft.pk)
    run_tasks(queue_names=("default",))  # the fan-out, not the attempt
    delivery = Delivery.objects.get()
    task = DBTaskResult.objects.get(
        task_path=delivery_attempt.module_path, queue_name=WEBHOOKS_QUEUE
    )
    long_ago = timezone.now() - dt.timedelta(hours=1)
    DBTaskResult.objects.filter(pk=task.pk).update(
        status=TaskResultStatus.RUNNING, started_at=long_ago, worker_ids=["a-worker-that-died"]
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        leased_until=timezone.now() + dt.timedelta(hours=1),
        leased_by=str(task.pk) if lease_holder is None else lease_holder,
    )
    return delivery


def test_the_task_of_a_lost_worker_takes_its_own_lease_over_at_once(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    from events.worker import lost_tasks_recover

    delivery = _attempt_claimed_by_a_lost_worker(seed_draft, lease_holder=None)
    assert lost_tasks_recover() == 1
    run_tasks()
    assert _types(receiver) == ["treatment.published"], "sent without waiting out the lease"
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.leased_until is None


def test_another_task_waits_for_a_lease_it_does_not_hold(
    seed_draft: Any, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    from events.worker import lost_tasks_recover

    delivery = _attempt_claimed_by_a_lost_worker(seed_draft, lease_holder="some-other-task")
    assert lost_tasks_recover() == 1
    run_tasks()
    assert receiver.requests == [], "a lease held by another task is respected"
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.leased_by == "some-other-task"
