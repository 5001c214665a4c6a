vcl 4.1;
# The edge cache in front of the API: Varnish 7 with the xkey vmod (Debian: varnish,
# varnish-modules). `make edge` runs it; docs/operators/edge.md explains it.
#
# - The origin decides what is shared: an answer is kept only when it carries
#   `Surrogate-Control: max-age=N` (api/edge.py adds it, with its surrogate keys in `xkey`, to
#   anonymous public answers); it is kept N seconds. Everything else is fetched every time.
# - Keyed requests (X-Api-Key, Authorization, a session cookie) and anything but GET/HEAD go
#   to the origin untouched and are never stored: a keyed answer is never shared.
# - `PURGE` with an `xkey-purge: key1 key2` header, from the purgers ACL only, drops every
#   object tagged with any of the keys (the worker sends it on every public change, see
#   events/edge.py).
# - Clients never see Surrogate-Control or xkey; X-Cache says HIT, MISS or PASS.

import std;
import xkey;

backend origin {
    .host = "127.0.0.1";
    .port = "8000";  # the origin's port: `make edge` and the tests write their own here
    .connect_timeout = 2s;
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 30s;
}

# Who may purge: the worker's machine. Add the worker hosts' addresses in production.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "An xkey-purge header naming the keys to purge is required"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " objects"));
    }
    # Only this cache says an origin fetch comes from the edge (api/edge.py reads it).
    unset req.http.Surrogate-Capability;
    unset req.http.x-edge-pass;

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin(/|$)") {
        return (pass);
    }
    # Keyed and signed-in requests: their answers may differ per key, and raise its limits.
    if (req.http.X-Api-Key || req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Other cookies (csrftoken) never change a public answer.
    unset req.http.Cookie;
    # Varnish's own hash (URL and host), no vcl_hash here: answers negotiated on the language
    # send `Vary: Accept-Language`, and Varnish keeps one object per value of that header, so an
    # answer cached for one language is never served for another (tests/events/
    # test_edge_varnish.py). Accept-Language is left as sent: normalising it here would have to
    # repeat the API's RFC 4647 lookup.
    return (hash);
}

sub vcl_pass {
    set req.http.x-edge-pass = "1";
}

sub vcl_backend_fetch {
    unset bereq.http.x-edge-pass;
    if (!bereq.uncacheable) {
        # A fetch to be stored: the origin builds it from its newest state (api/edge.py).
        set bereq.http.Surrogate-Capability = {"edge="xkey/1""};
    }
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);  # a pass: delivered as the origin sent it, never stored
    }
    if (beresp.http.Surrogate-Control ~ "(^|[,\s])max-age=[0-9]+" && !beresp.http.Set-Cookie) {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^(.*[,\s])?max-age=([0-9]+).*$", "\2") + "s",
            0s);
        # While fetching a fresh copy of an expired object, the old one is served this long
        # (events/edge.py EDGE_GRACE_SECONDS: purges are retried until TTL + grace passed).
        set beresp.grace = 30s;
        unset beresp.http.Surrogate-Control;
        # Per request, not per object: the rate limit of whoever caused the fetch, its id.
        unset beresp.http.RateLimit;
        unset beresp.http.RateLimit-Policy;
        unset beresp.http.X-Request-ID;
        return (deliver);
    }
    # Not marked as shared by the origin: never stored; later requests go to the origin
    # without waiting for each other (hit-for-miss) until the origin marks an answer again.
    set beresp.uncacheable = true;
    set beresp.ttl = 60s;
    return (deliver);
}

sub vcl_deliver {
    if (req.http.x-edge-pass) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    if (resp.http.xkey) {
        # A stored public answer: clients may keep it for the origin's Cache-Control max-age
        # from now, as if they had asked the origin (purges keep this cache fresh).
        unset resp.http.Age;
        unset resp.http.xkey;
    }
    unset resp.http.Surrogate-Control;
    if (!resp.http.X-Request-ID) {
        if (req.http.X-Request-ID) {
            set resp.http.X-Request-ID = req.http.X-Request-ID;
        } else {
            set resp.http.X-Request-ID = "edge-" + req.xid;
        }
    }
}

sub vcl_backend_error {
    # The origin cannot be reached (and no copy in grace): a problem+json 503 like the API's own.
    set beresp.http.Content-Type = "application/problem+json";
    set beresp.http.Cache-Control = "no-store";
    set beresp.http.Retry-After = "5";
    set beresp.ttl = 0s;
    synthetic({"{"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "The API cannot be reached from the edge cache; try again in a few seconds." }"});
    return (deliver);
}
