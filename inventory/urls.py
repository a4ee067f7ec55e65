from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.record_list_view, name="list"),
    path("export.csv", views.record_export_view, name="export"),
    path("lookup/", views.lookup_view, name="lookup"),
    path("staff/lookup/", views.staff_lookup_view, name="staff_lookup"),
    path("<int:pk>/", views.record_detail_view, name="detail"),
    path("<int:pk>/report-change/", views.change_request_view, name="report_change"),
]
