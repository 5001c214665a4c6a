"""Web origins as browsers send them in the `Origin` header: `scheme://host[:port]`, exactly."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

# Plain http is accepted only for a partner's local development pages.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalize(value: str) -> str:
    """The origin exactly as a browser serialises it, or ValidationError saying what to fix."""
    text = value.strip()
    hint = "Write an origin as scheme://host[:port], e.g. https://clinic.example"
    if not text or "*" in text:
        raise ValidationError(f"'{value}' is not an exact origin (no wildcards). {hint}.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"'{value}' is not a valid origin: {exc}. {hint}.") from exc
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in DEFAULT_PORTS or not host:
        raise ValidationError(f"'{value}' must start with https:// and name a host. {hint}.")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError(f"'{value}' has more than an origin in it. {hint}.")
    if parts.path not in ("", "/"):
        raise ValidationError(f"'{value}' has a path; an origin has none. {hint}.")
    if ":" in host:  # an IPv6 literal keeps its brackets in an origin
        host = f"[{host}]"
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise ValidationError(
            f"'{value}' uses http; only https origins are accepted (http only for localhost)."
        )
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return f"{scheme}://{netloc}"


def origins_validate(values: object) -> None:
    """Check a list of origins: each one exact and already in its normal form, no repeats."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError("Allowed origins must be a list of strings.")
    problems = []
    for value in values:
        try:
            normal = origin_normalize(value)
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        if normal != value:
            problems.append(f"Write '{value}' as '{normal}' (the form browsers send).")
    if len(set(values)) != len(values):
        problems.append("An origin is listed twice; list each once.")
    if problems:
        raise ValidationError(problems)
