"""``learnpath identity-provider``: an organisation's sign-in with its school identity provider (OpenID
Connect; docs/decisions/0092-oidc-sign-in.md, docs/integrations.md)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from learnpath.cli.runtime import OperatorProblem, add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "identity-provider",
        help="let an organisation's people sign in with their school account (OpenID Connect)",
        description="Configure an organisation's OpenID Connect provider (Google Workspace, Microsoft Entra "
        "ID, …), list the providers, link a person's school account to their learnpath account, fetch a "
        "provider's discovery document again, or turn a provider off and on. Register "
        "https://<this site>/accounts/oidc/callback/ as the redirect URI at the provider.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="configure a provider for an organisation")
    add.add_argument("--organisation", required=True, help="the organisation's slug")
    add.add_argument("--issuer", required=True, help="the provider's issuer URL, exactly as it writes it")
    add.add_argument("--client-id", required=True, help="the client (application) id the provider gave")
    add.add_argument(
        "--client-secret-env",
        required=True,
        metavar="VAR",
        help="the name of the environment variable holding the client secret (never typed on the "
        "command line, never shown again)",
    )
    add.add_argument("--name", required=True, help='the button\'s words: "Sign in with NAME"')
    add.add_argument(
        "--email-domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="an e-mail domain of the organisation (repeat for several); with Google, always give it",
    )
    add.add_argument(
        "--link-by-email",
        action="store_true",
        help="link a first sign-in to the learner or teacher with the same verified e-mail (never admins)",
    )
    add.add_argument(
        "--make-learners",
        action="store_true",
        help="give a person the provider knows but learnpath does not a new learner account",
    )
    add.set_defaults(func=_add)

    listing = actions.add_parser("list", help="list the providers")
    listing.set_defaults(func=_list)

    link = actions.add_parser("link", help="link a person's school account to their learnpath account")
    link.add_argument("provider", type=int, help="the provider's number (see list)")
    link.add_argument("--user", required=True, help="the learnpath username")
    link.add_argument("--subject", required=True, help="the person's 'sub' at the provider")
    link.set_defaults(func=_link)

    refresh = actions.add_parser("refresh", help="fetch a provider's discovery document again")
    refresh.add_argument("provider", type=int)
    refresh.set_defaults(func=_refresh)

    for name, enabled in (("disable", False), ("enable", True)):
        switch = actions.add_parser(name, help=f"turn a provider's sign-in {'on' if enabled else 'off'}")
        switch.add_argument("provider", type=int)
        switch.set_defaults(func=_switch, enabled=enabled)

    for sub in actions.choices.values():
        add_data_dir_option(sub)


def _provider(number: int) -> Any:
    from learnpath.web.accounts.models import IdentityProvider

    provider = IdentityProvider.objects.select_related("organisation").filter(pk=number).first()
    if provider is None:
        raise OperatorProblem(f"there is no identity provider {number}; `learnpath identity-provider list`")
    return provider


def _add(args: argparse.Namespace) -> int:
    start_django(args)
    from django.utils import timezone

    from learnpath.web.accounts import identity_providers
    from learnpath.web.accounts.models import Organisation

    secret = os.environ.get(args.client_secret_env, "")
    if not secret:
        raise OperatorProblem(f"the environment variable {args.client_secret_env} holds no client secret")
    organisation = Organisation.objects.filter(slug=args.organisation).first()
    if organisation is None:
        raise OperatorProblem(f"there is no organisation {args.organisation!r}")
    try:
        discovery = identity_providers.discovery_fetch(issuer=args.issuer)
        provider = identity_providers.identity_provider_add(
            organisation=organisation,
            name=args.name,
            issuer=args.issuer,
            client_id=args.client_id,
            client_secret=secret,
            discovery=discovery,
            now=timezone.now(),
            email_domains=" ".join(args.email_domain),
            link_by_email=args.link_by_email,
            make_learners=args.make_learners,
        )
    except identity_providers.ProviderProblem as problem:
        raise OperatorProblem(str(problem)) from problem
    print(f"identity provider {provider.pk}: {provider.name} for {organisation.slug} ({provider.issuer})")
    print("Register this redirect URI at the provider: https://<this site>/accounts/oidc/callback/")
    return 0


def _list(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.accounts.models import IdentityProvider

    for provider in IdentityProvider.objects.select_related("organisation").order_by("id"):
        print(
            f"{provider.pk}\t{provider.organisation.slug}\t{provider.name}\t{provider.issuer}\t"
            f"client {provider.client_id}\t{'on' if provider.enabled else 'off'}\t"
            f"links {provider.links.count()}\t"
            f"by e-mail {'yes' if provider.link_by_email else 'no'}\t"
            f"new learners {'yes' if provider.make_learners else 'no'}"
        )
    return 0


def _link(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.accounts import identity_providers
    from learnpath.web.accounts.models import User

    provider = _provider(args.provider)
    user = User.objects.filter(username=args.user).first()
    if user is None:
        raise OperatorProblem(f"there is no user {args.user!r}")
    try:
        identity_providers.identity_link_create(provider=provider, user=user, subject=args.subject)
    except identity_providers.ProviderProblem as problem:
        raise OperatorProblem(str(problem)) from problem
    print(f"{user.username} now signs in with {provider.name}")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    start_django(args)
    from django.utils import timezone

    from learnpath.web.accounts import identity_providers

    provider = _provider(args.provider)
    try:
        discovery = identity_providers.discovery_fetch(issuer=provider.issuer)
    except identity_providers.ProviderProblem as problem:
        raise OperatorProblem(str(problem)) from problem
    identity_providers.identity_provider_refresh(provider=provider, discovery=discovery, now=timezone.now())
    print(f"identity provider {provider.pk}: discovery document fetched again")
    return 0


def _switch(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.accounts import identity_providers

    provider = _provider(args.provider)
    identity_providers.identity_provider_set_enabled(provider=provider, enabled=args.enabled)
    print(f"identity provider {provider.pk}: sign-in {'on' if args.enabled else 'off'}")
    return 0
