"""The shards .ci/run cuts the frozen-clock run into (``TALENT_TEST_SHARD=k/n``): together they run
every test once, and a malformed shard stops the run instead of running nothing."""
import pytest

from tests.conftest import take_shard


@pytest.mark.no_db
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_the_shards_run_every_test_once(n):
    items = [f"test_{i}" for i in range(10)]
    taken = []
    for k in range(1, n + 1):
        kept, dropped = take_shard(items, f"{k}/{n}")
        assert sorted(kept + dropped) == sorted(items)
        assert abs(len(kept) - len(items) / n) < 1
        taken += kept
    assert sorted(taken) == sorted(items)


@pytest.mark.no_db
@pytest.mark.parametrize("shard", ["0/3", "4/3", "3", "a/b", "1/0", ""])
def test_a_malformed_shard_is_refused(shard):
    with pytest.raises(pytest.UsageError):
        take_shard(["test_a"], shard)
