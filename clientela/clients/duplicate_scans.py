"""The "find duplicates" scan as background work: asked for on the page, run by the worker, kept for the page.

Scanning a whole register takes seconds to minutes (docs/performance.md), far too long for a
request, so ``duplicate_scan_start`` queues a ``DuplicateScanRun`` and the worker's task
``scan_register_for_duplicates`` runs it, reports its progress on the row and stores the groups it
found. The page then shows the latest finished scan, a page at a time, with the clients as they are
now (``duplicate_page``): a client merged, invalidated or no longer visible since drops out.

The task is safe to retry: it does nothing for a run that is already finished, and a run left
"running" by a worker that died is replaced by the next request (``STALE_AFTER``).
"""

import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clientela.accounts.models import User
from clientela.clients.duplicates import (
    REASON_CODES,
    DuplicateGroup,
    DuplicateScan,
    MatchReason,
    duplicate_page,
    find_duplicate_groups,
)
from clientela.clients.models import DuplicateScanGroup, DuplicateScanRun, DuplicateScanStatus

# A run still queued or running after this long is taken for lost (its worker died): a new request starts another.
STALE_AFTER = timedelta(minutes=30)
PENDING = (DuplicateScanStatus.QUEUED, DuplicateScanStatus.RUNNING)
FINISHED = (DuplicateScanStatus.DONE, DuplicateScanStatus.FAILED)


# Selectors ---------------------------------------------------------------------------------------


def pending_duplicate_scan(user: User) -> DuplicateScanRun | None:
    """The user's scan that is waiting for the worker or running, unless it has been at it for too long."""
    return DuplicateScanRun.objects.filter(
        user=user, status__in=PENDING, created_at__gte=timezone.now() - STALE_AFTER
    ).first()


def last_duplicate_scan(user: User) -> DuplicateScanRun | None:
    """The user's latest finished or failed scan."""
    return DuplicateScanRun.objects.filter(user=user, status__in=FINISHED).first()


def duplicate_scan_result(*, user: User, run: DuplicateScanRun, offset: int, limit: int) -> DuplicateScan:
    """One page of a finished scan's groups, with the clients the user can see now."""
    rows = DuplicateScanGroup.objects.filter(
        run__user=user, run=run, position__gte=offset, position__lt=offset + limit
    ).values_list("client_ids", "reasons")
    groups = [
        DuplicateGroup(
            ids=[int(client_id) for client_id in ids],
            reasons=[MatchReason(code, int(score)) for code, score in reasons if code in REASON_CODES],
        )
        for ids, reasons in rows
    ]
    return duplicate_page(
        user=user,
        page=groups,
        total_groups=run.total_groups,
        clients_scanned=run.clients_scanned,
        seconds=run.seconds,
        offset=offset,
        limit=limit,
    )


# Services ----------------------------------------------------------------------------------------


def duplicate_scan_start(*, user: User) -> DuplicateScanRun:
    """Queue a scan of the clients the user can see; a scan of theirs already under way is returned instead.

    Anyone signed in may scan: the scan only ever covers what ``visible_to(user)`` returns.
    """
    with transaction.atomic():
        # Lock the user's row so that two clicks at once cannot queue two scans.
        User.objects.select_for_update().filter(pk=user.pk).first()
        pending = pending_duplicate_scan(user)
        if pending is not None:
            return pending
        run = DuplicateScanRun.objects.create(user=user)
        transaction.on_commit(lambda: scan_register_for_duplicates.enqueue(run.pk))
    return run


def _set_progress(run_id: int, percent: int) -> None:
    DuplicateScanRun.objects.filter(pk=run_id, status=DuplicateScanStatus.RUNNING).update(progress=percent)


@task(queue_name="default")
def scan_register_for_duplicates(run_id: int) -> int:
    """The worker's side of ``duplicate_scan_start``: scan, store the groups, forget the user's older scans.

    Returns how many groups were found (0 for a run that was already finished or no longer exists).
    """
    run = DuplicateScanRun.objects.select_related("user").filter(pk=run_id).first()
    if run is None or run.status in FINISHED:
        return 0
    started = timezone.now()
    DuplicateScanRun.objects.filter(pk=run.pk).update(
        status=DuplicateScanStatus.RUNNING, started_at=started, progress=0, error=""
    )
    last_reported = -1

    def progress(percent: int) -> None:
        nonlocal last_reported
        if percent >= last_reported + 5:  # a write per 5 %, not per call
            last_reported = percent
            _set_progress(run.pk, percent)

    began = time.perf_counter()
    try:
        groups, scanned = find_duplicate_groups(user=run.user, progress=progress)
    except Exception as error:
        DuplicateScanRun.objects.filter(pk=run.pk).update(
            status=DuplicateScanStatus.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"
        )
        raise
    with transaction.atomic():
        DuplicateScanGroup.objects.filter(run=run).delete()  # a retried run starts its groups afresh
        DuplicateScanGroup.objects.bulk_create(
            (
                DuplicateScanGroup(
                    run=run,
                    position=position,
                    client_ids=group.ids,
                    reasons=[[reason.code, reason.score] for reason in group.reasons],
                )
                for position, group in enumerate(groups)
            ),
            batch_size=2_000,
        )
        DuplicateScanRun.objects.filter(pk=run.pk).update(
            status=DuplicateScanStatus.DONE,
            progress=100,
            finished_at=timezone.now(),
            clients_scanned=scanned,
            total_groups=len(groups),
            seconds=time.perf_counter() - began,
        )
        # The user's earlier finished scans are superseded by this one.
        DuplicateScanRun.objects.filter(user=run.user, created_at__lte=run.created_at).exclude(pk=run.pk).exclude(
            status__in=PENDING
        ).delete()
    return len(groups)
