"""The owners' incident page (a status page) on the portal."""

from django.http import Http404


def detail(request, number):
    raise Http404  # the owners' incident page lands with the incidents pages
