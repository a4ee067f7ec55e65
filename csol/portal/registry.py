"""The portal's areas: each domain app registers its navigation entry and dashboard card.

The shell knows no domain app: apps call `register_area()` from their `AppConfig.ready()`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DashboardLine:
    label: str
    value: object
    url: str = ""


@dataclass(frozen=True)
class DashboardCard:
    title: str
    lines: list[DashboardLine] = field(default_factory=list)
    action_label: str = ""
    action_url: str = ""


@dataclass(frozen=True)
class Area:
    key: str
    label: object  # a lazy translation
    url_name: str
    order: int = 100
    # Who sees the entry: a callable taking the Viewer (all signed-in users by default).
    visible: Callable | None = None
    # Returns a DashboardCard for the viewer, or None.
    dashboard_card: Callable | None = None


_areas: dict[str, Area] = {}


def register_area(area: Area) -> None:
    _areas[area.key] = area


def areas() -> list[Area]:
    return sorted(_areas.values(), key=lambda a: (a.order, a.key))
