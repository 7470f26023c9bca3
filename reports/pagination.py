"""Pages of a list as CONTRACT §4 fixes them: the API's one pagination (units/pagination.py)."""

from units.pagination import ApiPagination

__all__ = ["ApiPagination"]
