from django.urls import path

from csol.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("contact/", views.contact, name="contact"),
    path("customer/switch/", views.switch_customer, name="switch_customer"),
]
