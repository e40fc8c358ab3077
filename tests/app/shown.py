"""What a Markdown string escaped with ``configlib.safe_text.md`` shows on screen.

AppTest hands back the Markdown source of each element; names and messages in it are escaped
(``qwen3\\-32b``). Tests that look for a name compare what the user sees.
"""

from __future__ import annotations

import re

from configlib.safe_text import MARKDOWN_SPECIALS

_ESCAPED = re.compile(r"\\([" + re.escape(MARKDOWN_SPECIALS) + r"])")


def shown(markdown: str) -> str:
    """The visible text of escaped Markdown: escapes and zero-width breaks removed."""
    return _ESCAPED.sub(r"\1", markdown).replace("\u200b", "")
