"""All-or-nothing imports of units and residents into one estate, from CSV or XLSX.

columns.py: the columns a file may have and reading its rows; units.py and residents.py: one kind
of import each; results.py: what an import answers (counts, or every bad row and nothing written).
"""

from .columns import Column, import_columns
from .residents import estate_residents_import
from .results import ImportRejected, ImportResult, RowError
from .units import estate_units_import

__all__ = ["Column", "ImportRejected", "ImportResult", "RowError", "estate_residents_import", "estate_units_import",
           "import_columns"]
