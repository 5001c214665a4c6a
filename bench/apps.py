from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark app: data generator command and comparison views."""

    name = "bench"
    verbose_name = "Benchmark harness"
    default_auto_field = "django.db.models.BigAutoField"
