"""Pages of a list as CONTRACT §4 fixes them: {"count", "next", "previous", "results"},
`?limit=` (default 500, at most 5,000) and `?offset=`."""

from rest_framework.pagination import LimitOffsetPagination


class ApiPagination(LimitOffsetPagination):
    default_limit = 500
    max_limit = 5000
