"""The partner webhooks API: endpoints, test pings, secret rotation and the delivery log."""
