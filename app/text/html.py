"""Main-text extraction from raw HTML with trafilatura."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The article's title and main text; navigation, comments and footers are left out."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if document is None:
        return Extracted(title=None, text="")
    if isinstance(document, dict):  # trafilatura's older result type
        return Extracted(title=document.get("title") or None, text=document.get("text") or "")
    return Extracted(title=document.title or None, text=document.text or "")
