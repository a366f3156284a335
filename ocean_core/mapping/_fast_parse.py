"""A recursive-descent parser for the jq subset that the mapping fast path evaluates.

It parses only what ``_fast_eval`` can evaluate exactly; anything else raises ``Unsupported`` so
that the caller falls back to the ``jq`` library. Being strict here is what keeps the fast path
honest: an expression we do not fully understand must never be evaluated by us.

This module is the grammar (operators and terms); ``_fast_scan`` reads tokens and string
literals, and the builtin names come from ``_fast_builtins``, which evaluates them.
"""

from __future__ import annotations

import re

from ocean_core.mapping._fast_builtins import NULLARY_NAMES, UNARY_NAMES
from ocean_core.mapping._fast_scan import IDENT, IDENTITY, MAX_SAFE_INT, Node, Scanner, Unsupported

__all__ = ["BUILTINS_0", "BUILTINS_1", "Node", "Unsupported", "parse"]

KEYWORDS = frozenset(
    [
        "if",
        "then",
        "elif",
        "else",
        "end",
        "and",
        "or",
        "not",
        "as",
        "def",
        "reduce",
        "foreach",
        "try",
        "catch",
        "label",
        "import",
        "include",
        "__loc__",
        "true",
        "false",
        "null",
    ]
)
BUILTINS_0 = NULLARY_NAMES
BUILTINS_1 = UNARY_NAMES
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?")
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


def parse(text: str) -> Node:
    """Parse a whole expression, raising ``Unsupported`` when any part is outside the subset."""
    parser = _Parser(text)
    node = parser.pipe()
    parser.skip()
    if parser.pos != len(text):
        raise Unsupported(f"unexpected {text[parser.pos : parser.pos + 10]!r}")
    return node


