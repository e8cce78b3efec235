"""``learnpath lti``: register learnpath with an LMS (LTI 1.3), list the registrations, show the addresses
an LMS administrator enters, and rotate learnpath's signing key."""

from __future__ import annotations

import argparse
from typing import Any

from learnpath.cli.runtime import OperatorProblem, add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lti",
        help="connect learnpath to an LMS over LTI 1.3 (Canvas, Moodle, Schoology, Open edX)",
        description="Register learnpath as an LTI 1.3 tool of an LMS, list registrations, show the "
        "addresses to enter in the LMS, or rotate learnpath's signing key. An LMS that supports LTI Dynamic "
        "Registration needs none of this: its administrator pastes learnpath's registration address "
        "(`learnpath lti urls`). docs/integrations.md has the steps for Canvas and Moodle.",
    )
    commands = parser.add_subparsers(dest="lti_command", metavar="ACTION", required=True)

    urls = commands.add_parser("urls", help="the addresses an LMS administrator enters")
    urls.add_argument(
        "--site", required=True, help="learnpath's public address, e.g. https://learn.school.org"
    )
    urls.set_defaults(func=run_urls)

    add = commands.add_parser(
        "add",
        help="register an LMS from the values its administrator gives you",
        description="Register (or update) an LMS: the values come from the LMS's developer key (Canvas) or "
        "tool registration (Moodle). Launches then sign people in to the organisation's accounts.",
    )
    add.add_argument(
        "--organisation", required=True, metavar="SLUG", help="whose people and classes it serves"
    )
    add.add_argument("--name", required=True, help="what to call the LMS here, e.g. 'District Canvas'")
    add.add_argument(
        "--issuer", required=True, help="the platform's issuer, e.g. https://canvas.instructure.com"
    )
    add.add_argument("--client-id", required=True, help="the client id the LMS gave learnpath")
    add.add_argument("--auth-login-url", required=True, help="the LMS's OIDC authorization endpoint")
    add.add_argument("--token-url", required=True, help="the LMS's OAuth 2 token endpoint")
    add.add_argument("--keyset-url", required=True, help="the LMS's public key set (JWKS) address")
    add.add_argument(
        "--audience", default="", help="the token audience, where the LMS wants one (Moodle: none)"
    )
    add.add_argument(
        "--deployment", action="append", default=[], metavar="ID", help="a deployment id (repeat for several)"
    )
    add.set_defaults(func=run_add)

    listing = commands.add_parser("list", help="the registered LMSs and their deployments")
    listing.set_defaults(func=run_list)

    rotate = commands.add_parser(
        "rotate-key", help="make a new signing key (the old one stays published a week)"
    )
    rotate.set_defaults(func=run_rotate)

    send = commands.add_parser(
        "send-grades",
        help="send the grades owed to LMS gradebooks now (the worker does it every 5 minutes)",
    )
    send.set_defaults(func=run_send)

    for sub in (urls, add, listing, rotate, send):
        add_data_dir_option(sub)


def run_urls(args: argparse.Namespace) -> int:
    site = str(args.site).rstrip("/")
    if not site.startswith(("https://", "http://")):
        raise OperatorProblem(f"--site must be a web address such as https://learn.school.org, not {site!r}")
    print(f"Login initiation (OIDC login) URL: {site}/lti/login/")
    print(f"Target link / redirect URI:      {site}/lti/launch/")
    print(f"Public keyset (JWKS) URL:         {site}/lti/jwks/")
    print(f"Dynamic registration URL:         {site}/lti/register/")
    return 0


def run_add(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.lti import api as lti_api

    try:
        result = lti_api.platform_add(
            organisation_slug=args.organisation,
            name=args.name,
            issuer=args.issuer,
            client_id=args.client_id,
            auth_login_url=args.auth_login_url,
            auth_token_url=args.token_url,
            key_set_url=args.keyset_url,
            auth_audience=args.audience,
            deployment_ids=tuple(args.deployment),
        )
    except lti_api.RegistrationRefused as error:
        raise OperatorProblem(str(error)) from error
    verb = "Registered" if result.created else "Updated"
    print(f"{verb} {result.name} (issuer {args.issuer}, client {args.client_id})")
    deployments = ", ".join(result.deployment_ids) or "none yet: launches are refused until you add one"
    print(f"  deployments: {deployments}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.lti import api as lti_api

    platforms = lti_api.platforms()
    if not platforms:
        print("No LMS is registered yet (learnpath lti add, or the LMS's dynamic registration).")
    for platform in platforms:
        state = "active" if platform.active else "switched off"
        print(f"{platform.name}: issuer {platform.issuer}, client {platform.client_id}, {state}")
        deployments = ", ".join(platform.deployment_ids) or "none"
        print(f"  via {platform.via}; organisation: {platform.organisation}; deployments: {deployments}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.lti import api as lti_api

    print(f"New signing key {lti_api.key_rotate()}; the previous key stays published for 7 days.")
    return 0


def run_send(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.lti.tasks import grades_send

    print(grades_send())
    return 0
