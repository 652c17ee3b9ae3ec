from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Keyset pagination by id: constant cost per page at any table size, no COUNT(*)."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 200
