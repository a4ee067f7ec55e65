"""Listeners for order events that apps to the right of `orders` react to.

`orders` may not import `inventory` (inventory depends on orders), so inventory registers here from
its AppConfig.ready(): `@on_lines_delivered` functions receive the ids of order lines that have just
been delivered, inside the delivering transaction (so records are created atomically with delivery).
"""

from collections.abc import Callable

_delivery_listeners: list[Callable] = []


def on_lines_delivered(listener: Callable) -> Callable:
    """Register `listener(*, line_ids: list[int], actor)`; usable as a decorator."""
    if listener not in _delivery_listeners:
        _delivery_listeners.append(listener)
    return listener


def notify_lines_delivered(*, line_ids: list[int], actor=None) -> None:
    for listener in _delivery_listeners:
        listener(line_ids=line_ids, actor=actor)
