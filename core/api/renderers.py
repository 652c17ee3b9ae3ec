"""The API in a browser, without forms that list rows.

DRF's browsable API draws an HTML form for POST/PUT from the view's serializer, and every
related field becomes a <select> of its whole queryset: every estate, every account of the
company, whatever the caller's scope. The raw JSON form is kept; the HTML form is not drawn.
"""

from rest_framework.renderers import BrowsableAPIRenderer


class ScopeSafeBrowsableAPIRenderer(BrowsableAPIRenderer):
    def get_rendered_html_form(self, data, view, method, request):
        return None
