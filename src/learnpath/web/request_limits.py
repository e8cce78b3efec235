"""The one cap on a request's body, before Django reads any of it.

``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps form fields and JSON but not uploaded files, which Django streams to
disk; so without this, a request of any size was read in full. Checked from ``Content-Length`` (a browser
always sends it for a form). ``learnpath serve`` gives waitress the same cap (``max_request_body_size``),
so a body over it is refused while it arrives, before it is buffered, chunked or not. The largest
legitimate body is a portfolio file (``agency.uploads.MAX_FILE_BYTES``) with its form, so the default
leaves room for that and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def max_request_bytes() -> int:
    return int(settings.LEARNPATH_MAX_REQUEST_BYTES)


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    megabytes = limit / (1024 * 1024)
    message = (
        f"This request is larger than {megabytes:g} MB, the most learnpath accepts at once. "
        "Send a smaller file (files can be at most 5 MB)."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=413)
    else:
        response = render(request, "413.html", {"message": message}, status=413)
    return response


class RequestSizeLimitMiddleware:
    """Refuse (413, nothing read, nothing changed) a request whose declared body is over the cap."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = max_request_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("The request's Content-Length is not a number.", status=400)
        if length > limit:
            return _too_large(request, limit)
        return self.get_response(request)
