"""The Sphinx server as the Sphinx engine sees it: the config of its four indexes, and SphinxQL connections
(PyMySQL over the MySQL wire protocol; one per thread and process, statements sent in batches)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..errors import StoreError
from .protocol import TYPE_FIELDS


class SearchServerError(StoreError):
    """The search server does not answer, or refuses what we asked (503: the page says what to do)."""


def config_text(name: str, directory: Path, port: int, host: str = "127.0.0.1") -> str:
    """A complete searchd configuration for commgraph's four indexes under `directory` (tests start searchd
    with it; a deployment copies the index blocks into its own sphinx.conf)."""
    d = Path(directory)
    types = "\n".join(f"    rt_attr_multi_64 = e_{t}" for t in TYPE_FIELDS)
    return f"""
index {name}
{{
    type = rt
    path = {d / name}
    rt_field = title
    rt_field = body
    rt_field = titlex
    rt_field = bodyx
    rt_field = tags
    rt_attr_string = aid
    rt_attr_string = title_s
    rt_attr_string = date_s
    rt_attr_string = lang
    rt_attr_string = ekeys
    rt_attr_uint = day
    rt_attr_multi = gens
    rt_attr_multi = etypes
    rt_attr_multi_64 = entity
{types}
    charset_table = 0..9, a..z, _
    min_word_len = 1
    rt_mem_limit = 128M
}}

index {name}_keys
{{
    type = rt
    path = {d / (name + '_keys')}
    rt_field = k
    rt_attr_string = key
}}

index {name}_words
{{
    type = rt
    path = {d / (name + '_words')}
    rt_field = grams
    rt_attr_string = stem
    rt_attr_string = word
    rt_attr_uint = first
    rt_attr_uint = size
    charset_table = 0..9, a..z, _
    min_word_len = 1
}}

index {name}_text
{{
    type = rt
    path = {d / (name + '_text')}
    rt_field = body
    rt_attr_uint = unused
    morphology = stem_en
    charset_table = 0..9, A..Z->a..z, a..z, U+00C0..U+024F, U+3400..U+4DBF, U+4E00..U+9FFF, U+F900..U+FAFF
    min_word_len = 1
}}

searchd
{{
    listen = {host}:{port}:mysql41
    log = {d / 'searchd.log'}
    pid_file = {d / 'searchd.pid'}
    binlog_path = {d}
    binlog_flush = 1
    workers = threads
    max_packet_size = 32M
}}
"""


class Connections:
    """One SphinxQL connection per thread and process (a forked worker opens its own)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._local = threading.local()

    def cursor(self):
        import pymysql  # only deployments that choose this engine need the client

        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            try:
                conn = pymysql.connect(host=self.host, port=self.port, autocommit=True,
                                       client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
                                       connect_timeout=max(1, int(self.timeout)), read_timeout=self.timeout * 5 + 5,
                                       write_timeout=self.timeout * 5 + 5)
            except pymysql.err.OperationalError as exc:
                raise SearchServerError(f"the search server (searchd) at {self.host}:{self.port} does not answer "
                                        f"({exc.args[-1]}): start it, or point the setting search_server at it "
                                        "(docs/scaling.md)") from None
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn.cursor()

    def run(self, sql: str, args=None) -> list[tuple]:
        return self.batch([(sql, args)])[0]

    def batch(self, statements: list[tuple[str, object]]) -> list[list[tuple]]:
        """Several statements in one round trip, each one's rows. (searchd still evaluates the full-text match
        once per statement: at 1,000 articles the batch saved 17 % of a one-word search, nothing of a phrase.)"""
        import pymysql

        cursor = self.cursor()
        try:
            cursor.execute(";\n".join(cursor.mogrify(sql, args) for sql, args in statements))
            results = [list(cursor.fetchall())]
            while cursor.nextset():
                results.append(list(cursor.fetchall()))
            return results
        except pymysql.err.OperationalError as exc:
            self._local.conn = None  # a broken connection is not reused
            raise SearchServerError(f"the search server at {self.host}:{self.port} failed: {exc.args[-1]}") from None
        except pymysql.err.ProgrammingError as exc:
            message = str(exc.args[-1]).rstrip("\x00")
            if "unknown local index" in message or "no such index" in message:
                raise SearchServerError(f"the search server at {self.host}:{self.port} has no index for this: "
                                        f"{message}; declare the indexes of docs/scaling.md in its sphinx.conf")
            raise SearchServerError(f"the search server refused a request: {message}") from None
        finally:
            cursor.close()
