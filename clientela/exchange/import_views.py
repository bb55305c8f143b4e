"""The import wizard: upload → how to read the file → what goes where and what to do with matches → dry run → run.

One page per import shows the step it is at; while the worker runs a pass the page polls a small
fragment, so a reload (or coming back later) finds the progress where it is.
"""

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.core.errors import DomainError
from clientela.core.http import AuthenticatedRequest, render_page, wants_part
from clientela.core.pagination import InvalidCursor, keyset_page
from clientela.exchange import selectors, services
from clientela.exchange.columns import neutralise
from clientela.exchange.files import content_disposition
from clientela.exchange.forms import OptionsForm, ReadSettingsForm, SavedMappingForm, UploadForm
from clientela.exchange.models import ImportJob, ImportStatus, RowOutcome
from clientela.exchange.readers import ImportFileError

ROWS_PER_PAGE = 100


def _job(request: AuthenticatedRequest, pk: int) -> ImportJob:
    job = selectors.get_import_for_user(user=request.user, pk=pk)
    if job is None:
        raise Http404
    return job


def _error_text(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


@login_required
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_upload(user=request.user, file=upload, filename=upload.name)
            except (ImportFileError, DomainError, ValidationError) as error:
                for text in _error_text(error):
                    form.add_error("file", text)
            else:
                return redirect("exchange:import_detail", pk=job.pk)
    context = {"form": form, "jobs": selectors.import_list(user=request.user)[:50]}
    return render_page(request, "exchange/import_list.html", context, status=400 if form.errors else 200)


def _rows_page(request: AuthenticatedRequest, job: ImportJob) -> dict[str, Any]:
    outcome = request.GET.get("outcome", "")
    rows = selectors.import_rows(job=job, outcome=outcome if outcome in RowOutcome.values else "")
    try:
        page = keyset_page(
            rows,
            ordering=["number", "id"],
            size=ROWS_PER_PAGE,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
        )
    except InvalidCursor:
        page = keyset_page(rows, ordering=["number", "id"], size=ROWS_PER_PAGE)
    return {"rows": page, "outcome": outcome, "outcomes": RowOutcome.choices}


@login_required
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context: dict[str, Any] = {"job": job}
    if job.status in (ImportStatus.DRAFT, ImportStatus.CHECKED) or (
        job.status == ImportStatus.FAILED and (job.is_dry_run or job.all_or_nothing)
    ):
        context.update(
            read_form=ReadSettingsForm(job=job),
            options_form=OptionsForm(job=job),
            saved_form=SavedMappingForm(),
            header_cells=job.preview[job.header_row] if job.preview else [],
        )
    if job.status not in (ImportStatus.DRAFT, ImportStatus.QUEUED):
        context.update(_rows_page(request, job))
    if wants_part(request, "import-rows"):
        return render_page(request, "exchange/_import_rows.html", context)
    return render_page(request, "exchange/import_detail.html", context)


@login_required
def import_progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render_page(request, "exchange/_import_progress.html", {"job": job})
    if not job.is_pending:
        # The pass ended: reload the whole page to show its result.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_read(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    form = ReadSettingsForm(request.POST, job=job)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.import_read_settings(
                job=job,
                user=request.user,
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                sheet=data["sheet"],
                header_row=data["header_row"],
            )
        except (ImportFileError, DomainError, ValidationError) as error:
            for text in _error_text(error):
                messages.error(request, text)
    else:
        messages.error(request, _("Check the file settings."))
    return redirect("exchange:import_detail", pk=job.pk)


@login_required
@require_POST
def import_apply_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    form = SavedMappingForm(request.POST)
    if form.is_valid():
        try:
            services.import_apply_mapping(job=job, user=request.user, mapping=form.cleaned_data["mapping"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The saved columns were applied; check them before you go on."))
    return redirect("exchange:import_detail", pk=job.pk)


@login_required
@require_POST
def import_start(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    form = OptionsForm(request.POST, job=job)
    dry_run = request.POST.get("action") != "run"
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.import_set_options(
                job=job,
                user=request.user,
                mapping=form.mapping(),
                match_keys=data["match_keys"],
                mode=data["mode"],
                empty_cells=data["empty_cells"],
                all_or_nothing=data["all_or_nothing"],
                save_mapping_as=data["save_mapping_as"],
            )
            services.import_start(job=job, user=request.user, dry_run=dry_run)
        except (DomainError, ValidationError) as error:
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, _error_text(error))
        else:
            return redirect("exchange:import_detail", pk=job.pk)
    job.refresh_from_db()
    context = {
        "job": job,
        "read_form": ReadSettingsForm(job=job),
        "options_form": form,
        "saved_form": SavedMappingForm(),
        "header_cells": job.preview[job.header_row] if job.preview else [],
    }
    return render_page(request, "exchange/import_detail.html", context, status=400)


@login_required
@require_POST
def import_run(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """After a dry run: the import itself, with the settings the dry run used."""
    job = _job(request, pk)
    try:
        services.import_start(job=job, user=request.user, dry_run=False)
    except (DomainError, ValidationError) as error:
        for text in _error_text(error):
            messages.error(request, text)
    return redirect("exchange:import_detail", pk=job.pk)


@login_required
@require_POST
def import_revert(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        services.import_revert(job=job, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("exchange:import_detail", pk=job.pk)


@login_required
def import_rejected(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    """The rejected rows as a CSV to fix and import again: the file's own columns, then the reasons."""
    job = _job(request, pk)
    delimiter = job.delimiter if job.format == "csv" and job.delimiter else ","

    def lines() -> Any:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        yield "\ufeff"  # Excel reads UTF-8 only with its byte order mark
        writer.writerow([*job.headers, _("Why it was rejected")])
        for row in selectors.import_rows(job=job, outcome=RowOutcome.ERROR).iterator(chunk_size=1000):
            cells = [neutralise(cell) for cell in (row.cells + [""] * len(job.headers))[: len(job.headers)]]
            writer.writerow([*cells, neutralise(" | ".join(row.messages))])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stem = job.filename.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = content_disposition(
        _("%(file)s – rejected rows.csv") % {"file": stem}, fallback="rejected-rows"
    )
    response["Cache-Control"] = "private, no-store"
    return response
