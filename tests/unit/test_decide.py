"""Scheduling decisions: Retry-After, max-age, <ttl>, forced refreshes."""

from newstui import decide

NOW = 1_700_000_000


def test_retry_after_wins_on_429_and_503():
    assert decide.next_due(NOW, status=429, error="HTTP 429", retry_after=120) == NOW + 120
    assert decide.next_due(NOW, status=503, error="HTTP 503", retry_after=7200) == NOW + 7200


def test_retry_after_is_capped_at_a_day():
    assert decide.next_due(NOW, status=429, error="x", retry_after=10**9) == NOW + decide.MAX_BACKOFF


def test_max_age_and_ttl_take_the_larger_but_never_below_interval():
    assert decide.next_due(NOW, status=200, error=None, max_age=60, interval=600) == NOW + 600
    assert decide.next_due(NOW, status=200, error=None, max_age=7200, ttl=3600, interval=600) == NOW + 7200
    assert decide.next_due(NOW, status=200, error=None, ttl=5400, interval=600) == NOW + 5400


def test_errors_retry_after_the_interval():
    assert decide.next_due(NOW, status=500, error="HTTP 500", interval=900) == NOW + 900


def test_forced_refresh_ignores_schedule():
    assert decide.is_due(NOW, NOW + 3600, force=True)
    assert not decide.is_due(NOW, NOW + 3600, force=False)
    assert decide.is_due(NOW, None, force=False)
    assert decide.is_due(NOW, NOW, force=False)


def test_moved_feed_is_fetched_at_its_new_address():
    assert decide.effective_url("http://a/old", "https://b/new") == "https://b/new"
    assert decide.effective_url("http://a/old", None) == "http://a/old"
