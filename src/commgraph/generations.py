"""Immutable generations under the data directory, switched atomically through a `current` symlink.

    data/current -> generations/g000007      (the only thing readers follow)
    data/generations/g000007/{store/, index/, manifest.json}
    data/ingest.lock                          (one writer at a time)

A new generation starts as a copy of the current one (an Oxigraph backup and hard links of Whoosh's files,
which Whoosh never rewrites in place), receives the change, is verified, gets its manifest and is fsynced;
only then does `current` move. A reader therefore sees the old or the new generation, never a mix.

The manifest also records the size and sha256 of every store and index file (`files`), so that damage on
disk is found: the server compares sizes when it opens a generation (a stat per file), `commgraph check`
and `ingest --rebuild` compare checksums, and a damaged `current` is served around with the newest intact
generation. Generation numbers come from the directories on disk, never only from `current` (which can be
pointed back by hand).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Iterator

from .errors import IngestLocked, StoreError

MANIFEST = "manifest.json"
# Files the libraries rewrite or recreate for their own housekeeping (RocksDB's info log and lock, Whoosh's
# write lock): not data, so not checksummed.
HOUSEKEEPING = re.compile(r"(LOG|LOG\.old\..*|LOCK|.*WRITELOCK|.*\.lock)")
GENERATION_NAME = re.compile(r"g(\d{6,})")


def generations_dir(data_dir: Path) -> Path:
    return data_dir / "generations"


def current_path(data_dir: Path) -> Path | None:
    """The directory of the current generation, or None before the first ingest."""
    link = data_dir / "current"
    try:
        target = os.readlink(link)
    except (FileNotFoundError, OSError):
        return None
    path = (data_dir / target).resolve() if not os.path.isabs(target) else Path(target)
    return path if (path / MANIFEST).exists() else None


@dataclass
class ArticleEntry:
    """What a generation records of one article: its content hash (an unchanged article is skipped), where it
    came from, and its counts. The source fields (author ... pages) let a rebuild from the store keep them."""

    hash: str
    title: str
    source: str
    date: str | None = None
    url: str | None = None
    entities: int = 0
    figures: int = 0
    quads: int = 0
    author: str | None = None
    site_name: str | None = None
    fetched_sha256: str | None = None  # SHA-256 of the bytes fetched from `source` (a URL)
    pages: list[int] | None = None  # a PDF's page offsets

    _OPTIONAL = ("author", "site_name", "fetched_sha256", "pages")  # written only when set, as before

    def to_json(self) -> dict[str, Any]:
        # The fields read directly, not through dataclasses.asdict, whose deep copy cost 0.44 s for the
        # 11,000 entries a 10,000-article manifest holds on every ingest (0.07 s so; sparql-scale, add-one)
        return {name: list(value) if isinstance(value, list) else value for name in _ENTRY_FIELDS
                if (value := getattr(self, name)) or name not in self._OPTIONAL}


_ENTRY_FIELDS = tuple(f.name for f in fields(ArticleEntry))


@dataclass
class Manifest:
    """A generation's manifest.json: what it holds and how it was made.

    `files` ({path inside the generation: {"size", "sha256"}}) is None in generations made before data format
    7; `rules` and `format` are those of the last ingest that re-derived every article (a rebuild is due when
    they differ from the running code's)."""

    generation: int = 0
    articles: dict[str, ArticleEntry] = field(default_factory=dict)
    created: str | None = None
    model: str | None = None
    rules: str | None = None
    format: int | None = None
    base_iri: str | None = None
    totals: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict] | None = None

    @classmethod
    def from_json(cls, data: Any, where: str = MANIFEST) -> "Manifest":
        """The manifest from its parsed JSON; a ValueError naming `where` and the bad part otherwise."""
        if not isinstance(data, dict) or not isinstance(data.get("articles", {}), dict):
            raise ValueError(f"{where}: not a manifest (an object with an `articles` object expected)")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        entry_fields = {f.name for f in fields(ArticleEntry)}
        try:
            values["articles"] = {article_id: ArticleEntry(**{k: v for k, v in entry.items() if k in entry_fields})
                                  for article_id, entry in data.get("articles", {}).items()}
        except (TypeError, AttributeError) as exc:
            raise ValueError(f"{where}: an article entry is malformed ({exc})") from None
        if not isinstance(values.get("files", {}), (dict, type(None))):
            raise ValueError(f"{where}: `files` is not an object")
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["articles"] = {article_id: entry.to_json() for article_id, entry in self.articles.items()}
        if self.files is None:
            del data["files"]
        return data


def read_manifest(generation: Path) -> Manifest:
    """A generation's manifest; OSError when it cannot be read, ValueError when it is not a manifest."""
    path = generation / MANIFEST
    with path.open(encoding="utf-8") as handle:
        return Manifest.from_json(json.load(handle), where=f"{generation.name}/{MANIFEST}")


