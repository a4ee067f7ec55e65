app_name = "servicedesk"

urlpatterns: list = []
