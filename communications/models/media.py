"""Statements to the public, media mentions and inquiries, and the stakeholder directory."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Statement(models.Model):
    """A public statement (声明/新闻稿). Each later update is a new version on the same thread."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    thread = models.UUIDField(_("thread"), default=uuid.uuid4, db_index=True,
                              help_text=_("All versions of one statement share this; it is the public address."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    estate = models.ForeignKey("owners.Estate", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("estate"), help_text=_("Empty for a company-wide statement."))
    # What it is about (an incident, once that area exists); generic so this engine stays reusable.
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "version"], name="statement_version_unique"),
            models.UniqueConstraint(fields=["thread"], condition=Q(status="published"), name="statement_one_published_per_thread"),
        ]
        # What an incident's page reads: the statements about it (a scan of every statement before).
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="statement_subject_idx")]
        # Approving is not changing: a spokesperson drafts and edits, a manager approves (see communications.permissions).
        permissions = [("approve_statement", "Can approve statements")]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class MediaMention(models.Model):
    """A report about us somewhere: a post, an article, a hotline ticket."""

    class Source(models.TextChoices):
        WEIBO = "weibo", _("Weibo")
        WECHAT = "wechat", _("WeChat")
        DOUYIN = "douyin", _("Douyin")
        NEWS = "news", _("News site")
        HOTLINE = "hotline_12345", _("12345 hotline")
        OWNER_GROUP = "owner_group", _("Owner group chat")
        OTHER = "other", _("Other")

    class Sentiment(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        NEUTRAL = "neutral", _("Neutral")
        POSITIVE = "positive", _("Positive")

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    url = models.URLField(_("link"), max_length=500, blank=True)
    excerpt = models.TextField(_("excerpt"))
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    reach = models.PositiveIntegerField(_("estimated reach"), default=0)
    estate = models.ForeignKey("owners.Estate", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    mentioned_at = models.DateTimeField(_("published at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("media mention")
        verbose_name_plural = _("media mentions")
        ordering = ["-mentioned_at"]
        indexes = [models.Index(fields=["estate", "-mentioned_at"], name="mention_estate_idx")]

    def __str__(self):
        return f"{self.get_source_display()}: {self.excerpt[:40]}"


class MediaInquiry(models.Model):
    """A journalist's question with a deadline, answered by the spokesperson with an approved line."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")

    journalist = models.CharField(_("journalist"), max_length=100)
    outlet = models.CharField(_("outlet"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    question = models.TextField(_("question"))
    deadline = models.DateTimeField(_("deadline"))
    estate = models.ForeignKey("owners.Estate", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("spokesperson"))
    answer = models.TextField(_("approved answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("media inquiry")
        verbose_name_plural = _("media inquiries")
        ordering = ["deadline"]
        indexes = [models.Index(fields=["status", "deadline"], name="inquiry_open_idx")]
        # Speaking for the company (answering or declining) is a separate right from recording an inquiry.
        permissions = [("answer_mediainquiry", "Can answer media inquiries")]

    def __str__(self):
        return f"{self.outlet} – {self.journalist}"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline < timezone.now()


class Stakeholder(models.Model):
    """Someone outside the company whose help or attention matters in a crisis."""

    class Kind(models.TextChoices):
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee member")
        RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
        STREET_OFFICE = "street_office", _("Street office")
        GOVERNMENT = "government", _("Government bureau")
        MEDIA = "media", _("Media contact")
        MEDIATOR = "mediator", _("Owner who helps mediate")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    estate = models.ForeignKey("owners.Estate", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ContactLog(models.Model):
    """One conversation with a stakeholder: who, when, how, what was agreed."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("E-mail")

    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="contacts")
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    summary = models.TextField(_("what was said"))
    agreed = models.TextField(_("what was agreed"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contact log")
        ordering = ["-at"]
