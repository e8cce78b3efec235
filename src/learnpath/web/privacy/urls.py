from django.urls import path

from learnpath.web.privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/privacy/", views.mine, name="mine"),
    path("privacy/people/<int:person_id>/", views.data_page, name="data"),
    path("privacy/people/<int:person_id>/data.json", views.data_json, name="data-json"),
    path("privacy/people/<int:person_id>/consent/", views.consent, name="consent"),
    path("privacy/people/<int:person_id>/delete/", views.delete, name="delete"),
    path("privacy/deletions/<int:request_id>/", views.deletion, name="deletion"),
]
