"""`learnpath lti`: an operator registers an LMS, lists registrations, prints the addresses to give the LMS
and rotates the signing key; an ordinary mistake is one plain line."""

from __future__ import annotations

import pytest

from learnpath.cli import lti as lti_command
from learnpath.cli.main import main
from learnpath.web.accounts.models import AuditEntry, Organisation
from learnpath.web.lti.models import LtiPlatform, LtiToolKey

ADD = [
    "lti",
    "add",
    "--name",
    "District Canvas",
    "--issuer",
    "https://canvas.instructure.com",
    "--client-id",
    "10000000000042",
    "--auth-login-url",
    "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--token-url",
    "https://sso.canvaslms.com/login/oauth2/token",
    "--keyset-url",
    "https://sso.canvaslms.com/api/lti/security/jwks",
]


@pytest.fixture(autouse=True)
def _django_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lti_command, "start_django", lambda args, **options: None)


def test_an_operator_registers_an_lms_and_adds_a_deployment_later(
    organisation: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ADD, "--organisation", organisation.slug]) == 0
    out = capsys.readouterr().out
    assert "Registered District Canvas" in out
    assert "none yet: launches are refused until you add one" in out
    assert main([*ADD, "--organisation", organisation.slug, "--deployment", "42:abc"]) == 0
    assert "Updated District Canvas" in capsys.readouterr().out
    platform = LtiPlatform.objects.get()
    assert (platform.organisation_id, platform.via) == (organisation.pk, "manual")
    assert list(platform.deployments.values_list("deployment_id", flat=True)) == ["42:abc"]
    assert AuditEntry.objects.filter(action="lti.platform_register").count() == 1
    assert main(["lti", "list"]) == 0
    listing = capsys.readouterr().out
    assert "District Canvas: issuer https://canvas.instructure.com, client 10000000000042, active" in listing
    assert "organisation: North School; deployments: 42:abc" in listing


def test_an_unknown_organisation_or_a_bad_address_is_one_plain_line(
    organisation: Organisation, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ADD, "--organisation", "no-such-school"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "learnpath lti: there is no organisation 'no-such-school' (there are: north-school)"
    bad = [
        a if a != "https://sso.canvaslms.com/login/oauth2/token" else "sso.canvaslms.com/token" for a in ADD
    ]
    assert main([*bad, "--organisation", organisation.slug]) == 2
    assert "'sso.canvaslms.com/token' is not a web address" in capsys.readouterr().err
    assert not LtiPlatform.objects.exists()


def test_the_addresses_for_the_lms_and_a_key_rotation(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lti", "urls", "--site", "https://learn.school.org/"]) == 0
    out = capsys.readouterr().out
    assert "Public keyset (JWKS) URL:         https://learn.school.org/lti/jwks/" in out
    assert "https://learn.school.org/lti/register/" in out
    assert main(["lti", "urls", "--site", "learn.school.org"]) == 2
    assert "--site must be a web address" in capsys.readouterr().err
    assert main(["lti", "rotate-key"]) == 0
    assert main(["lti", "rotate-key"]) == 0
    assert "stays published for 7 days" in capsys.readouterr().out
    assert LtiToolKey.objects.filter(retired_at=None).count() == 1
    assert LtiToolKey.objects.count() == 2  # the key of the first rotation, retired by the second
