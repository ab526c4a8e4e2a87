"""The benchmarks' one percentile (bench/common.py): nearest rank over the sorted timings, as
every bench table's p95 and p99 columns report it."""

from bench.common import percentile


def test_a_percentile_is_the_timing_that_far_through_the_sorted_timings():
    timings = [float(n) for n in range(100, 0, -1)]  # 1 … 100 ms, in any order
    assert (percentile(timings, 0.5), percentile(timings, 0.95), percentile(timings, 0.99)) == (
        51.0,
        95.0,
        99.0,
    )


def test_a_percentile_of_one_timing_is_that_timing():
    assert percentile([7.5], 0.99) == 7.5
