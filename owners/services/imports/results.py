"""What an import answers: the counts of what it wrote, or every bad row and nothing written."""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self):
        return {"line": self.line, "column": self.column, "message": self.message}


class ImportRejected(Exception):
    """Nothing was written. `message` says what is wrong; `errors` lists every bad row."""

    def __init__(self, message: str, errors: list[RowError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass
class ImportResult:
    kind: str
    rows: int
    units_created: int = 0
    residents_created: int = 0
    residents_matched: int = 0
    occupancies_created: int = 0
    encoding: str = ""
    ignored_columns: list[str] = field(default_factory=list)


def rejected_if_any(errors: list[RowError], total: int) -> None:
    """Raise ImportRejected listing every bad row, by line, when there is any."""
    if errors:
        errors.sort(key=lambda e: e.line)
        bad_lines = len({e.line for e in errors})
        raise ImportRejected(
            _("Nothing was imported: %(bad)d of %(total)d rows have problems. Fix them and upload the file again.")
            % {"bad": bad_lines, "total": total},
            errors,
        )



@contextmanager
def atomic_import():
    """A transaction that turns a race with another writer into a clear ImportRejected."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ImportRejected(_("Someone changed the same units or residents while this file was importing. "
                               "Nothing was imported; please try again.")) from exc
