"""Extension points of billing pages for apps to the right of `billing` (receivables).

`billing` may not import `collections_ar`; receivables registers from its AppConfig.ready():
- `invoice_detail_panel(func)`: `func(*, invoice, viewer) -> (template_name, context) | None`, drawn
  on the invoice detail page (payments and credit notes applied, open balance).
"""

from collections.abc import Callable

_invoice_detail_panels: list[Callable] = []


def invoice_detail_panel(func: Callable) -> Callable:
    if func not in _invoice_detail_panels:
        _invoice_detail_panels.append(func)
    return func


def invoice_detail_panels(*, invoice, viewer) -> list[tuple[str, dict]]:
    panels = []
    for func in _invoice_detail_panels:
        panel = func(invoice=invoice, viewer=viewer)
        if panel is not None:
            panels.append(panel)
    return panels
