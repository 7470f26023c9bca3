from django.urls import re_path

from .api import ResearcherWorksView, ResearcherWorkView

# Regular expressions rather than converters, so that any institutional ID (even one with a
# slash) and any integer id reach the view, which answers a JSON 404 for what does not exist
# (CONTRACT §4: errors are JSON), never Django's HTML page.
urlpatterns = [
    re_path(r"^researchers/(?P<institutional_id>[\s\S]+)/works\Z", ResearcherWorksView.as_view(),
            name="api-researcher-works"),
    re_path(r"^researchers/(?P<institutional_id>[\s\S]+)/works/(?P<work_id>[-+]?\d+)\Z", ResearcherWorkView.as_view(),
            name="api-researcher-work"),
]
