from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "xapi"
urlpatterns: list[URLPattern | URLResolver] = []
