"""Registry of demo-data seeders: each app adds its own from `<app>/demo.py`.

The core knows no domain app: `seed_demo` autodiscovers `<app>/demo.py` modules and runs their seeders in
`order`. Every seeder must be idempotent: running `seed_demo` twice changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

DEMO_PASSWORD = "csol-demo-2026"  # noqa: S105 - documented demo password, demo data only


@dataclass(frozen=True)
class Seeder:
    order: int
    name: str
    run: Callable


_seeders: dict[str, Seeder] = {}


def register_seeder(order: int):
    def decorate(func):
        _seeders[f"{func.__module__}.{func.__name__}"] = Seeder(order, f"{func.__module__}.{func.__name__}", func)
        return func

    return decorate


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.name))
