"""The one pagination of the HTTP API's lists (CONTRACT §4): a page is
`{"count", "next", "previous", "results"}`, `?limit=` (default 500, at most 5,000) and
`?offset=`; `next`/`previous` are the full URLs of the neighbouring pages (null at the ends).

Used by every list: works, items, invitations, orcid-works (issue 17, item 7), so a client pages
through all of them the same way. `PAGE_PARAMETERS` documents the two query parameters in the
OpenAPI schema; `page_serializer(name, item)` names the page's schema component.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination


class ApiPagination(LimitOffsetPagination):
    default_limit = 500
    max_limit = 5000


PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="Items per page (default 500, at most 5000)."),
    OpenApiParameter("offset", int, description="Items to skip."),
]


def page_serializer(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """A serializer class named `name` describing a page of `item`s (for the schema)."""
    return type(name, (serializers.Serializer,), {
        "count": serializers.IntegerField(help_text="How many items in all pages."),
        "next": serializers.URLField(allow_null=True, help_text="The next page's URL (null on the last)."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page's URL (null on the first)."),
        "results": item(many=True),
    })
