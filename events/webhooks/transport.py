"""Sending one signed webhook request: to the checked address, briefly, reading little.

The connection goes to `Target.address` (checked by events.webhooks.addresses), while `Host`,
TLS SNI and the certificate check use the URL's host name, so the request is the one the
partner registered and DNS rebinding cannot move it. No redirects are followed, proxies from
the environment are ignored, timeouts are short, and at most WEBHOOKS_MAX_RESPONSE_BYTES of the
answer are read (its start is kept as the attempt's excerpt).
"""

import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from .addresses import Target
from .models import RESPONSE_EXCERPT_CHARS

USER_AGENT = "treatment-knowledge-webhooks/1"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: a status code (or an error), how long it took, the answer's start."""

    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def webhook_post(target: Target, *, headers: dict[str, str], body: bytes) -> Outcome:
    """POST `body` to `target` with `headers`; never raises for network trouble."""
    connect = float(settings.WEBHOOKS_CONNECT_TIMEOUT)
    read = float(settings.WEBHOOKS_READ_TIMEOUT)
    limit = int(settings.WEBHOOKS_MAX_RESPONSE_BYTES)
    timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
    request_headers = {
        **headers,
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    started = time.monotonic()
    status: int | None = None
    received = bytearray()
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                target.connect_url,
                headers=request_headers,
                content=body,
                extensions={"sni_hostname": target.host},
            ) as response,
        ):
            status = response.status_code
            deadline = started + connect + read
            for chunk in response.iter_bytes():
                received += chunk
                if len(received) >= limit or time.monotonic() > deadline:
                    break
    except httpx.TimeoutException as error:
        return _failed(started, status, received, f"timed out ({type(error).__name__})")
    except httpx.HTTPError as error:
        return _failed(started, status, received, f"{type(error).__name__}: {error}")
    except OSError as error:
        return _failed(started, status, received, f"{type(error).__name__}: {error}")
    return Outcome(status_code=status, latency_ms=_ms_since(started), excerpt=_excerpt(received))


def _failed(started: float, status: int | None, received: bytearray, error: str) -> Outcome:
    # A receiver that answered 2xx and then stalled still answered: the status decides.
    return Outcome(
        status_code=status,
        latency_ms=_ms_since(started),
        excerpt=_excerpt(received),
        error=error[:500],
    )


def _ms_since(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _excerpt(received: bytearray) -> str:
    return bytes(received[: RESPONSE_EXCERPT_CHARS * 4]).decode("utf-8", "replace")[
        :RESPONSE_EXCERPT_CHARS
    ]
