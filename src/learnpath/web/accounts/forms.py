"""Forms for joining a class with its code (a new learner's sign-up, a signed-in learner's join) and for
asking for a password reset link by e-mail."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from learnpath.web.accounts.models import Role, User
from learnpath.web.accounts.passwords import READABLE_ALPHABET

CHOICE_OWN = "own"
CHOICE_MADE = "made"


def username_taken(username: str) -> bool:
    """True when an account has this user name, in any case (``Lena`` and ``lena`` would confuse)."""
    return User.objects.filter(username__iexact=username).exists()


def username_suggest(display_name: str) -> str:
    """A free user name made from a display name: ``Amira K.`` → ``amira-k``, then ``amira-k2`` …"""
    base = slugify(display_name)[:30].strip("-") or "learner"
    for n in range(1, 100):
        candidate = base if n == 1 else f"{base}{n}"
        if not username_taken(candidate):
            return candidate
    while True:  # a very common name: a short readable suffix
        candidate = f"{base}-{''.join(secrets.choice(READABLE_ALPHABET) for _ in range(4))}"
        if not username_taken(candidate):
            return candidate


class JoinForm(forms.Form):
    """A signed-in learner types the code of another class."""

    code = forms.CharField(label=_("Class code"), max_length=32, strip=True)


class SignUpForm(forms.Form):
    """A new learner: the class code, a name, a user name (suggested when left empty) and a password of
    their own (Django's validators) or, for young children, a generated readable one. No e-mail."""

    code = forms.CharField(label=_("Class code"), max_length=32, strip=True)
    display_name = forms.CharField(label=_("Your name"), max_length=150, strip=True)
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        strip=True,
        validators=[User.username_validator],
        help_text=_("Leave it empty and we make one from your name."),
    )
    password_choice = forms.ChoiceField(
        choices=[(CHOICE_OWN, _("I choose my password")), (CHOICE_MADE, _("Make a password for me"))],
        initial=CHOICE_OWN,
        widget=forms.RadioSelect,
    )
    password1 = forms.CharField(label=_("Password"), required=False, strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label=_("Password again"), required=False, strip=False, widget=forms.PasswordInput
    )

    error_messages = {
        "name": _("Type your name, as your teacher should see it."),
        "username_taken": _("That username is taken. How about {suggestion}? It is filled in for you."),
        "password_missing": _("Choose a password and type it twice, or choose “Make a password for me”."),
        "password_mismatch": _("The two passwords are not the same. Type them again."),
    }

    def clean_display_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("display_name", "")).split())
        if not name:
            raise forms.ValidationError(self.error_messages["name"])
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("display_name")
        username = data.get("username") or ""
        if name and not username and "username" not in self.errors:
            data["username"] = username_suggest(name)
            data["username_made"] = True
        elif username and username_taken(username):
            suggestion = username_suggest(name or username)
            self.add_error(
                "username", str(self.error_messages["username_taken"]).format(suggestion=suggestion)
            )
            # Fill the suggestion in, so sending the form again takes it.
            self.data = self.data.copy()
            self.data["username"] = suggestion
        if data.get("password_choice") == CHOICE_OWN:
            first, second = data.get("password1") or "", data.get("password2") or ""
            if not first or not second:
                self.add_error("password1", self.error_messages["password_missing"])
            elif first != second:
                self.add_error("password2", self.error_messages["password_mismatch"])
            elif data.get("username"):
                candidate = User(username=data["username"], display_name=name or "", role=Role.LEARNER)
                try:
                    password_validation.validate_password(first, user=candidate)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return data


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Django's reset request (a one-use link by e-mail to active accounts with a password and this
    address), for adults only: learners, who may be children and keep no e-mail address here, get a new
    password from their teacher. The page after it is the same whether or not a link was sent."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email: str) -> Iterator[Any]:
        return (user for user in super().get_users(email) if user.role != Role.LEARNER)

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        """The e-mail in the language its reader chose (else the one of the page that asked for it)."""
        user = (args[2] if len(args) > 2 else kwargs["context"])["user"]
        with translation.override(user.language or translation.get_language()):
            super().send_mail(*args, **kwargs)
