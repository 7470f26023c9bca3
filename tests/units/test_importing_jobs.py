"""The admin's upload as a background job (units/importing/jobs.py, issue 11): a large file
becomes an ImportJob run by a Celery task (broker) or a thread (no broker), whose page shows
its progress and then its report; a small one is imported during the request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from employments.models import Employment
from tests.fixtures.employments import EmploymentFactory, HrUnitFactory
from tests.fixtures.works import UnitFactory, UserFactory
from units.importing import jobs
from units.importing.jobs import import_job_create, import_job_run
from units.models import ImportJob
from works.models import Work

WORKS_CSV = (
    "institutional_id,local_id,title,subtitle,type,publication_date,journal,doi,pmid,pmcid,isbn,arxiv,url,contributors,public\n"
    "ada,lib-1,Notes,,journal-article,2019,,10.5555/a.1,,,,,,,true\n"
    "ada,lib-2,Bad,,journal-article,2019,,not-a-doi,,,,,,,true\n"
)
HR_HEADER = "institutional_id,local_id,department,role_title,start_date,end_date\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_INLINE_MAX_BYTES = 10  # every upload of these tests goes to a job
    return settings.MEDIA_ROOT


@pytest.fixture
def boss():
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.mark.django_db
def test_a_large_upload_becomes_a_job_whose_page_follows_it_to_its_report(boss, django_capture_on_commit_callbacks, media):
    unit = UnitFactory(code="library")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = boss.post("/admin/works/work/import/", {"unit": unit.pk, "file": upload("works.csv", WORKS_CSV)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/works/work/import/{job.pk}/"
    assert len(callbacks) == 1  # the job starts once the upload's transaction commits
    assert (job.kind, job.unit, job.state, job.file_name) == ("works", unit, "queued", "works.csv")
    assert (media / job.file.name).read_text() == WORKS_CSV

    waiting = boss.get(response["Location"]).content.decode()
    assert "Queued" in waiting and 'http-equiv="refresh"' in waiting
    assert not Work.objects.exists()

    import_job_run(job=job)  # what the thread or the Celery worker does

    page = boss.get(response["Location"]).content.decode()
    assert "Created 1, updated 0, unchanged 0, rejected 1." in page
    assert "line 3" in page and "is not a DOI" in page and 'http-equiv="refresh"' not in page
    job.refresh_from_db()
    assert (job.state, job.rows_total, job.rows_done) == ("done", 2, 2)
    assert job.report.splitlines()[-1] == "created=1 updated=0 unchanged=0 rejected=1"
    assert not job.file and not list(media.rglob("*.csv"))  # no copy of people's data is kept
    assert Work.objects.get().local_id == "lib-1"


@pytest.mark.django_db
def test_with_a_broker_the_job_is_a_celery_task_queued_on_commit(boss, settings, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    from units import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.import_job_task, "delay", queued.append)
    monkeypatch.setattr(jobs, "_thread_start", lambda job_id: pytest.fail("no thread with a broker"))
    unit = UnitFactory(code="library")
    with django_capture_on_commit_callbacks(execute=True):
        boss.post("/admin/works/work/import/", {"unit": unit.pk, "file": upload("works.csv", WORKS_CSV)})
    assert queued == [ImportJob.objects.get().pk]
    tasks.import_job_task(queued[0])
    assert ImportJob.objects.get().state == "done" and Work.objects.count() == 1


@pytest.mark.django_db
def test_without_a_broker_the_job_runs_in_a_thread_of_the_process(boss, monkeypatch, django_capture_on_commit_callbacks):
    started = []
    monkeypatch.setattr(jobs, "_thread_start", started.append)
    unit = UnitFactory(code="library")
    with django_capture_on_commit_callbacks(execute=True):
        boss.post("/admin/works/work/import/", {"unit": unit.pk, "file": upload("works.csv", WORKS_CSV)})
    assert started == [ImportJob.objects.get().pk]


@pytest.mark.django_db(transaction=True)
def test_the_thread_imports_the_file_and_ends_the_job():
    unit = UnitFactory(code="library")
    job = import_job_create(kind="works", unit=unit, upload=upload("works.csv", WORKS_CSV))
    jobs._thread_start(job.pk).join(timeout=120)
    job.refresh_from_db()
    assert job.state == "done" and job.counts["created"] == 1 and job.counts["rejected_count"] == 1


@pytest.mark.django_db
def test_a_file_refused_whole_fails_its_job_with_the_reason(boss):
    hr = HrUnitFactory()
    job = import_job_create(kind="employments", unit=hr,
                            upload=SimpleUploadedFile("hr.csv", (HR_HEADER + "ada,E1,Caf\xe9,Prof,2019,\n")
                                                      .encode("latin-1")))
    import_job_run(job=job)
    job.refresh_from_db()
    assert job.state == "failed" and "hr.csv: the file is not UTF-8 text (line 2); nothing was imported" in job.error
    page = boss.get(f"/admin/employments/employment/import/{job.pk}/").content.decode()
    assert "not UTF-8 text (line 2)" in page
    assert not Employment.objects.exists()


@pytest.mark.django_db
def test_the_employments_upload_passes_its_options_to_the_job(boss, django_capture_on_commit_callbacks):
    hr = HrUnitFactory()
    EmploymentFactory(unit=hr, local_id="OLD", start_year=2010)
    with django_capture_on_commit_callbacks(execute=False):
        boss.post("/admin/employments/employment/import/", {
            "unit": hr.pk, "delete_missing": "on",
            "file": upload("hr.csv", HR_HEADER + "ada,E1,Chemistry,Professor,2019,\n")})
    job = ImportJob.objects.get()
    assert job.options == {"snapshot": True, "delete_missing": True, "allow_mass_removal": False}
    import_job_run(job=job)
    page = boss.get(f"/admin/employments/employment/import/{job.pk}/").content.decode()
    assert "Created 1, updated 0, unchanged 0, restored 0, ended 0, removed 1, rejected 0." in page
    assert Employment.objects.get(local_id="OLD").removed_at is not None


@pytest.mark.django_db
def test_staff_see_only_their_units_jobs():
    library, law = UnitFactory(code="library"), UnitFactory(code="law")
    job = import_job_create(kind="works", unit=law, upload=upload("works.csv", WORKS_CSV))
    staff = UserFactory(username="librarian", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="works"))
    library.staff.add(staff)
    client = Client()
    client.force_login(staff)
    assert client.get(f"/admin/works/work/import/{job.pk}/").status_code == 403
    assert "works.csv" not in client.get("/admin/works/work/import/").content.decode()


@pytest.mark.django_db
def test_a_job_that_stopped_moving_says_so_and_jobs_are_listed_for_operations(boss):
    import datetime as dt

    from django.utils import timezone

    job = import_job_create(kind="works", unit=UnitFactory(code="library"), upload=upload("works.csv", WORKS_CSV))
    ImportJob.objects.filter(pk=job.pk).update(state="running", updated_at=timezone.now() - dt.timedelta(minutes=11))
    page = boss.get(f"/admin/works/work/import/{job.pk}/").content.decode()
    assert "No progress since" in page and 'http-equiv="refresh"' not in page
    listing = boss.get("/admin/units/importjob/").content.decode()
    assert "works.csv" in listing and "Running" in listing
