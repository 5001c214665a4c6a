"""Models of webhook endpoints, deliveries and attempts."""
