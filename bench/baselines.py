"""The two baselines every figure is compared with, measured in the same run.

H: a signed-in view returning a bare response (the cost of the middleware stack and the session).
S: a signed-in portal page with nothing in it (the shell: header, navigation, footer), for what
   every page costs before its own work; not a target, the floor a page's ratio sits on.
R: a signed-in view rendering the same rows as the page under test from ONE raw SQL query with a
   minimal template (the cost of the data itself). A page at 2 × R spends as much on its own work
   (ORM, template, tenancy) as the data costs.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.template import engines

_MINIMAL = engines["django"].from_string(
    "<!DOCTYPE html><html lang=en><title>R</title><table>{% for row in rows %}<tr>"
    "{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table></html>"
)

# name → SQL taking %(customer_id)s / %(offset)s / %(key)s; filled in by bench scenarios.
RAW_QUERIES: dict[str, str] = {}


@login_required
def bare(request):
    return HttpResponse("ok")


_EMPTY_PAGE = engines["django"].from_string('{% extends "base.html" %}')


@login_required
def shell(request):
    return HttpResponse(_EMPTY_PAGE.render({}, request))


@login_required
def raw(request, name):
    params = {
        "customer_id": int(request.GET.get("customer_id", 0)),
        "offset": int(request.GET.get("offset", 0)),
        "key": request.GET.get("key", ""),
    }
    with connection.cursor() as cursor:
        cursor.execute(RAW_QUERIES[name], params)
        rows = cursor.fetchall()
    return HttpResponse(_MINIMAL.render({"rows": rows}))
