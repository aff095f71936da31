"""Lists over the API are answered a page at a time (``limit``, ``offset``; ``count``, ``next``,
``previous``, ``results``). A plain APIView that lists declares it with this mixin, so that the
OpenAPI schema documents the page and its parameters instead of a bare array. The methods are those
of DRF's GenericAPIView, so a list reads the same whichever base class its view has."""

from functools import cached_property

from rest_framework.pagination import LimitOffsetPagination


class PaginatedListMixin:
    pagination_class = LimitOffsetPagination

    @cached_property
    def paginator(self):
        return self.pagination_class()

    def paginate_queryset(self, rows):
        return self.paginator.paginate_queryset(rows, self.request, view=self)

    def get_paginated_response(self, data):
        return self.paginator.get_paginated_response(data)

    def paginated(self, rows, serializer, **kwargs):
        """The page of ``rows`` that the request asks for, each row through ``serializer``."""
        return self.get_paginated_response(serializer(self.paginate_queryset(rows), many=True, **kwargs).data)
