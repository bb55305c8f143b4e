"""Reads of imports: a user's own (an administrator's: everyone's), and what each row did."""

from django.db.models import QuerySet

from clientela.accounts.models import User
from clientela.exchange.models import ImportJob, ImportMapping, ImportRow


def import_list(*, user: User) -> QuerySet[ImportJob]:
    """The imports a user may see: their own; every import for an administrator."""
    jobs = ImportJob.objects.select_related("user")
    return jobs if user.is_admin else jobs.filter(user=user)


def get_import_for_user(*, user: User, pk: int) -> ImportJob | None:
    """One import the user may see, or None."""
    return import_list(user=user).filter(pk=pk).first()


def import_rows(*, job: ImportJob, outcome: str = "") -> QuerySet[ImportRow]:
    """What each row of an import did, in file order; only one outcome when asked."""
    rows = ImportRow.objects.filter(job=job).select_related("client")
    return rows.filter(outcome=outcome) if outcome else rows


def mapping_list() -> QuerySet[ImportMapping]:
    """The saved column mappings (shared by everyone)."""
    return ImportMapping.objects.all()
