from django.urls import re_path

from .items_api import ResearcherItemsView

# A regular expression, so that any institutional ID reaches the view, which answers a JSON
# 404 for what does not exist (CONTRACT §4).
urlpatterns = [
    re_path(r"^researchers/(?P<institutional_id>[\s\S]+)/items\Z", ResearcherItemsView.as_view(),
            name="api-researcher-items"),
]
