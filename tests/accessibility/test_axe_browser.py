"""axe-core in every portal page (issue 14): signed out, as a researcher with 2,000 works, and as
staff in the admin. Any violation fails the test; the failure lists them per page."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from tests.accessibility.axe import ADMIN_ONLY_EXCLUSIONS, axe_source, axe_violations, describe
from tests.fixtures.affiliations import AffiliationFactory, FundingFactory
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory
from units.models import Unit
from works.models import Work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKS = 2000


@pytest.fixture
def axe():
    return axe_source()


class Checker:
    """Visits pages and keeps what axe-core finds on each."""

    def __init__(self, page, base: str, source: str):
        self.page, self.base, self.source = page, base, source
        self.found: dict[str, list[dict]] = {}
        self.checked: list[str] = []

    def check(self, path_or_none: str | None, *, label: str | None = None) -> None:
        if path_or_none is not None:
            self.page.goto(f"{self.base}{path_or_none}")
        url = self.page.url
        disabled = tuple(ADMIN_ONLY_EXCLUSIONS) if "/admin/" in url else ()
        violations = axe_violations(self.page, self.source, disabled=disabled)
        where = label or url.removeprefix(self.base)
        self.checked.append(where)
        if violations:
            self.found[where] = violations

    def assert_clean(self) -> None:
        assert not self.found, f"axe-core found violations on {len(self.found)} of {len(self.checked)} pages:" + describe(
            self.found
        )


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Institutional ID").fill(username)
    page.get_by_label("Password").fill("password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def researcher_with_works(sync_env):
    """ada: connected to a simulator record, 2,000 works in every state, one item of each other kind."""
    ada, _ = sync_env.researcher(username="ada")
    library = UnitFactory(code="library", name="The University Library")
    works = WorkFactory.build_batch(WORKS - 12, researcher=ada, unit=library)
    Work.objects.bulk_create(works)
    WorkFactory.create_batch(5, researcher=ada, unit=library, eligible=True)
    WorkFactory.create_batch(3, researcher=ada, unit=library, rejected=True)
    WorkFactory.create_batch(2, researcher=ada, unit=library, private=True)
    WorkFactory.create_batch(2, researcher=ada, unit=library, no_identifier=True)
    EmploymentFactory(researcher=ada)
    AffiliationFactory(researcher=ada)
    FundingFactory(researcher=ada)
    sync_env.sync()  # items on ORCID, a sync run, a ledger
    _records_of(ada, library)
    return ada


def _records_of(ada, library) -> None:
    """One row of each record kept for the admin (the audit log, consent and connection history)."""
    from accounts.models import ConsentEvent
    from connections.models import ConnectionEvent
    from tests.fixtures.connections import api_key_for
    from units.models import ApiAuditEvent, ApiKey

    api_key_for(scopes=["works:curate"], unit_code="library")
    ApiAuditEvent.objects.create(api_key=ApiKey.objects.first(), method="GET", institutional_id="ada", status_code=200,
                                 path="/api/v1/researchers/ada/works", remote_addr="127.0.0.1")
    work = Work.objects.filter(researcher=ada, approved=True).first()
    ConsentEvent.objects.create(researcher=ada, unit=library, kind="work", object_id=work.pk, local_id=work.local_id,
                                approved=True, actor="ada", via=ConsentEvent.Via.PAGE)
    connection = ada.orcid_connection
    ConnectionEvent.objects.create(connection=connection, kind=ConnectionEvent.Kind.CONNECTED, orcid=connection.orcid)


def _serve(html: str, status: int):
    return lambda route, request: route.fulfill(status=status, body=html, content_type="text/html")


def test_signed_out_pages_have_no_axe_violations(page, live_server, axe):
    checker = Checker(page, live_server.url, axe)
    for path in ("/login/", "/about-orcid/", "/privacy/", "/no-such-page/", "/admin/login/"):
        checker.check(path)
    # A stale form: the portal's CSRF failure page.
    page.goto(f"{live_server.url}/login/")
    page.context.clear_cookies()
    page.get_by_label("Institutional ID").fill("someone")
    page.get_by_label("Password").fill("password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").count() == 1
    checker.check(None, label="CSRF failure page")
    # 400, 403 and 500 pages come from handlers no link reaches: serve their HTML on the live server's origin.
    from django.test import RequestFactory

    from orcid_portal import api

    for name, handler in (("400", api.bad_request), ("403", api.permission_denied), ("500", api.server_error)):
        request = RequestFactory().get("/")
        response = handler(request) if name == "500" else handler(request, Exception("refused"))
        html = response.content.decode()
        page.route(f"{live_server.url}/__error{name}/", _serve(html, int(name)))
        checker.check(f"/__error{name}/", label=f"{name} page")
    checker.assert_clean()


def test_researcher_pages_have_no_axe_violations(page, live_server, axe, sync_env, invite_env, mailoutbox):
    ada = researcher_with_works(sync_env)
    checker = Checker(page, live_server.url, axe)
    sign_in(page, live_server.url, "ada")
    checker.check("/")
    checker.check("/works/")
    filters = page.locator("a[data-status]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(filters) >= 3
    for href in filters:
        checker.check(f"/works/{href}")
    checker.check("/works/?q=study")
    checker.check("/works/?page=2")
    approved = Work.objects.filter(researcher=ada, approved=True).first()
    checker.check(f"/works/{approved.pk}/preview/")
    checker.check("/privacy/")
    checker.check("/about-orcid/")
    checker.check("/orcid/connect/")
    checker.check("/orcid/disconnect/")
    # The invitation landing, as the invited person.
    UserFactory(username="grace")
    invite_env.invite(invite_env.csv([("grace", "grace@example.edu", "Grace", "Hopper")]))
    link = invite_env.link_path(mailoutbox[-1])
    page.context.clear_cookies()
    sign_in(page, live_server.url, "grace")
    checker.check(link, label="invitation landing")
    checker.check("/", label="dashboard, not connected")
    checker.check("/invitations/not-a-real-token/", label="invitation refused")
    checker.assert_clean()


def admin_pages() -> list[tuple[str, str | None]]:
    """Every registered model's changelist, and the change page of its first object."""
    pages = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        try:
            changelist = reverse("admin:{}_{}_changelist".format(*info))
        except NoReverseMatch:
            continue
        first = model.objects.order_by("pk").first()
        change = reverse("admin:{}_{}_change".format(*info), args=[first.pk]) if first else None
        pages.append((changelist, change))
    return pages


