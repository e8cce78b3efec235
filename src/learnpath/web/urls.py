"""URLs: pages, sign-in, admin, the REST API under /api/, the health checks and /metrics."""

from django.contrib import admin
from django.urls import include, path

from learnpath.web import health, metrics
from learnpath.web.accounts import views as accounts_views
from learnpath.web.curriculum import views as curriculum_views
from learnpath.web.restapi import api

admin.site.site_header = "learnpath administration"
admin.site.site_title = "learnpath admin"

urlpatterns = [
    path("", curriculum_views.home, name="home"),
    path("accounts/", include("learnpath.web.accounts.urls")),
    path("courses/", include("learnpath.web.curriculum.urls")),
    path("learn/", include("learnpath.web.learning.urls")),
    path("", include("learnpath.web.coaching.urls")),
    path("", include("learnpath.web.agency.urls")),
    path("", include("learnpath.web.guardians.urls")),
    path("", include("learnpath.web.placement.urls")),
    path("", include("learnpath.web.credentials.urls")),
    path("", include("learnpath.web.xapi.urls")),
    path("", include("learnpath.web.lti.urls")),
    path("", include("learnpath.web.privacy.urls")),
    # The admin has no sign-in of its own: /admin/login/ sends everyone to the one throttled sign-in page.
    path("admin/login/", accounts_views.admin_sign_in),  # reverse("admin:login") still names it
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("health", health.health, name="health"),
    path("health/live", health.live, name="live"),
    path("health/ready", health.ready, name="ready"),
    path("metrics", metrics.metrics, name="metrics"),
]

# A database that cannot be reached: a 503 with Retry-After, not the 500 page (web/unavailable.py).
handler500 = "learnpath.web.unavailable.server_error"
