from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("renewals/", views.renewals, name="renewals"),
    path("entitlements/", views.entitlement_list, name="entitlements"),
    path("renewal-requests/<int:pk>/", views.renewal_request_detail, name="renewal_request"),
    path("<str:number>/", views.contract_detail, name="detail"),
    path("<str:number>/renew/", views.renewal_request_create, name="renew"),
    path("<str:number>/do-not-renew/", views.non_renewal_notice, name="do_not_renew"),
    path("<str:number>/documents/<int:document_id>/", views.document_download, name="document"),
]
