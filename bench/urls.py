from django.urls import path

from bench import baselines
from csol.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/h/", baselines.bare),
    path("bench/r/<str:name>/", baselines.raw),
    *portal_urlpatterns,
]
