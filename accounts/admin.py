from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import consent_admin  # noqa: F401  (registers the approval history)
from .models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active", "last_login")
    search_fields = ("username", "first_name", "last_name", "email")