def test_staff_pages_have_no_axe_violations(page, live_server, axe, sync_env, invite_env, mailoutbox):
    researcher_with_works(sync_env)
    invite_env.invite(invite_env.csv([("grace", "grace@example.edu", "Grace", "Hopper")]))
    UserFactory(username="root", is_staff=True, is_superuser=True)
    checker = Checker(page, live_server.url, axe)
    sign_in(page, live_server.url, "root")
    checker.check("/admin/")
    checker.check("/admin/operations/")
    checker.check(reverse("admin:putcodes_sync_overview"))
    for changelist, change in admin_pages():
        checker.check(changelist)
        if change:
            checker.check(change)
    for extra in ("admin:works_work_import", "admin:invitations_invitation_invite", "admin:employments_employment_import"):
        try:
            checker.check(reverse(extra))
        except NoReverseMatch:
            pass
    # Unit staff: their index and operations page (figures of their unit only).
    librarian = UserFactory(username="librarian", is_staff=True)
    Unit.objects.get(code="library").staff.add(librarian)
    librarian.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["putcodes", "works"]))
    page.context.clear_cookies()
    sign_in(page, live_server.url, "librarian")
    checker.check("/admin/", label="/admin/ (unit staff)")
    checker.check("/admin/operations/", label="/admin/operations/ (unit staff)")
    checker.check("/admin/works/work/", label="/admin/works/work/ (unit staff)")
    assert len(checker.checked) > 20
    assert not any(re.search(r"/admin/login/", where) for where in checker.checked)
    checker.assert_clean()
