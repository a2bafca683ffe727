"""gunicorn settings, read from the working directory by `make serve` and the benchmarks.

The app is loaded once in the master and the workers are forked from it, so they share its
memory (code, templates, translations) instead of holding five copies: less RAM on a small
server and warmer CPU caches when the workers take turns. Each worker opens its own database
connections after the fork; none is shared between processes.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
preload_app = True


def when_ready(server):
    # What the master made while loading the app lives as long as the workers: keep the
    # garbage collector off it, so that collections in a worker do not copy those pages.
    gc.freeze()


def post_fork(server, worker):
    from lms.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # connections made before the fork stay the master's
