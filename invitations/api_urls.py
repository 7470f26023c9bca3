from django.urls import re_path

from .api import InvitationsView

urlpatterns = [
    re_path(r"^invitations\Z", InvitationsView.as_view(), name="api-invitations"),
]
