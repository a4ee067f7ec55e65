from django.urls import path

from csol.security import views

app_name = "security"

urlpatterns = [
    path("two-step/", views.setup, name="setup"),
    path("two-step/verify/", views.verify, name="verify"),
    path("two-step/backup-codes/", views.backup_codes, name="backup_codes"),
    path("two-step/company/", views.company_policy, name="company_policy"),
]
