from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from bench import baselines
from csol.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/h/", baselines.bare),
    path("bench/r/<str:name>/", baselines.raw),
    *portal_urlpatterns,
]
# The empty portal page under /en/, as the pages it is compared with.
urlpatterns += i18n_patterns(path("bench/s/", baselines.shell), prefix_default_language=True)
