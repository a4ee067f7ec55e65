from django.urls import path

from csol.servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("new/<slug:category>/", views.request_create, name="create"),
    path("queue/", views.agent_queue, name="queue"),
    path("<str:reference>/", views.request_detail, name="detail"),
    path("<str:reference>/reply/", views.request_reply, name="reply"),
    path("<str:reference>/status/", views.request_transition, name="transition"),
    path("<str:reference>/assign/", views.request_assign, name="assign"),
    path("<str:reference>/files/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
