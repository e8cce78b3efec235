"""The learner's badges page (claim, download, revoke), the public verify page, and the public JSON a
verifier needs: the issuer's profile, its keys (JWKS and one key) and a credential's status."""

from __future__ import annotations

import json
from typing import Any

import jwt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnpath.web.accounts import api as accounts_api
from learnpath.web.credentials import access, keys, selectors, services
from learnpath.web.credentials.documents import OB_CONTEXT, STATUS_TYPE, VC_CONTEXT
from learnpath.web.credentials.models import Credential
from learnpath.web.credentials.verify import verify_text

MAX_UPLOAD_BYTES = 200_000


def site_base(request: HttpRequest) -> str:
    """The site's address for the URLs inside a credential: ``LEARNPATH_SITE_URL`` when set (so every app
    process and every host name gives the same issuer), else the address of this request."""
    configured = str(getattr(settings, "LEARNPATH_SITE_URL", "") or "")
    return configured.rstrip("/") if configured else request.build_absolute_uri("/").rstrip("/")


@login_required
@require_GET
def badges(request: HttpRequest) -> HttpResponse:
    learner_id = access.access_own_badges(request.user)
    has_email = bool(accounts_api.mail_address(user_id=learner_id))
    return render(
        request,
        "credentials/badges.html",
        {
            "claimables": selectors.claimables(learner_id=learner_id),
            "credentials": selectors.credentials_of(learner_id=learner_id),
            "has_email": has_email,
            "verify_url": reverse("credentials:verify"),
        },
    )


@login_required
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    access.access_own_badges(request.user)
    try:
        row = services.credential_claim(
            learner=request.user,
            course_id=request.POST.get("course", ""),
            skill_id=request.POST.get("skill", ""),
            include_name=request.POST.get("include_name") == "1",
            include_email=request.POST.get("include_email") == "1",
            base_url=site_base(request),
            now=timezone.now(),
        )
    except services.CredentialError:
        messages.error(
            request, gettext("You can claim a badge only for a skill or course you have mastered.")
        )
    else:
        messages.success(
            request, gettext("Your badge “%(name)s” is ready to download.") % {"name": row.achievement_name}
        )
    return redirect("credentials:badges")


@login_required
@require_GET
def download(request: HttpRequest, public_id: Any) -> HttpResponse:
    row = access.access_own_credential(request.user, public_id)
    if not row.jwt:
        raise Http404("This badge is no longer kept.")
    response = HttpResponse(row.jwt, content_type="application/jwt")
    response["Content-Disposition"] = f'attachment; filename="badge-{row.public_id}.jwt"'
    return response


@login_required
@require_GET
def as_json(request: HttpRequest, public_id: Any) -> HttpResponse:
    row = access.access_own_credential(request.user, public_id)
    if not row.jwt:
        raise Http404("This badge is no longer kept.")
    claims = jwt.decode(row.jwt, options={"verify_signature": False})
    return JsonResponse(claims.get("vc", {}), json_dumps_params={"indent": 2, "ensure_ascii": False})


@login_required
@require_POST
def revoke(request: HttpRequest, public_id: Any) -> HttpResponse:
    row = access.access_revocable(request.user, public_id)
    by_admin = row.learner_id != request.user.pk
    reason = "revoked by an administrator" if by_admin else "revoked by the learner"
    if services.credential_revoke(credential=row, actor=request.user, reason=reason, now=timezone.now()):
        messages.success(
            request, gettext("The badge is revoked: verifiers now see that it is no longer valid.")
        )
    if by_admin:
        return redirect("credentials:verify")
    return redirect("credentials:badges")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    verdict = None
    pasted = ""
    if request.method == "POST":
        pasted = request.POST.get("credential", "")
        upload = request.FILES.get("file")
        if upload is not None and upload.size is not None and upload.size <= MAX_UPLOAD_BYTES:
            pasted = upload.read().decode("utf-8", errors="replace")
        verdict = verify_text(pasted, now=timezone.now())
    pretty = (
        json.dumps(verdict.credential, indent=2, ensure_ascii=False) if verdict and verdict.credential else ""
    )
    return render(
        request,
        "credentials/verify.html",
        {
            "verdict": verdict,
            "pasted": pasted,
            "pretty": pretty,
            "may_revoke": verdict is not None
            and verdict.credential_public_id
            and access.may_revoke_any(request.user),
        },
    )


@require_GET
def issuer(request: HttpRequest, slug: str) -> HttpResponse:
    if slug == services.SITE_ISSUER:
        name = "learnpath"
    else:
        info = accounts_api.organisation_info(slug=slug)
        if info is None:
            raise Http404("There is no such issuer.")
        name = info.name
    base = site_base(request)
    profile = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": base + reverse("credentials:issuer", args=[slug]),
        "type": ["Profile"],
        "name": name,
        "url": base + "/",
        "jwks_uri": base + reverse("credentials:jwks"),
    }
    return JsonResponse(profile, json_dumps_params={"indent": 2, "ensure_ascii": False})


def _published(request: HttpRequest, jwk: dict[str, Any]) -> dict[str, Any]:
    """A public JWK as published: its ``kid`` is the URL of the key, as in the badges' JWT header, so that
    any JOSE library finds the key of a badge in the JWKS by the header's ``kid``."""
    return {**jwk, "kid": site_base(request) + reverse("credentials:key", args=[jwk["kid"]])}


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    published = [_published(request, jwk) for jwk in keys.jwks()["keys"]]
    return JsonResponse({"keys": published}, json_dumps_params={"indent": 2})


@require_GET
def key(request: HttpRequest, kid: str) -> HttpResponse:
    found = next((k for k in keys.jwks()["keys"] if k.get("kid") == kid), None)
    if found is None:
        raise Http404("There is no such key.")
    return JsonResponse(_published(request, found), json_dumps_params={"indent": 2})


@require_GET
def status(request: HttpRequest, public_id: Any) -> HttpResponse:
    row = Credential.objects.filter(public_id=public_id).first()
    if row is None:
        raise Http404("There is no such credential.")
    body: dict[str, Any] = {
        "id": site_base(request) + reverse("credentials:status", args=[str(row.public_id)]),
        "type": STATUS_TYPE,
        "credential": f"urn:uuid:{row.public_id}",
        "status": "revoked" if row.revoked_at else "active",
    }
    if row.revoked_at:
        body["revokedAt"] = row.revoked_at.isoformat()
        body["revocationReason"] = row.revoked_reason
    return JsonResponse(body, json_dumps_params={"indent": 2})
