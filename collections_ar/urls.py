app_name = "collections_ar"

urlpatterns: list = []
