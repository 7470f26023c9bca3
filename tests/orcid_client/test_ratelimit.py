"""The client-side rate limit: a burst, then the configured rate, shared across threads and processes."""

import os
import threading
import time

import pytest

from orcid_client import ratelimit


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_local_bucket_allows_the_burst_then_paces_at_the_rate():
    clock = FakeClock()
    bucket = ratelimit.LocalTokenBucket(10, 5, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits == [0.0] * 5
    start = clock.now
    for _ in range(10):
        bucket.acquire()
    # Ten more requests at 10/s take one second.
    assert clock.now - start == pytest.approx(1.0)


def test_local_bucket_refills_while_idle_up_to_the_burst():
    clock = FakeClock()
    bucket = ratelimit.LocalTokenBucket(10, 5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        bucket.acquire()
    clock.now += 60  # idle for a minute: the bucket holds 5, not 600
    assert [bucket.acquire() for _ in range(5)] == [0.0] * 5
    assert bucket.acquire() > 0


def test_local_bucket_is_shared_by_threads():
    bucket = ratelimit.LocalTokenBucket(200, 10)
    started = time.monotonic()

    def work():
        for _ in range(15):
            bucket.acquire()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 60 requests, 10 free, 50 at 200/s: at least 0.25 s however the threads interleave.
    assert time.monotonic() - started >= 0.24


def test_default_limiter_without_redis_is_a_file_the_machines_processes_share(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.VAR_DIR = tmp_path
    settings.ORCID_REQUESTS_PER_SECOND = 24
    settings.ORCID_BURST = 40
    limiter = ratelimit.default_rate_limiter()
    assert isinstance(limiter, ratelimit.FileTokenBucket) and limiter.path.parent == tmp_path
    assert limiter is ratelimit.default_rate_limiter()  # one per process, so threads share it


def test_two_file_buckets_on_one_file_are_one_bucket(tmp_path):
    # As two processes of one machine (the web and the scheduler): 3 at once, then 2 a second.
    now = [100.0]
    first, second = (ratelimit.FileTokenBucket(tmp_path / "b", rate=2, burst=3, clock=lambda: now[0])
                     for _ in range(2))
    assert [first.reserve(), second.reserve(), first.reserve()] == [0.0, 0.0, 0.0]
    assert second.reserve() == pytest.approx(0.5) and first.reserve() == pytest.approx(1.0)
    now[0] += 1.0
    assert second.reserve() == pytest.approx(0.5)


def _drain(path: str) -> None:
    bucket = ratelimit.FileTokenBucket(path, rate=0.001, burst=3)
    for _ in range(3):
        bucket.reserve()


def test_another_process_draws_from_the_same_file(tmp_path):
    import multiprocessing

    path = str(tmp_path / "bucket")
    child = multiprocessing.get_context("spawn").Process(target=_drain, args=(path,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    # The child took the whole burst; at 0.001 tokens a second the next one is ~1,000 s away.
    assert ratelimit.FileTokenBucket(path, rate=0.001, burst=3).reserve() > 500


def test_a_bucket_file_from_before_a_reboot_counts_as_full(tmp_path):
    path = tmp_path / "bucket"
    path.write_bytes(ratelimit.FileTokenBucket._STATE.pack(-50.0, 1e12))  # a stamp ahead of the clock
    assert ratelimit.FileTokenBucket(path, rate=1, burst=2).reserve() == 0.0


REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")


@pytest.fixture
def redis_db():
    client = ratelimit.redis_connection(REDIS_URL, db=15)
    yield client
    client.close()


@pytest.mark.redis
@needs_redis
def test_redis_bucket_is_shared_between_two_limiters(redis_db):
    key = ratelimit.unique_bucket_key()
    # One token per 2 s (nothing sleeps: reservations only), so a stall of the machine between
    # two calls (up to a second) cannot change what they answer.
    first = ratelimit.RedisTokenBucket(redis_db, 0.5, 4, key=key, sleep=lambda s: None)
    second = ratelimit.RedisTokenBucket(redis_db, 0.5, 4, key=key, sleep=lambda s: None)
    # The burst of 4 is shared: 2 from each limiter use it up, the fifth call must wait.
    assert [first.reserve(), second.reserve(), first.reserve(), second.reserve()] == [0, 0, 0, 0]
    wait = first.reserve()
    assert 1 < wait <= 2.01  # a token's time, less what passed since the burst
    # The next one queues behind it (reservation), from the other limiter: one more token's time.
    assert wait + 1 < second.reserve() <= wait + 2.01
    redis_db.delete(key)


@pytest.mark.redis
@needs_redis
def test_redis_bucket_paces_concurrent_limiters_at_the_rate(redis_db):
    key = ratelimit.unique_bucket_key()
    limiters = [ratelimit.RedisTokenBucket(redis_db, 50, 5, key=key) for _ in range(3)]
    started = time.monotonic()

    def work(limiter):
        for _ in range(10):
            limiter.acquire()

    threads = [threading.Thread(target=work, args=(lim,)) for lim in limiters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 30 requests, 5 free, 25 at 50/s: at least half a second (a busy machine may take longer;
    # the bound is only there to catch waits that pile up).
    assert 0.45 <= time.monotonic() - started < 30
    redis_db.delete(key)


def test_redis_bucket_falls_back_to_the_process_when_redis_is_down():
    client = ratelimit.redis_connection("redis://127.0.0.1:1/15", socket_connect_timeout=0.2)
    bucket = ratelimit.RedisTokenBucket(client, 10, 2, key=ratelimit.unique_bucket_key(), sleep=lambda s: None)
    assert bucket.reserve() == 0
    assert bucket.reserve() == 0
    assert bucket.reserve() > 0
