"""Published material fetched at run time from pinned addresses, cached, with its sha256 recorded.

Nothing of a published prompt, template or dataset is typed into this repository: a protocol or dataset
names a URL pinned to a commit (or hub revision), `fetch_pinned` downloads it once into the cache and
returns its bytes. Offline, or when the address cannot be reached, it fails before any model call, naming
the URL and how to pass a local copy instead.

Environment:
- `AF_INSPECT_CACHE`: the cache folder (default `$XDG_CACHE_HOME/af-inspect`, else `~/.cache/af-inspect`);
  fetched sources go under `sources/`.
- `AF_INSPECT_SOURCE_MIRROR`: a base URL that replaces the scheme and host of every pinned address (the
  path is kept), for an internal mirror, or a local server in tests.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from af_inspect.core.errors import UsageError

CACHE_ENV = "AF_INSPECT_CACHE"
MIRROR_ENV = "AF_INSPECT_SOURCE_MIRROR"
TIMEOUT_SECONDS = 30.0


class SourceError(UsageError):
    """A pinned source could not be fetched (or read); the message says where from and what to do instead."""


def cache_dir() -> Path:
    """`$AF_INSPECT_CACHE`, else `$XDG_CACHE_HOME/af-inspect`, else `~/.cache/af-inspect`."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "af-inspect"


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def short_sha(sha256: str | dict[str, str] | None) -> str:
    """A prompt's sha256 cut to 12 characters; a paraphrase ensemble's as `a:<12>, b:<12>, ...`."""
    if isinstance(sha256, dict):
        return ", ".join(f"{name}:{str(h)[:12]}" for name, h in sha256.items())
    return str(sha256 or "")[:12]


def mirrored(url: str) -> str:
    """The address actually requested: `url`, or the same path under `$AF_INSPECT_SOURCE_MIRROR`."""
    mirror = os.environ.get(MIRROR_ENV, "").rstrip("/")
    if not mirror:
        return url
    parts = urllib.parse.urlsplit(url)
    return f"{mirror}{parts.path}" + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class Fetched:
    """A fetched source: its bytes, the pinned URL it stands for, and their sha256."""

    url: str
    data: bytes

    @property
    def sha256(self) -> str:
        return sha256(self.data)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


def cached_path(url: str) -> Path:
    """Where the bytes of a pinned `url` are cached."""
    return (
        cache_dir() / "sources" / sha256(url)[:16] / (Path(urllib.parse.urlsplit(url).path).name or "source")
    )


def fetch_pinned(url: str, what: str, instead: str) -> Fetched:
    """The bytes at a pinned `url`, from the cache or fetched once.

    Args:
        url: The pinned address (a commit or revision in its path).
        what: What it is, for the error message ("the rw_minimal system prompt").
        instead: How to pass a local copy instead, for the error message ("-T system_prompt=PATH").
    """
    cached = cached_path(url)
    if cached.is_file():
        return Fetched(url, cached.read_bytes())
    address = mirrored(url)
    try:
        with urllib.request.urlopen(address, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (pinned https)
            data = response.read()
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise SourceError(
            f"Could not fetch {what} from {address} ({reason}). It is fetched at run time from a pinned "
            f"address and cached; offline, pass a local copy instead: {instead}."
        ) from None
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(cached.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(cached)
    return Fetched(url, data)
