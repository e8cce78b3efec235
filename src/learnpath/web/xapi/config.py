"""The xAPI delivery's configuration, read from settings (``LEARNPATH_XAPI_*``, web/settings.py)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext

from learnpath.web.xapi.statements import Site


class NotConfigured(Exception):
    """Delivery is on (an endpoint is set) but something it needs is missing; the message says what."""


@dataclass(frozen=True)
class XapiConfig:
    """Where statements go and how they are made."""

    endpoint: str
    username: str
    password: str
    site: Site
    without_consent: str
    pseudonym_key: bytes
    batch: int
    timeout_seconds: int

    @property
    def statements_url(self) -> str:
        """The LRS's statements resource: ``<endpoint>/statements``."""
        return f"{self.endpoint.rstrip('/')}/statements"


def delivery_on() -> bool:
    """Whether statements are sent at all (``LEARNPATH_XAPI_ENDPOINT`` is set)."""
    return bool(settings.LEARNPATH_XAPI_ENDPOINT)


def xapi_config() -> XapiConfig | None:
    """The configuration, or None when delivery is off; ``NotConfigured`` when it is on but incomplete."""
    endpoint = settings.LEARNPATH_XAPI_ENDPOINT
    if not endpoint:
        return None
    if not endpoint.startswith(("https://", "http://")):
        raise NotConfigured(
            gettext(
                "LEARNPATH_XAPI_ENDPOINT must be the LRS's xAPI address (https://…), not {value!r}."
            ).format(value=endpoint)
        )
    base = settings.LEARNPATH_XAPI_BASE_IRI
    home = settings.LEARNPATH_XAPI_HOME_PAGE
    if not base or not home:
        raise NotConfigured(
            gettext(
                "Set LEARNPATH_SITE_URL (or LEARNPATH_XAPI_BASE_IRI and LEARNPATH_XAPI_HOME_PAGE): "
                "statements name activities and learners' accounts under the school's own address."
            )
        )
    secret = settings.LEARNPATH_XAPI_PSEUDONYM_SECRET or settings.SECRET_KEY
    # A key of its own, derived from the secret, so the pseudonyms reveal nothing about SECRET_KEY.
    key = hmac.new(secret.encode(), b"learnpath xapi pseudonyms", hashlib.sha256).digest()
    return XapiConfig(
        endpoint=endpoint,
        username=settings.LEARNPATH_XAPI_USERNAME,
        password=settings.LEARNPATH_XAPI_PASSWORD,
        site=Site(
            base_iri=base.rstrip("/"),
            home_page=home,
            language=settings.LANGUAGE_CODE,
            send_responses=settings.LEARNPATH_XAPI_SEND_RESPONSES,
        ),
        without_consent=settings.LEARNPATH_XAPI_WITHOUT_CONSENT,
        pseudonym_key=key,
        batch=settings.LEARNPATH_XAPI_BATCH,
        timeout_seconds=settings.LEARNPATH_XAPI_TIMEOUT_SECONDS,
    )
