from django.urls import path

from collections_ar.views import account, agent, reconciliation

app_name = "collections_ar"

urlpatterns = [
    path("", account.home, name="home"),
    # Agents' pages first: a customer number never starts with "agent".
    path("agent/worklist/", agent.worklist_view, name="worklist"),
    path("agent/aging/", agent.aging_view, name="aging"),
    path("agent/aging.csv", agent.aging_csv, name="aging_csv"),
    path("agent/payments/new/", agent.payment_create, name="payment_create"),
    path("agent/payments/<str:number>/", agent.payment_view, name="payment"),
    path("agent/payments/<str:number>/auto/", agent.payment_auto_allocate, name="payment_auto"),
    path("agent/payments/<str:number>/void/", agent.payment_void, name="payment_void"),
    path(
        "agent/payments/<str:number>/allocations/<int:pk>/reverse/",
        agent.allocation_reverse_view,
        name="allocation_reverse",
    ),
    path("agent/reconciliation/", reconciliation.imports, name="imports"),
    path("agent/reconciliation/<int:pk>/", reconciliation.import_detail, name="import"),
    path("agent/reconciliation/lines/<int:pk>/", reconciliation.line_detail, name="line"),
    path(
        "agent/reconciliation/lines/<int:pk>/unmatched/", reconciliation.line_unmatched, name="line_unmatched"
    ),
    path("agent/advices/<int:pk>/reconciled/", reconciliation.advice_reconcile, name="advice_reconcile"),
    path("agent/customers/<str:number>/", agent.customer_view, name="agent_customer"),
    path("agent/customers/<str:number>/notes/", agent.note_create, name="note_create"),
    path("agent/customers/<str:number>/promises/", agent.promise_create, name="promise_create"),
    path("agent/customers/<str:number>/promises/<int:pk>/", agent.promise_status, name="promise_status"),
    path("agent/customers/<str:number>/hold/", agent.credit_hold, name="credit_hold"),
    path("agent/customers/<str:number>/settings/", agent.profile_update, name="profile_update"),
    path("agent/customers/<str:number>/write-off/", agent.write_off_create, name="write_off"),
    path("agent/customers/<str:number>/apply-credit/", agent.credit_apply, name="credit_apply"),
    # The customer's own pages.
    path("<str:number>/", account.account, name="account"),
    path("<str:number>/statement/", account.statement_view, name="statement"),
    path("<str:number>/statement.pdf", account.statement_pdf, name="statement_pdf"),
    path("<str:number>/statement.csv", account.statement_csv, name="statement_csv"),
    path("<str:number>/remittance-advice/", account.remittance_advice, name="remittance_advice"),
    path(
        "<str:number>/remittance-advice/<int:pk>/attachment/",
        account.advice_attachment,
        name="advice_attachment",
    ),
]
