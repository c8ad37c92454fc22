"""Run the app under gunicorn (threads for I/O, SPARQL in the query worker pool; never the debugger)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from ..settings import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

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