@contextlib.contextmanager
def ingest_lock(data_dir: Path, timeout: float) -> Iterator[None]:
    """Hold the single-writer lock; wait up to `timeout` seconds, then refuse clearly."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "ingest.lock", "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IngestLocked(f"ingest already running on {data_dir} (waited {timeout:g} s); "
                                       "wait for it to finish and run the command again") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_generation(data_dir: Path) -> Path:
    """A fresh working directory for the next generation (not yet visible to readers)."""
    root = generations_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    work = root / f"tmp-{os.getpid()}-{time.time_ns()}"
    work.mkdir()
    return work


def publish(data_dir: Path, work: Path, manifest: Manifest, previous: Path | None = None) -> Path:
    """Record every file's size and checksum in the manifest, write it, fsync everything, rename into place
    and switch `current` atomically. `previous`: the generation `work` was copied from (its checksums are
    reused for the files both share)."""
    manifest.files = file_digests(work, previous)
    with (work / MANIFEST).open("w", encoding="utf-8") as handle:
        # Compact, in one call: json.dump with an indent runs Python's pure-Python encoder (66 ms for the
        # 10,000-article manifest on every ingest; 23 ms like this). `python -m json.tool` shows it indented.
        handle.write(json.dumps(manifest.to_json(), sort_keys=True, separators=(",", ":")))
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_tree(work)
    final = generations_dir(data_dir) / f"g{manifest.generation:06d}"
    os.rename(work, final)
    _fsync_dir(final.parent)
    tmp_link = data_dir / f"current.tmp-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    os.symlink(os.path.relpath(final, data_dir), tmp_link)
    os.replace(tmp_link, data_dir / "current")
    _fsync_dir(data_dir)
    return final


def collect_garbage(data_dir: Path, keep: int) -> list[Path]:
    """Remove unfinished work directories and all but the newest `keep` generations (never the current one)."""
    root = generations_dir(data_dir)
    if not root.exists():
        return []
    current = current_path(data_dir)
    finished = sorted(p for p in root.iterdir() if p.name.startswith("g") and p.is_dir())
    doomed = [p for p in root.iterdir() if p.name.startswith("tmp-")]
    doomed += [p for p in finished[:-keep] if p != current]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    for stale in data_dir.glob("current.tmp-*"):
        stale.unlink(missing_ok=True)
    return doomed


def next_number(data_dir: Path, manifest: Manifest) -> int:
    """The next generation's number: past every generation on disk as well as the one `manifest` describes
    (`current` pointed back by hand must not make the next ingest collide with an existing directory)."""
    return max([manifest.generation, *(_number(p) for p in finished_generations(data_dir))]) + 1


def finished_generations(data_dir: Path) -> list[Path]:
    """Published generations on disk, newest (highest number) first."""
    root = generations_dir(data_dir)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if GENERATION_NAME.fullmatch(p.name) and p.is_dir()]
    return sorted(found, key=_number, reverse=True)


def current_target(data_dir: Path) -> Path | None:
    """Where `current` points, whether or not a generation is there (None when there is no link)."""
    link = data_dir / "current"
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return (data_dir / target).resolve() if not os.path.isabs(target) else Path(target)


def file_digests(generation: Path, previous: Path | None = None) -> dict[str, dict]:
    """{path inside the generation: {"size", "sha256"}} for every store and index file.

    A file hard-linked from `previous` (Oxigraph's checkpoint and the index copy link every unchanged file)
    keeps the checksum recorded there: an update reads only the files it wrote, O(the change)."""
    known: dict[str, dict] = {}
    if previous is not None:
        # Only its `files`: the whole manifest made 11,000 article entries for nothing (~0.1 s of an add at
        # 10,000 articles). Anything unexpected there only means every file is hashed again.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            with (previous / MANIFEST).open(encoding="utf-8") as handle:
                recorded = json.load(handle).get("files")
            known = recorded if isinstance(recorded, dict) else {}
    digests = {}
    for rel in _data_files(generation):
        path = generation / rel
        stat = path.stat()
        old = known.get(rel)
        if old is not None and old["size"] == stat.st_size and _same_file(stat, previous / rel):
            digests[rel] = old
        else:
            digests[rel] = {"size": stat.st_size, "sha256": _sha256(path)}
    return digests


def size_problems(generation: Path, manifest: Manifest) -> list[str]:
    """Files of the generation that are missing or whose size differs from the manifest (a stat each: cheap
    enough for the server to run whenever it opens a generation)."""
    problems = []
    for rel, recorded in sorted((manifest.files or {}).items()):
        try:
            size = (generation / rel).stat().st_size
        except FileNotFoundError:
            problems.append(f"{generation.name}/{rel} is missing")
            continue
        if size != recorded["size"]:
            problems.append(f"{generation.name}/{rel} has {size} bytes, the manifest recorded {recorded['size']} "
                            "(truncated or replaced)")
    return problems


def damage(generation: Path, checksums: bool = True, manifest: Manifest | None = None) -> list[str]:
    """What is wrong with a generation's files: an unreadable manifest, missing files, wrong sizes and (with
    `checksums`, which reads every file) changed contents. Empty when intact. `manifest`: the generation's,
    when the caller has read it already (3.2 MB at 10,000 articles: ~0.1 s to read)."""
    if manifest is None:
        try:
            manifest = read_manifest(generation)
        except (OSError, ValueError) as exc:
            return [f"{generation.name}/{MANIFEST} cannot be read ({exc})"]
    if manifest.files is None:
        return []  # made before the manifest recorded files (data format < 7): nothing to compare
    problems = size_problems(generation, manifest)
    if checksums and not problems:
        for rel, recorded in sorted(manifest.files.items()):
            try:
                digest = _sha256(generation / rel)
            except OSError as exc:
                problems.append(f"{generation.name}/{rel} cannot be read ({exc.strerror})")
                continue
            if digest != recorded["sha256"]:
                problems.append(f"{generation.name}/{rel} does not match its checksum (its contents are damaged)")
    return problems


def candidates(data_dir: Path) -> list[Path]:
    """Generations to serve or rebuild from, in order of preference: `current`, then the others newest first."""
    target = current_target(data_dir)
    others = [p for p in finished_generations(data_dir) if p != target]
    return ([target] if target is not None and target.is_dir() else []) + others


def ingest_source(data_dir: Path, recover: bool, checksums: bool = False) -> tuple[Path | None, list[str]]:
    """The generation an ingest starts from (None: an empty start), and what is wrong with `current` when
    another one was chosen instead.

    `current` is checked cheaply (manifest, file sizes; `checksums` also reads every file). A plain ingest
    copies it, which would carry damage on, so a damaged `current` is refused with what to do. `recover`
    (a rebuild) takes the newest generation whose checksums verify instead, or none: then only the given
    files land.
    """
    target = current_target(data_dir)
    if target is None and not finished_generations(data_dir):
        return None, []
    if target is None:
        problems = [f"{data_dir / 'current'} is missing, though generations exist in {generations_dir(data_dir)}"]
    elif not target.is_dir():
        problems = [f"{data_dir / 'current'} points to {target}, which does not exist"]
    else:
        problems = damage(target, checksums=checksums)
        if not problems:
            return target, []
    if not recover:
        raise StoreError(f"the current generation is damaged: {'; '.join(problems[:3])}. Run `commgraph check` "
                         "for details, then `commgraph ingest --rebuild [PATH ...]`: it rebuilds from the newest "
                         "intact generation (and the files given)")
    for candidate in candidates(data_dir):
        if candidate != target and not damage(candidate, checksums=True):
            return candidate, problems
    return None, problems


def require_current(data_dir: Path) -> Path:
    path = current_path(data_dir)
    if path is None and (current_target(data_dir) is not None or finished_generations(data_dir)):
        raise StoreError(f"{data_dir / 'current'} does not lead to a generation with a manifest: run "
                         "`commgraph ingest --rebuild` (it rebuilds from the newest intact generation)")
    if path is None and data_dir.exists() and not data_dir.is_dir():
        raise StoreError(f"{data_dir} is a file, not a data directory: point --data-dir (COMMGRAPH_DATA_DIR) at a "
                         "directory, or run `commgraph ingest corpus/` with one")
    if path is None:
        raise StoreError(f"no data in {data_dir}: run `commgraph ingest corpus/` first (or `make run`), or point "
                         "--data-dir (COMMGRAPH_DATA_DIR) at the directory holding the data")
    return path


def _number(path: Path) -> int:
    return int(path.name[1:])


def _data_files(generation: Path) -> list[str]:
    found = []
    for dirpath, _, filenames in os.walk(generation):
        for name in filenames:
            if name != MANIFEST and not HOUSEKEEPING.fullmatch(name):
                found.append(os.path.relpath(os.path.join(dirpath, name), generation))
    return sorted(found)


def _same_file(stat: os.stat_result, other: Path) -> bool:
    try:
        linked = other.stat()
    except OSError:
        return False
    return (linked.st_ino, linked.st_dev) == (stat.st_ino, stat.st_dev)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """fsync what this generation wrote. A file with other hard links is shared with an earlier generation
    that already made it durable, so the cost stays O(the change) rather than O(the store)."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.stat(path).st_nlink > 1:
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))
