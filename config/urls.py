"""The URL map: the admin, the versioned API and its documentation, the embeddable card.

The oEmbed provider answers under /api/ but belongs to embed/, which is built on the API:
it is mounted here, so that api/ never imports embed/.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from api.metrics import metrics_view
from embed.oembed import OEmbedView

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False), name="home"),
    path("admin/", admin.site.urls),
    path("api/oembed/", OEmbedView.as_view(), name="oembed"),
    path("api/", include("api.urls")),
    path("embed/", include("embed.urls")),
    # Preview links (signed, expiring): drafts for reviewers without an account; never public.
    path("preview/", include("embed.preview")),
    # Prometheus metrics of the worker and the webhooks: token or internal addresses only.
    path("metrics", metrics_view, name="metrics"),
]

handler400 = "api.handlers.bad_request"
handler403 = "api.handlers.permission_denied"
handler404 = "api.handlers.page_not_found"
handler500 = "api.handlers.server_error"
