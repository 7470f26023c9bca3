"""A run collects cyclic garbage less often (putcodes.sync.collector), and puts the process's
own setting back when the last overlapping run ends."""

from __future__ import annotations

import gc

import pytest

from putcodes.sync.collector import RUN_THRESHOLD, relaxed_collection


@pytest.fixture
def default_threshold():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_a_run_raises_the_first_threshold_and_puts_it_back(default_threshold):
    with relaxed_collection():
        assert gc.get_threshold() == (RUN_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_runs_put_it_back_when_the_last_ends(default_threshold):
    first, second = relaxed_collection(), relaxed_collection()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold()[0] == RUN_THRESHOLD  # the second run is still going
    second.__exit__(None, None, None)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_of_the_process_is_kept(default_threshold):
    gc.set_threshold(50_000, 20, 20)
    with relaxed_collection():
        assert gc.get_threshold() == (50_000, 20, 20)
    assert gc.get_threshold() == (50_000, 20, 20)


def test_a_failing_run_puts_it_back_too(default_threshold):
    with pytest.raises(RuntimeError), relaxed_collection():
        raise RuntimeError("the run failed")
    assert gc.get_threshold() == (700, 10, 10)
