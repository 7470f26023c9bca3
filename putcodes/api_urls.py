from django.urls import re_path

from .api import ResearcherSyncView
from .items_api import ResearcherItemsView

# A regular expression as works.api_urls does: any institutional ID reaches the view (JSON 404s).
urlpatterns = [
    re_path(r"^researchers/(?P<institutional_id>[\s\S]+)/sync\Z", ResearcherSyncView.as_view(), name="api-researcher-sync"),
    # Every item of every kind (CONTRACT §4; putcodes/items_api.py).
    re_path(r"^researchers/(?P<institutional_id>[\s\S]+)/items\Z", ResearcherItemsView.as_view(),
            name="api-researcher-items"),
]
