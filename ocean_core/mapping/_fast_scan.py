"""The lexical layer of the fast-subset parser: tokens, and the string-literal node family
(plain strings, ``\\u`` escapes and ``"x\\(e)y"`` interpolation).

``Scanner`` is the base of ``_fast_parse._Parser``, which adds the grammar; an interpolation
hands its embedded expression back to that grammar through ``pipe()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_SAFE_INT = 2**53


class Unsupported(Exception):
    """The expression is outside the fast subset (or not valid jq)."""


@dataclass(frozen=True)
class Node:
    """One AST node: ``kind`` says what it is, ``value`` holds its datum, ``kids`` its operands."""

    kind: str
    value: Any = None
    kids: tuple[Node, ...] = ()


IDENTITY = Node("identity")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class Scanner:
    """A position in the expression text, and the token and string readers at it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def pipe(self) -> Node:
        """A whole expression (the grammar's lowest level); the parser defines it."""
        raise NotImplementedError

    # -- tokens ---------------------------------------------------------------------------------

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1
        if self.pos < len(self.text) and self.text[self.pos] == "#":
            raise Unsupported("comments")

    def peek(self, token: str) -> bool:
        self.skip()
        if not self.text.startswith(token, self.pos):
            return False
        if token[-1].isalpha():  # a keyword must not be the prefix of a longer identifier
            end = self.pos + len(token)
            return end >= len(self.text) or not (self.text[end].isalnum() or self.text[end] == "_")
        return True

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise Unsupported(f"expected {token!r} at {self.pos}")

    def ident(self) -> str | None:
        self.skip()
        match = IDENT.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return match.group()

    # -- strings --------------------------------------------------------------------------------

    def plain_string(self) -> str:
        node = self.string()
        if node.kind != "literal":
            raise Unsupported("interpolation where a constant string is needed")
        value: str = node.value
        return value

    def string(self) -> Node:
        """A string literal; with ``\\(...)`` parts it becomes an ``interp`` node."""
        self.pos += 1  # the opening quote
        parts: list[str | Node] = []
        chunk: list[str] = []
        text = self.text
        while True:
            if self.pos >= len(text):
                raise Unsupported("unterminated string")
            char = text[self.pos]
            self.pos += 1
            if char == '"':
                break
            if char != "\\":
                chunk.append(char)
                continue
            if self.pos >= len(text):
                raise Unsupported("unterminated string")
            code = text[self.pos]
            self.pos += 1
            if code in _ESCAPES:
                chunk.append(_ESCAPES[code])
            elif code == "u":
                chunk.append(self.unicode_escape())
            elif code == "(":
                parts.append("".join(chunk))
                chunk = []
                parts.append(self.pipe())
                self.expect(")")
            else:
                raise Unsupported("string escape")
        parts.append("".join(chunk))
        if len(parts) == 1:
            return Node("literal", parts[0])
        literals = tuple(p for p in parts if isinstance(p, str))
        nodes = tuple(p for p in parts if isinstance(p, Node))
        return Node("interp", literals, nodes)

    def unicode_escape(self) -> str:
        code = self.hex4()
        if 0xD800 <= code < 0xDC00 and self.text.startswith("\\u", self.pos):
            self.pos += 2
            low = self.hex4()
            if not 0xDC00 <= low < 0xE000:
                raise Unsupported("bad surrogate pair")
            return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
        if 0xD800 <= code < 0xE000:
            raise Unsupported("lone surrogate")
        return chr(code)

    def hex4(self) -> int:
        digits = self.text[self.pos : self.pos + 4]
        if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise Unsupported("bad \\u escape")
        self.pos += 4
        return int(digits, 16)
