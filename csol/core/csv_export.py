"""CSV exports that open correctly in spreadsheets in both languages and cannot inject formulas."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

from csol.core.uploads import attachment_disposition

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Text of a cell, with a leading apostrophe where a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        # Plain negative numbers stay numbers; anything else starting like a formula is quoted.
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_response(*, filename: str, header: list, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream rows as UTF-8 CSV with a BOM (Excel then reads accents right)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([neutralise(h) for h in header])
        for row in rows:
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response
