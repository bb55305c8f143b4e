"""Imports of client files: the job the wizard sets up and the worker runs, one result per row, saved mappings.

Written only by clientela.exchange.services (and the worker's task); read by its selectors.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.core.models import TimeStampedModel


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    VCARD = "vcf", _("vCard")


class ImportMode(models.TextChoices):
    UPSERT = "upsert", _("Update the clients that match, create the others")
    CREATE = "create", _("Only create new clients (skip rows that match)")
    UPDATE = "update", _("Only update clients that match (skip the others)")


class EmptyCells(models.TextChoices):
    KEEP = "keep", _("Keep what is stored (an empty cell changes nothing)")
    CLEAR = "clear", _("Clear the stored value")


class MatchKey(models.TextChoices):
    """How a row finds the client it is about; custom unique fields add "cf:<name>" keys."""

    ID = "id", _("Clientela id")
    TAX_ID = "tax_id", _("Tax id")
    REGISTRATION_ID = "registration_id", _("Registration id")
    VAT_ID = "vat_id", _("VAT id")
    EMAIL = "email", _("E-mail")
    NAME_COUNTRY = "name_country", _("Name and country (companies)")


DEFAULT_MATCH_KEYS = [MatchKey.ID, MatchKey.TAX_ID, MatchKey.REGISTRATION_ID, MatchKey.VAT_ID, MatchKey.NAME_COUNTRY]


class ImportStatus(models.TextChoices):
    DRAFT = "draft", _("Being set up")
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    CHECKED = "checked", _("Dry run done")
    DONE = "done", _("Imported")
    FAILED = "failed", pgettext_lazy("status of an import", "Failed")
    REVERTING = "reverting", _("Being reverted")
    REVERTED = "reverted", _("Reverted")


class RowOutcome(models.TextChoices):
    # Tags on a row, after a dry run (what it would do) as after the run (what it did).
    CREATE = "create", pgettext_lazy("outcome of an import row", "New client")
    UPDATE = "update", pgettext_lazy("outcome of an import row", "Changes")
    UNCHANGED = "unchanged", pgettext_lazy("outcome of an import row", "No change")
    SKIP = "skip", pgettext_lazy("outcome of an import row", "Skipped")
    ERROR = "error", pgettext_lazy("outcome of an import row", "Rejected")


class ImportJob(TimeStampedModel):
    """One file on its way into the register: how to read it, what goes where, and how it went."""

    # PROTECT: an import is the record of who brought which clients in; its user stays.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    format = models.CharField(_("format"), max_length=4, choices=ImportFormat.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    sheets = models.JSONField(_("sheets"), default=list, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=0)  # 0-based, among the file's rows
    headers = models.JSONField(_("headers"), default=list, blank=True)
    preview = models.JSONField(_("first rows"), default=list, blank=True)
    # Per column of the file, the key of the column it fills (clientela.exchange.columns), "" for none.
    mapping = models.JSONField(_("mapping"), default=list, blank=True)
    match_keys = models.JSONField(_("match keys"), default=list, blank=True)
    mode = models.CharField(_("what to do"), max_length=10, choices=ImportMode.choices, default=ImportMode.UPSERT)
    empty_cells = models.CharField(_("empty cells"), max_length=10, choices=EmptyCells.choices, default=EmptyCells.KEEP)
    all_or_nothing = models.BooleanField(
        _("all or nothing"), default=False, help_text=_("Import nothing if any row is rejected.")
    )

    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.DRAFT)
    is_dry_run = models.BooleanField(_("dry run"), default=False)  # what the queued or last pass was
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    # Nullable: empty until the worker starts a pass, and until it ends it.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    error = models.TextField(_("error"), blank=True)
    groups_created = models.JSONField(_("groups created"), default=list, blank=True)
    # Nullable: set only once the import is reverted. SET_NULL: the revert stays recorded without its user.
    reverted_at = models.DateTimeField(_("reverted at"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reverted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kept_count = models.PositiveIntegerField(
        _("kept on revert"), default=0, help_text=_("Records changed since the import, which a revert leaves alone.")
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exchange_import_user_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        """Per cent of the rows done in the current pass."""
        if self.status in (ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.REVERTED):
            return 100
        return min(100, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0

    @property
    def is_pending(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.REVERTING)

    @property
    def revert_until(self) -> datetime | None:
        if self.finished_at is None or self.is_dry_run:
            return None
        return self.finished_at + timedelta(hours=settings.CLIENTELA_IMPORT_REVERT_HOURS)

    @property
    def can_revert(self) -> bool:
        until = self.revert_until
        # A run stopped by an error kept the batches before it: those can be reverted too.
        ran = self.status == ImportStatus.DONE or (self.status == ImportStatus.FAILED and not self.all_or_nothing)
        return ran and until is not None and timezone.now() <= until


class ImportRow(models.Model):
    """What one row of the file did (or, after a dry run, would do)."""

    job = models.ForeignKey(ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))  # as the user sees it in the file (1-based)
    outcome = models.CharField(_("outcome"), max_length=10, choices=RowOutcome.choices)
    # Nullable: a rejected or skipped row, and a dry run, touch no client. SET_NULL: the result outlives it.
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client_created = models.BooleanField(_("client created"), default=False)
    client_version = models.PositiveIntegerField(_("version after the import"), null=True, blank=True)
    # The client's history entry before the import changed it (a revert restores that version).
    history_before = models.PositiveIntegerField(_("version before"), null=True, blank=True)
    # Nullable: only rows with a contact person. SET_NULL: as above.
    contact = models.ForeignKey(
        "clients.Contact", verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_created = models.BooleanField(_("contact created"), default=False)
    contact_before = models.JSONField(_("contact before"), null=True, blank=True)
    contact_after = models.JSONField(_("contact after"), null=True, blank=True)
    # {column label: [before, after]} for an update; the reasons for a skip or an error.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    cells = models.JSONField(_("cells"), default=list, blank=True)  # kept for rejected rows: the file to fix
    is_reverted = models.BooleanField(_("reverted"), default=False)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="exchange_importrow_number")]
        indexes = [models.Index(fields=["job", "outcome", "number"], name="exchange_importrow_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number} {self.outcome}"


class ImportMapping(TimeStampedModel):
    """A column mapping saved under a name, for the next file from the same system."""

    name = models.CharField(_("name"), max_length=100)
    # Folded header → column key (clientela.exchange.columns); a header not listed is not imported.
    columns = models.JSONField(_("columns"), default=dict)
    # Nullable: mappings are shared by everyone; SET_NULL keeps one whose author left.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), name="exchange_mapping_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
