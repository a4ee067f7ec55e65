from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list_view, name="list"),
    path("export.csv", views.invoice_export, name="export"),
    path("options/", views.billing_options_view, name="options"),
    path("disputes/", views.dispute_list_view, name="disputes"),
    path("<str:number>/", views.invoice_detail, name="detail"),
    path("<str:number>/pdf/", views.invoice_pdf, name="pdf"),
    path("<str:number>/dispute/", views.dispute_create, name="dispute_create"),
    path("<str:number>/disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path(
        "<str:number>/disputes/<int:pk>/files/<int:attachment_id>/",
        views.dispute_attachment,
        name="dispute_attachment",
    ),
]
