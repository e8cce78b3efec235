"""The LTI app's tables: the platforms (LMSs) learnpath trusts, the tool's own keys, who launched, which
LMS links point at which course or skill, and the grade passback owed to each LMS
(docs/decisions/0088-lti-advantage.md).

Least data: a launch gives a person's platform id (``sub``), roles and usually a name and an e-mail
address. learnpath keeps the id (to know them next time) and a display name for their teachers; it never
stores the e-mail address, picture or other claims of a launch.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LtiPlatform(models.Model):
    """One registration of learnpath with an LMS: its issuer and the client id it gave learnpath, the
    endpoints learnpath calls, and the organisation whose people and classes its launches make."""

    class Via(models.TextChoices):
        MANUAL = "manual", "set up by an operator"
        DYNAMIC = "dynamic", "LTI Dynamic Registration"

    name = models.CharField(max_length=200, help_text="What the LMS is called here, e.g. 'District Canvas'.")
    issuer = models.CharField(max_length=255, help_text="The platform's issuer (iss), a URL.")
    client_id = models.CharField(max_length=255, help_text="The client id the platform gave learnpath.")
    auth_login_url = models.URLField(max_length=500, help_text="The platform's OIDC authorization endpoint.")
    auth_token_url = models.URLField(max_length=500, help_text="The platform's OAuth 2 token endpoint.")
    auth_audience = models.CharField(
        max_length=500, blank=True, help_text="The audience of token requests, where it is not the token URL."
    )
    key_set_url = models.URLField(max_length=500, help_text="The platform's public keys (JWKS).")
    organisation_id = models.BigIntegerField(help_text="The learnpath organisation its launches belong to.")
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.MANUAL)
    product = models.CharField(max_length=200, blank=True, help_text="The LMS product, when it says.")
    is_active = models.BooleanField(default=True, help_text="Off: every launch from it is refused.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_platform_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer}, client {self.client_id})"


class LtiDeployment(models.Model):
    """A deployment of learnpath on a platform (one install in an LMS account or course); launches name it."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "deployment_id"], name="lti_deployment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.platform_id}: deployment {self.deployment_id}"


class LtiToolKey(models.Model):
    """learnpath's own RSA key pair: it signs deep-linking responses and token requests with the private key;
    platforms verify with the public one from /lti/jwks/. A retired key stays published for a while so that
    tokens signed just before a rotation still verify."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField()
    public_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"key {self.kid}"


class LtiIdentity(models.Model):
    """A person as a platform knows them (``sub``), and the learnpath account their launches sign in to."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255, help_text="The platform's stable id of the person (sub).")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_launch_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "subject"], name="lti_identity_unique")]

    def __str__(self) -> str:
        return f"{self.platform_id}: {self.subject} -> user {self.user_id}"


class LtiContext(models.Model):
    """An LMS course section (the launch's context), and the learnpath class its people practise in."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="contexts")
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    class_id = models.BigIntegerField(help_text="The learnpath class made for it.")
    memberships_url = models.URLField(max_length=500, blank=True, help_text="Names and Role Provisioning.")
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    roster_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "context_id"], name="lti_context_unique")]

    def __str__(self) -> str:
        return f"{self.platform_id}: {self.context_id} -> class {self.class_id}"


class LtiResourceLink(models.Model):
    """A link in the LMS (an assignment or module item) to a learnpath course, or to one skill of it, with
    the gradebook column (line item) its mastery is passed back to."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="links")
    resource_link_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    course_id = models.CharField(max_length=80)
    skill_id = models.CharField(max_length=80, blank=True, help_text="Blank: the whole course.")
    skill_columns = models.BooleanField(
        default=False,
        help_text="Also one gradebook column per skill, when the platform lets learnpath make them.",
    )
    lineitems_url = models.URLField(max_length=500, blank=True)
    lineitem_url = models.URLField(max_length=500, blank=True)
    scopes = models.JSONField(default=list, help_text="The Assignment and Grade Services scopes granted.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["context", "resource_link_id"], name="lti_resource_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource_link_id} -> {self.course_id} {self.skill_id}".strip()


class LtiGradeSync(models.Model):
    """The mastery learnpath owes one LMS link for one learner: pending until the platform accepted it."""

    link = models.ForeignKey(LtiResourceLink, on_delete=models.CASCADE, related_name="grades")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(
        max_length=255, help_text="The learner's id on the platform (userId of a score)."
    )
    pending = models.BooleanField(default=True)
    changes = models.PositiveIntegerField(
        default=0, help_text="Counts the times it became owed: a send settles only the change it saw."
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent = models.JSONField(null=True, blank=True, help_text="The last score the platform accepted.")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "learner"], name="lti_grade_sync_unique")]
        indexes = [models.Index(fields=["pending"], name="lti_grade_pending")]

    def __str__(self) -> str:
        return f"link {self.link_id}, learner {self.learner_id}"


class LtiNonce(models.Model):
    """A launch's nonce, kept until it expires so that the same id_token is accepted once only."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "nonce"], name="lti_nonce_once")]

    def __str__(self) -> str:
        return f"{self.platform_id}: nonce {self.nonce}"
