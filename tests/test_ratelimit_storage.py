"""Rate limits shared by every worker process: the SQLite-file storage."""

import multiprocessing

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


def _hit(uri, results):
    try:
        import lms.ratelimit_storage  # noqa: F401 - registers the scheme in the child

        limiter = FixedWindowRateLimiter(storage_from_string(uri))
        results.put(sum(limiter.hit(parse("5 per minute"), "login", "someone") for _ in range(4)))
    except Exception as error:  # reported to the test rather than lost with the child
        results.put(repr(error))


def test_counters_are_shared_between_processes(tmp_path):
    import lms.ratelimit_storage  # noqa: F401

    uri = f"lmsdb://{tmp_path / 'limits.sqlite3'}"
    results = multiprocessing.get_context("spawn").Queue()
    workers = [multiprocessing.get_context("spawn").Process(target=_hit, args=(uri, results))
               for _ in range(3)]
    for w in workers:
        w.start()
    counts = [results.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(30)
    assert all(isinstance(n, int) for n in counts), counts
    allowed = sum(counts)
    assert allowed == 5  # 12 hits from three processes, one shared limit of 5
    limiter = FixedWindowRateLimiter(storage_from_string(uri))
    assert not limiter.test(parse("5 per minute"), "login", "someone")
    assert limiter.test(parse("5 per minute"), "login", "someone-else")


def test_app_uses_the_shared_storage_by_default(tmp_path):
    from lms import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("lmsdb://")
    assert app.config["RATELIMIT_STORAGE_URI"].endswith("ratelimits.sqlite3")


def test_a_refund_gives_a_place_back(tmp_path):
    """lms.auth.limits takes a place before checking a guess and gives it back on success."""
    import lms.ratelimit_storage  # noqa: F401

    storage = storage_from_string(f"lmsdb://{tmp_path / 'limits.sqlite3'}")
    limiter = FixedWindowRateLimiter(storage)
    item = parse("2 per minute")
    assert limiter.hit(item, "pin") and limiter.hit(item, "pin")
    assert not limiter.hit(item, "pin")
    key = item.key_for("pin")
    assert storage.incr(key, item.get_expiry(), amount=-1) == 2
    assert storage.incr(key, item.get_expiry(), amount=-1) == 1
    assert limiter.hit(item, "pin") and not limiter.hit(item, "pin")


def test_a_late_refund_never_lends_a_try(tmp_path):
    """A refund that arrives after its window ended (or for a counter never made) leaves 0,
    not -1, so the next window still allows exactly its limit."""
    import lms.ratelimit_storage  # noqa: F401

    storage = storage_from_string(f"lmsdb://{tmp_path / 'limits.sqlite3'}")
    assert storage.incr("never-hit", 60, amount=-1) == 0
    assert storage.incr("expired", -1, amount=1) == 1  # a window that has already ended
    assert storage.incr("expired", 60, amount=-1) == 0
    assert storage.incr("expired", 60) == 1


def test_a_counter_starts_again_when_its_window_ends(tmp_path):
    import time

    import lms.ratelimit_storage  # noqa: F401

    storage = storage_from_string(f"lmsdb://{tmp_path / 'limits.sqlite3'}")
    assert [storage.incr("k", 1) for _ in range(3)] == [1, 2, 3]
    time.sleep(1.1)
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1 and storage.get_expiry("k") > time.time() + 50
