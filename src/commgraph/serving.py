"""Run the app under gunicorn (threads for I/O, SPARQL in the query worker pool; never the debugger).

Outside the server package on purpose: gunicorn's master (the arbiter) imports this module and never the app,
which its worker imports after the fork. With the app imported in the master (flask, rdflib, pyoxigraph, the
server's modules) the master held 52 MB resident at 10,000 articles, and every page of it counted again in the
worker; the master alone: 25 MB.
"""

from __future__ import annotations

import ctypes
import sys

from gunicorn.app.base import BaseApplication

from .settings import Settings

# How long a thread may hold the GIL while another waits (Python's default: 5 ms). Each time a request's thread
# waits on I/O or Oxigraph, it needs the GIL back, and waited up to the whole interval behind a busy search
# thread: beside an 8-client burst of costly searches (1,000 articles, two rounds each) 1 ms took a cheap
# search's p95 from 250 / 208 to 96 / 127 ms and /healthz's from 125 / 165 to 80 / 99 ms, and answered more
# of the costly searches (484 / 409 against 361 / 326).
SWITCH_INTERVAL = 0.001
# glibc's malloc gives threads arenas of their own (up to eight a core), and each keeps what its thread freed:
# with two, the server's resident memory after the bench's HTTP rows at 1,000 articles was 548 / 562 MB
# against 571 / 587 MB (two alternating rounds), for no measurable cost in the rows' latencies.
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # <malloc.h>


def fewer_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for the threads started from now on; False where the C library has no
    mallopt (not glibc), which changes nothing else."""
    try:
        return ctypes.CDLL(None).mallopt(M_ARENA_MAX, arenas) == 1
    except (OSError, AttributeError):
        return False


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from .server import create_app

        sys.setswitchinterval(SWITCH_INTERVAL)  # in the gunicorn worker, where the request threads run
        fewer_malloc_arenas()  # before gunicorn starts them
        app = create_app(self.settings, freeze_heap=True, warm_workers=True)
        # Here, in the gunicorn worker (not the master: no thread may cross its fork): the generation and the
        # query workers open in the background while the server starts listening.
        app.extensions["commgraph"].start_warming()
        return app


def serve(settings: Settings, workers: int = 1, threads: int = 8) -> None:
    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # Requests that are not SPARQL are short; SPARQL has its own kill-on-timeout pool.
        "timeout": int(settings.query_timeout) + 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "access_log_format": '{"remote":"%(h)s","request":"%(r)s","status":%(s)s,"bytes":"%(b)s","ms":%(M)s}',
    }
    _Gunicorn(settings, options).run()
