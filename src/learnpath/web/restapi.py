"""The REST API (django-ninja) at /api/: session auth, explicit schemas, JSON errors a person can act on.

OpenAPI at /api/openapi.json, docs at /api/docs (Swagger UI bundled with django-ninja, served locally).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from learnpath import __version__
from learnpath.web.accounts import api as accounts_api
from learnpath.web.coaching.endpoints import router as coaching_router
from learnpath.web.curriculum.endpoints import router as curriculum_router
from learnpath.web.learning.endpoints import router as learning_router
from learnpath.web.learning.errors import LearningError
from learnpath.web.placement.endpoints import router as placement_router
from learnpath.web.placement.errors import PlacementError

SIGN_IN_HINT = (
    "You are not signed in. Sign in at /accounts/sign-in/ and send the session cookie with each request "
    "(and the X-CSRFToken header on requests that change data)."
)

CSRF_HINT = (
    "The CSRF check failed: a request that changes data needs the csrftoken cookie and the same token in "
    "the X-CSRFToken header. A page of learnpath, or GET /accounts/sign-in/, sets the cookie."
)


class CsrfRefused(Exception):
    """A request that changes data came without a matching CSRF token (answered 403)."""


class SessionCookieAuth(SessionAuth):
    """django-ninja's session authentication, whose CSRF refusal says what to send (its own says only
    "CSRF check Failed")."""

    def _get_key(self, request: HttpRequest) -> str | None:
        try:
            return super()._get_key(request)
        except HttpError as error:
            if error.status_code == 403:
                raise CsrfRefused from error
            raise


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer lp_...``: an API token made at /accounts/tokens/ acts as its person, within
    its scopes (``accounts.api_tokens``). A request that sends one is decided by it alone: a token that
    does not work is refused (401), never passed on to the session cookie. No CSRF check: a browser never
    adds this header by itself."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> object:
        user = accounts_api.api_token_request(token, path=request.path, method=request.method or "GET")
        request.user = user
        return user


api = NinjaAPI(
    title="learnpath API",
    version=__version__,
    description="Courses and skills, and practice: the learner's map, next activity, answers, hints and "
    "choices (/api/learning/). Authenticate with the session cookie of a signed-in user, or, for another "
    "system, with an API token (Authorization: Bearer lp_...) made at /accounts/tokens/.",
    auth=[ApiTokenAuth(), SessionCookieAuth()],
    urls_namespace="api",
)


class ApiRootOut(Schema):
    courses: str
    openapi: str
    docs: str


@api.exception_handler(AuthenticationError)
def _not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": SIGN_IN_HINT}, status=401)


@api.exception_handler(accounts_api.TokenRefused)
def _token_refused(request: HttpRequest, exc: accounts_api.TokenRefused) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@api.exception_handler(accounts_api.ScopeRefused)
def _scope_refused(request: HttpRequest, exc: accounts_api.ScopeRefused) -> HttpResponse:
    response = api.create_response(request, {"detail": str(exc), "scope": exc.scope}, status=403)
    response["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{exc.scope}"'
    return response


@api.exception_handler(CsrfRefused)
def _csrf_refused(request: HttpRequest, exc: CsrfRefused) -> HttpResponse:
    return api.create_response(request, {"detail": CSRF_HINT}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    detail = str(exc) or "Nothing here. GET /api/ lists what the API offers."
    return api.create_response(request, {"detail": detail}, status=404)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors
    )
    detail = f"The request does not match the schema ({problems}). /api/docs shows what each endpoint takes."
    return api.create_response(request, {"detail": detail, "errors": exc.errors}, status=422)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    detail = "The request body is too large (over 1 MiB). Answers, hints and choices are small: send less."
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(LearningError)
def _learning_refused(request: HttpRequest, exc: LearningError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.detail}, status=exc.status)


@api.exception_handler(PlacementError)
def _placement_refused(request: HttpRequest, exc: PlacementError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.detail}, status=exc.status)


@api.get("/", auth=None, response={200: ApiRootOut}, summary="Links to what the API offers", url_name="root")
def api_root(request: HttpRequest) -> dict[str, str]:
    """The entry point: links to the collections, the OpenAPI document and its docs."""
    return {"courses": "/api/courses", "openapi": "/api/openapi.json", "docs": "/api/docs"}


api.add_router("/courses", curriculum_router)
api.add_router("/learning", learning_router)
api.add_router("/coaching", coaching_router)
api.add_router("/placement", placement_router)
