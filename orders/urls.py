from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("export.csv", views.order_export, name="export"),
    path("request/", views.order_request, name="request"),
    path("<str:number>/", views.order_detail_view, name="detail"),
    path("<str:number>/delivery-window/<int:pk>/accept/", views.window_accept, name="window_accept"),
    path("<str:number>/delivery-window/<int:pk>/counter/", views.window_counter, name="window_counter"),
]
