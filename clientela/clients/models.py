from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clientela.accounts.models import OwnedQuerySet
from clientela.core.languages import Language
from clientela.core.models import TimeStampedModel


class ClientKind(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual")


class ClientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INVALID = "invalid", _("Invalid")
    # Merged into another client (``merged_into``): kept for its history and for undo, never listed.
    MERGED = "merged", _("Merged")


class ChangeReason:
    """Why a history entry was written, stored as a code and shown in the reader's language."""

    CREATED = "created"
    CHANGED = "changed"
    INVALIDATED = "invalidated"
    RESTORED = "restored"
    PRIMARY_MOVED = "primary-moved"
    RESTORED_VERSION = "restored-version"

    LOCKED = "locked"
    UNLOCKED = "unlocked"
    TRANSFERRED = "transferred"
    # Stored as "<code>:<id of the ClientMerge>" (clientela.clients.merge).
    MERGED = "merged"
    MERGED_INTO = "merged-into"
    MERGE_UNDONE = "merge-undone"
    MOVED_BY_MERGE = "moved-by-merge"  # a contact of a merged client, now the survivor's
    # Stored as "<code>:<id of the ImportJob>" (clientela.exchange).
    IMPORTED = "imported"
    IMPORT_REVERTED = "import-reverted"

    LABELS = {
        TRANSFERRED: _("Transferred to another owner"),
        MERGED: _("Merged other clients into this one"),
        MERGED_INTO: _("Merged into another client"),
        MERGE_UNDONE: _("Merge undone"),
        MOVED_BY_MERGE: _("Moved to another client by a merge"),
        LOCKED: _("Locked"),
        UNLOCKED: _("Unlocked"),
        CREATED: _("Created"),
        CHANGED: _("Changed"),
        INVALIDATED: _("Invalidated"),
        RESTORED: _("Restored"),
        PRIMARY_MOVED: _("Another contact became primary"),
        IMPORTED: _("Imported from a file"),
        IMPORT_REVERTED: _("Import reverted"),
    }

    @classmethod
    def restored_version(cls, when: datetime) -> str:
        return f"{cls.RESTORED_VERSION}:{when.isoformat()}"

    @classmethod
    def label(cls, stored: str | None) -> str:
        """The reason in the active language; text stored by other means is shown as it is."""
        code, _sep, argument = (stored or cls.CHANGED).partition(":")
        if code == cls.RESTORED_VERSION and (when := parse_datetime(argument)) is not None:
            shown = date_format(localtime(when), "SHORT_DATETIME_FORMAT")
            return _("Restored the version of %(date)s") % {"date": shown}
        return str(cls.LABELS.get(code, stored or ""))


class ClientGroup(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("client group")
        verbose_name_plural = _("client groups")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="clients_group_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class ClientQuerySet(OwnedQuerySet):
    owner_path = "owner"
    lock_path = "locked_by"

    def active(self) -> "ClientQuerySet":
        return self.filter(status=ClientStatus.ACTIVE)


ADDRESS_PARTS = ("street", "city", "postal_code", "region", "country")

# Kept by name so the services can write the client's history entry themselves, after its groups
# are set: simple-history would otherwise write one entry for the save and one per groups change.
client_history_records = HistoricalRecords(
    m2m_fields=["groups"],
    excluded_fields=["search_text", "updated_at"],
    related_name="history_entries",
)


class Client(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=ClientKind.choices, default=ClientKind.COMPANY)
    name = models.CharField(_("name"), max_length=255, help_text=_("Legal name, or the person's name."))
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    registration_id = models.CharField(
        _("registration id"), max_length=32, blank=True, help_text=_("Company id: IČO, CUI, CIF, …")
    )
    vat_id = models.CharField(_("VAT id"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("Stored in E.164 form."))
    website = models.URLField(_("website"), blank=True)

    billing_street = models.CharField(_("street"), max_length=255, blank=True)
    billing_city = models.CharField(_("city"), max_length=120, blank=True)
    billing_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    billing_region = models.CharField(_("region"), max_length=120, blank=True)
    billing_country = models.CharField(_("country"), max_length=2, blank=True)

    shipping_same_as_billing = models.BooleanField(_("shipping address same as billing"), default=True)
    shipping_street = models.CharField(_("shipping street"), max_length=255, blank=True)
    shipping_city = models.CharField(_("shipping city"), max_length=120, blank=True)
    shipping_postal_code = models.CharField(_("shipping postal code"), max_length=20, blank=True)
    shipping_region = models.CharField(_("shipping region"), max_length=120, blank=True)
    shipping_country = models.CharField(_("shipping country"), max_length=2, blank=True)

    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=7, choices=Language.choices, default=Language.ENGLISH)

    # PROTECT: a user who owns clients cannot be deleted; their clients are transferred first.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_clients"
    )
    groups = models.ManyToManyField(ClientGroup, verbose_name=_("groups"), blank=True, related_name="clients")
    status = models.CharField(_("status"), max_length=10, choices=ClientStatus.choices, default=ClientStatus.ACTIVE)

    # Nullable: rows made by the system (imports before users existed) and users deleted later.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # Nullable: most clients are not locked. SET_NULL: a deleted user's locks simply end.
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    # Nullable: set only on a client merged away (status "merged"), naming the client it lives on in;
    # PROTECT: the survivor of a merge stays while a merged client points at it (undo needs both).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_clients",
    )
    # Folded text of the name, ids, e-mail, phone and contact names: the one column the search
    # index covers (FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL). Kept by the services.
    search_text = models.TextField(editable=False, default="")
    # Values of the custom fields (clientela.clients.fields), keyed by each field's original name;
    # checked by clientela.clients.custom_values, unique ones enforced by expression indexes.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ClientQuerySet.as_manager()
    history = client_history_records
    # A list page's rows carry their groups' names (``selectors.attach_group_names``), not a column.
    group_names: list[str]
    if TYPE_CHECKING:
        history_entries: Any  # simple-history's per-client manager of past versions

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        indexes = [
            # The list's sort orders. The owner after the unique id changes no order: it is there so
            # that a user's visibility (their team's owners, or shares by id) is checked from the
            # index alone when their clients are counted (docs/performance.md, finding 12).
            models.Index(fields=["status", "name", "id", "owner"], name="clients_status_name_idx"),
            # A search's matches by id, with what sorting and filtering them reads (SQLite's FTS5
            # yields rowids: clientela.clients.search.SQLITE_ROWS_INDEX).
            models.Index(fields=["id", "status", "name", "owner"], name="clients_search_rows_idx"),
            models.Index(fields=["status", "created_at", "id", "owner"], name="clients_status_created_idx"),
            models.Index(fields=["owner", "status", "name", "id"], name="clients_owner_name_idx"),
            models.Index(fields=["status", "country", "name", "id", "owner"], name="clients_status_country_idx"),
            # Duplicate candidates (clientela.clients.duplicates): equal ids, e-mail and phone.
            models.Index(fields=["status", "tax_id"], name="clients_status_tax_id_idx"),
            models.Index(fields=["status", "registration_id"], name="clients_status_reg_id_idx"),
            models.Index(fields=["status", "vat_id"], name="clients_status_vat_id_idx"),
            models.Index(F("status"), Lower("email"), name="clients_status_email_idx"),
            models.Index(fields=["status", "phone"], name="clients_status_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == ClientStatus.ACTIVE

    @property
    def is_merged(self) -> bool:
        return self.status == ClientStatus.MERGED

    @property
    def is_locked(self) -> bool:
        return self.locked_by_id is not None

    def is_locked_for(self, user: Any) -> bool:
        """Locked by someone other than ``user``: they may read it but not change it."""
        return self.locked_by_id is not None and self.locked_by_id != user.pk

    def locked_message(self) -> str:
        when = date_format(localtime(self.locked_at), "SHORT_DATETIME_FORMAT") if self.locked_at else ""
        return _("%(name)s is locked by %(user)s since %(when)s; only they or an admin can unlock it.") % {
            "name": self.name,
            "user": self.locked_by,
            "when": when,
        }

    def address(self, kind: str = "billing") -> dict[str, str]:
        """The billing or shipping address as a dict; shipping falls back to billing."""
        if kind == "shipping" and self.shipping_same_as_billing:
            kind = "billing"
        return {part: getattr(self, f"{kind}_{part}") for part in ADDRESS_PARTS}


class ContactQuerySet(OwnedQuerySet):
    owner_path = "client__owner"
    lock_path = "client__locked_by"  # a contact is part of its client's record
    # Shared on its own, or through its client.
    share_paths = ((None, "pk"), ("clients.client", "client_id"))


class Contact(TimeStampedModel):
    # PROTECT: a client with contacts is not deleted by accident; the service names what links to it.
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="contacts")
    first_name = models.CharField(_("first name"), max_length=120, blank=True)
    last_name = models.CharField(_("last name"), max_length=120)
    position = models.CharField(_("position"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=7, choices=Language.choices, default=Language.ENGLISH)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ContactQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], related_name="history_entries")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(is_primary=True), name="clients_contact_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ClientMerge(TimeStampedModel):
    """One merge of clients into a survivor, with what it changed, so that it can be undone exactly.

    Written and read only by clientela.clients.merge; ``details`` holds the survivor's previous
    values and groups, the merged clients' previous state, and every row the merge moved.
    """

    # PROTECT: a merge record keeps its clients (and they are never deleted while it exists).
    survivor = models.ForeignKey(
        Client, verbose_name=_("survivor"), on_delete=models.PROTECT, related_name="merges_received"
    )
    merged = models.ManyToManyField(Client, verbose_name=_("merged clients"), related_name="+")
    # Nullable: the user who merged may since have been deleted; the record stays.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The survivor's version right after the merge: undo is refused once it changed again.
    survivor_version = models.PositiveIntegerField(_("survivor's version"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Nullable: empty until the merge is undone (and the undoing user may since have been deleted).
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("client merge")
        verbose_name_plural = _("client merges")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.survivor} ← {', '.join(self.details.get('merged_names', []))}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class DuplicateScanStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Scanning")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DuplicateScanRun(TimeStampedModel):
    """One scan of the register for duplicates, run by the worker for the user who asked for it.

    Written and read only by clientela.clients.duplicate_scans; what it found is in
    ``DuplicateScanGroup`` rows, strongest first.
    """

    # CASCADE: a scan is a cache of one user's view of the register, worthless without them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DuplicateScanStatus.choices, default=DuplicateScanStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Nullable: empty until the worker starts, and until it finishes.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    clients_scanned = models.PositiveIntegerField(_("clients scanned"), default=0)
    total_groups = models.PositiveIntegerField(_("groups found"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "status", "-created_at"], name="clients_dupscan_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M} {self.status}"


class DuplicateScanGroup(models.Model):
    """One group a scan found: only ids and reasons, so that a page of groups is shown with the
    clients as they are now, and only those its reader can still see."""

    run = models.ForeignKey(DuplicateScanRun, verbose_name=_("duplicate scan"), on_delete=models.CASCADE)
    position = models.PositiveIntegerField(_("position"))  # 0 for the strongest group
    client_ids = models.JSONField(_("clients"), default=list)
    reasons = models.JSONField(_("reasons"), default=list)  # [[code, score], …]

    class Meta:
        verbose_name = _("group of likely duplicates")
        verbose_name_plural = _("groups of likely duplicates")
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="clients_dupgroup_position")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.position}"


# The field settings live in their own module; imported here so that they belong to this app.
from clientela.clients.fields import FieldDefinition, FieldOption  # noqa: E402, F401
