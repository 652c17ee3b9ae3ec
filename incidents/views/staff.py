"""Staff pages for incidents (the dashboard)."""

from django.http import Http404


def detail(request, number):
    raise Http404  # the incident page lands with the incidents pages