class _Parser(Scanner):
    """Precedence, lowest first: ``|``, ``//``, ``or``, ``and``, comparisons, ``+ -``, ``* /``."""

    # -- binary levels --------------------------------------------------------------------------

    def pipe(self) -> Node:
        left = self.alternative()
        if self.take("|"):
            return Node("pipe", None, (left, self.pipe()))
        if self.peek(","):
            raise Unsupported("comma")
        return left

    def alternative(self) -> Node:
        left = self.or_()
        if self.take("//"):
            return Node("alt", None, (left, self.alternative()))
        return left

    def or_(self) -> Node:
        node = self.and_()
        while self.take("or"):
            node = Node("or", None, (node, self.and_()))
        return node

    def and_(self) -> Node:
        node = self.comparison()
        while self.take("and"):
            node = Node("and", None, (node, self.comparison()))
        return node

    def comparison(self) -> Node:
        left = self.additive()
        for op in _COMPARISONS:
            if self.take(op):
                node = Node("binop", op, (left, self.additive()))
                if any(self.peek(other) for other in _COMPARISONS):
                    raise Unsupported("chained comparison")
                return node
        if self.peek("=") or self.peek("%") or self.peek("?"):
            raise Unsupported("assignment, modulo or optional")
        return left

    def additive(self) -> Node:
        node = self.multiplicative()
        while True:
            if self.take("+"):
                node = Node("binop", "+", (node, self.multiplicative()))
            elif self.peek("-") and not self.peek("-="):
                self.pos += 1
                node = Node("binop", "-", (node, self.multiplicative()))
            else:
                return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while True:
            if self.take("*"):
                node = Node("binop", "*", (node, self.unary()))
            elif self.peek("/") and not self.peek("//"):
                self.pos += 1
                node = Node("binop", "/", (node, self.unary()))
            else:
                return node

    def unary(self) -> Node:
        if self.take("-"):
            return Node("neg", None, (self.unary(),))
        return self.postfix()

    # -- terms ----------------------------------------------------------------------------------

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            self.skip()
            if self.text.startswith(".[", self.pos) or self.text.startswith("[", self.pos):
                self.pos += 2 if self.text[self.pos] == "." else 1
                node = Node("index", self.bracket_key(), (node,))
            elif self.text.startswith(".", self.pos) and not self.text.startswith("..", self.pos):
                self.pos += 1
                node = Node("index", self.field_name(), (node,))
            else:
                return node

    def field_name(self) -> str:
        """The name after a ``.``: an identifier or a plain string literal."""
        if self.pos < len(self.text) and self.text[self.pos] == '"':
            return self.plain_string()
        if self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            raise Unsupported("space after '.'")
        name = self.ident()
        if name is None or name in KEYWORDS:
            raise Unsupported("field name")
        return name

    def bracket_key(self) -> str | int:
        """``[ "key" ]`` or ``[ integer ]`` (negative allowed): constant keys only."""
        self.skip()
        negative = self.take("-")
        self.skip()
        if not negative and self.peek('"'):
            key: str | int = self.plain_string()
        else:
            match = re.compile(r"[0-9]+(?![0-9.eE])").match(self.text, self.pos)
            if not match:
                raise Unsupported("index key")
            self.pos = match.end()
            key = -int(match.group()) if negative else int(match.group())
            if abs(key) > MAX_SAFE_INT:
                raise Unsupported("huge index")
        self.expect("]")
        return key

    def primary(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            raise Unsupported("unexpected end")
        char = self.text[self.pos]
        if char == ".":
            return self.dot()
        if char == '"':
            return self.string()
        if char.isdigit():
            return self.number()
        if char == "(":
            self.pos += 1
            node = self.pipe()
            self.expect(")")
            return node
        if char == "[":
            self.pos += 1
            if self.take("]"):
                return Node("literal", [])
            node = Node("array", None, (self.pipe(),))
            self.expect("]")
            return node
        if char == "{":
            self.pos += 1
            return self.object()
        if self.take("if"):
            return self.conditional()
        return self.word()

    def dot(self) -> Node:
        if self.text.startswith("..", self.pos):
            raise Unsupported("recursive descent")
        self.pos += 1
        if self.pos < len(self.text) and self.text[self.pos] == "[":
            self.pos += 1
            return Node("index", self.bracket_key(), (IDENTITY,))
        if self.pos < len(self.text) and (
            self.text[self.pos] == '"' or IDENT.match(self.text, self.pos)
        ):
            return Node("index", self.field_name(), (IDENTITY,))
        return IDENTITY

    def number(self) -> Node:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise Unsupported("number")
        self.pos = match.end()
        text = match.group()
        if text.isdigit():
            if int(text) > MAX_SAFE_INT:
                raise Unsupported("huge integer literal")
            return Node("literal", int(text))
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise Unsupported("non-finite literal")
        return Node("literal", value)

    def word(self) -> Node:
        name = self.ident()
        if name is None:
            raise Unsupported(f"unexpected {self.text[self.pos : self.pos + 10]!r}")
        if name in ("true", "false", "null"):
            return Node("literal", {"true": True, "false": False, "null": None}[name])
        if name in BUILTINS_0 and not self.peek("("):
            return Node("call", name)
        if name in BUILTINS_1 and self.take("("):
            arg = self.pipe()
            self.expect(")")
            return self.call_1(name, arg)
        raise Unsupported(f"function {name}")

    def call_1(self, name: str, arg: Node) -> Node:
        """Builtins whose argument must be a constant are checked here, at compile time."""
        if name == "test" and (arg.kind != "literal" or not isinstance(arg.value, str)):
            raise Unsupported("test() needs a literal pattern")
        if name == "has":
            value = arg.value
            if arg.kind != "literal" or not (isinstance(value, str) or type(value) is int):
                raise Unsupported("has() needs a literal string or integer")
        return Node("call", name, (arg,))

    def conditional(self) -> Node:
        """``if C then A (elif C then A)* (else B)? end``; a missing else is the identity."""
        kids: list[Node] = []
        while True:
            kids.append(self.pipe())
            self.expect("then")
            kids.append(self.pipe())
            if not self.take("elif"):
                break
        kids.append(self.pipe() if self.take("else") else IDENTITY)
        self.expect("end")
        return Node("if", None, tuple(kids))

    def object(self) -> Node:
        """``{a: e, "b": e, c}``: identifier or plain string keys only."""
        kids: list[Node] = []
        keys: list[str] = []
        if self.take("}"):
            return Node("object", (), ())
        while True:
            self.skip()
            if self.peek('"'):
                key = self.plain_string()
                self.expect(":")
                value = self.alternative_no_comma()
            else:
                name = self.ident()
                if name is None or name in KEYWORDS:
                    raise Unsupported("object key")
                key = name
                if self.take(":"):
                    value = self.alternative_no_comma()
                else:
                    value = Node("index", name, (IDENTITY,))
            keys.append(key)
            kids.append(value)
            if self.take("}"):
                return Node("object", tuple(keys), tuple(kids))
            self.expect(",")

    def alternative_no_comma(self) -> Node:
        """An object value: a pipe that stops at the ``,`` separating entries."""
        left = self.alternative()
        if self.take("|"):
            return Node("pipe", None, (left, self.alternative_no_comma()))
        return left
