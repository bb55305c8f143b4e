"""An import's file as a path on this machine, whatever storage keeps it.

The readers open a file by path (and open it again for each pass over its rows). With files on
this machine's disk (the default, or a shared folder) that is the stored file itself; with object
storage (S3 through django-storages, at scale) the file is copied to a temporary file first, which
is removed when the block ends.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.models.fields.files import FieldFile


@contextmanager
def local_path(file: FieldFile) -> Iterator[Path]:
    """The stored file's path, or a temporary copy's for storage that has no paths."""
    try:
        yield Path(file.path)
        return
    except NotImplementedError:  # storage without local paths (S3 and the like)
        pass
    suffix = Path(file.name or "").suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with file.open("rb") as stored:
            shutil.copyfileobj(stored, copy, length=1024 * 1024)
        copy.flush()
        yield Path(copy.name)
