from django.urls import path

from csol.audit import views

app_name = "audit"

urlpatterns = [
    path("view-as/<int:user_id>/", views.impersonation_start_view, name="impersonation_start"),
    path("view-as/stop/", views.impersonation_stop_view, name="impersonation_stop"),
]
