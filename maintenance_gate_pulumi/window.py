"""The initial window document: validated with the gate's own parser before anything is created."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gate.window.document import EMPTY_DOCUMENT, MAX_DOCUMENT_BYTES, WindowDocumentError, parse_document, parse_mapping


class InitialWindowError(ValueError):
    """Raised when the initial window is not a document the gate would accept; names where it came from."""


def initial_window_text(value: str | Mapping[str, Any] | None, source: str) -> str:
    """The canonical text to store in the parameter; ``source`` names the config key or argument.

    A mapping goes through ``parse_mapping`` and text through ``parse_document``; what
    is stored (the canonical text where it fits) is parsed once more, so it is exactly
    what the gate and the CLI accept, within the parameter's size limit.
    """
    try:
        if value is None:
            document = EMPTY_DOCUMENT
        elif isinstance(value, str):
            document = parse_document(value)
        else:
            document = parse_mapping(dict(value))
        text = document.dumps()
        if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            # Pretty-printing can push a document that fits over the limit: keep the
            # form that was accepted instead of refusing it.
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        parse_document(text)
    except WindowDocumentError as exc:
        raise InitialWindowError(f"{source}: {exc}") from None
    return text
