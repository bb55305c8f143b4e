"""The worker's side of imports: thin tasks that take a job's id and call the services."""

from django_tasks import task

from clientela.exchange import services


@task(queue_name="default")
def run_import(job_id: int) -> int:
    """Run the queued pass (dry or real) of an import; returns how many rows it went through."""
    job = services.import_execute(job_id)
    return job.processed_rows if job is not None else 0


@task(queue_name="default")
def revert_import(job_id: int) -> int:
    """Undo a finished import; returns how many of its records were kept because they changed since."""
    job = services.import_revert_execute(job_id)
    return job.kept_count if job is not None else 0
