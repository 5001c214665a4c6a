"""Email from the worker, never inside a request: `email_enqueue` in the transaction, sent later.

Django's email framework sends it with EMAIL_BACKEND: the console backend by default (the
message is printed by the worker), SMTP when EMAIL_HOST is set (config/settings/base.py).

    from events.mail import email_enqueue

    with transaction.atomic():
        review = ...  # the change the email is about
        email_enqueue(to=[reviewer.email], subject="Review requested", body=text)

A change that rolls back sends nothing. A send that fails (SMTP down) is tried again with
backoff, up to EMAIL_MAX_ATTEMPTS times.
"""

from collections.abc import Sequence

from django.core.mail import EmailMultiAlternatives

from .queue import TaskResult, retry_later, task

EMAIL_QUEUE = "email"
EMAIL_MAX_ATTEMPTS = 5


@task(queue_name=EMAIL_QUEUE)
def send_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    from_email: str = "",
    reply_to: list[str] | None = None,
    attempt: int = 1,
) -> int:
    """Send one email (plain text, optionally with an HTML alternative); the number sent."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email or None,
        to=to,
        reply_to=reply_to or None,
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    try:
        return message.send()
    except Exception:
        if attempt < EMAIL_MAX_ATTEMPTS:
            retry_later(
                send_email,
                attempt=attempt,
                to=to,
                subject=subject,
                body=body,
                html_body=html_body,
                from_email=from_email,
                reply_to=reply_to,
            )
        raise


def email_enqueue(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html_body: str = "",
    from_email: str = "",
    reply_to: Sequence[str] = (),
) -> TaskResult[int]:
    """Queue an email for the worker to send; call it inside the transaction it belongs to."""
    recipients = [address for address in to if address]
    if not recipients:
        raise ValueError("An email needs at least one recipient address.")
    return send_email.enqueue(
        to=recipients,
        subject=subject,
        body=body,
        html_body=html_body,
        from_email=from_email,
        reply_to=list(reply_to) or None,
    )
