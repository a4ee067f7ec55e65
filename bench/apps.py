from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Scale data and benchmarks (no models): `manage.py seed_bench`, `bench/run.py`."""

    name = "bench"
    label = "bench"
