from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from learnpath.web.credentials import views

app_name = "credentials"
urlpatterns: list[URLPattern | URLResolver] = [
    path("me/badges/", views.badges, name="badges"),
    path("me/badges/claim", views.claim, name="claim"),
    path("me/badges/<uuid:public_id>/badge.jwt", views.download, name="download"),
    path("me/badges/<uuid:public_id>/badge.json", views.as_json, name="json"),
    path("credentials/<uuid:public_id>/revoke", views.revoke, name="revoke"),
    path("credentials/verify/", views.verify, name="verify"),
    path("credentials/issuers/<slug:slug>", views.issuer, name="issuer"),
    path("credentials/jwks.json", views.jwks, name="jwks"),
    path("credentials/keys/<str:kid>", views.key, name="key"),
    path("credentials/status/<uuid:public_id>", views.status, name="status"),
]
