"""Reading math expressions from learners safely, into sympy, without ``eval``.

Learner text never reaches ``sympy.sympify`` or ``parse_expr`` (both call ``eval``). Instead:

1. clean-up: NFKC, superscripts (``x²``), Unicode minus, ``×`` ``÷`` ``·``, ``√``, ``π``;
2. a LaTeX subset: ``\\frac{a}{b}`` ``\\dfrac`` ``\\tfrac`` ``\\sqrt{x}`` ``\\sqrt[n]{x}`` ``\\cdot``
   ``\\times`` ``\\div`` ``\\left( \\right)`` ``\\pi`` ``\\sin`` …, ``^{...}``, ``$...$``, braces as brackets;
3. a tokenizer that knows only numbers, the allowed names, and ``+ - * / ^ ** ( ) [ ] , |``;
4. implicit multiplication (``2x``, ``3(x+1)``, ``(x+1)(x-1)``, ``xy`` when x and y are variables);
5. ``ast.parse`` of a string made only of those tokens, whose names are replaced by opaque
   placeholders, then a walk over a whitelist of nodes that builds the sympy expression itself.

Every stage is bounded: input length, token count, bracket depth, tree depth, exponent size and the
size of exact numbers are all checked before sympy sees anything, so no input can hang the checker.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy

from learnpath.content.limits import (
    MAX_BRACKET_DEPTH,
    MAX_EXPONENT,
    MAX_EXPRESSION_TOKENS,
    MAX_MATH_RESPONSE_CHARS,
    MAX_NUMBER_BITS,
    MAX_NUMBER_DIGITS,
    MAX_TREE_DEPTH,
)
from learnpath.content.numeric import prepare_math_text
from learnpath.content.numeric_eval import complex_value
from learnpath.content.text import has_control_characters
from learnpath.engine.wording import _, ngettext


class UnreadableExpression(ValueError):
    """The text is not an expression this reader accepts; the message tells the learner why."""


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "log": sympy.log,
    "ln": sympy.log,
    "exp": sympy.exp,
}
CONSTANTS: dict[str, Any] = {"pi": sympy.pi, "e": sympy.E}

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/^(),|=<>!]))"
)
_LATEX_WORDS = {
    "cdot": "*",
    "times": "*",
    "ast": "*",
    "div": "/",
    "pi": " pi ",
    "sin": " sin ",
    "cos": " cos ",
    "tan": " tan ",
    "ln": " ln ",
    "log": " log ",
    "exp": " exp ",
    "left": "",
    "right": "",
    "big": "",
    "Big": "",
}
_LATEX_SPACES = {",", ";", "!", " ", ":", "quad", "qquad"}
_GREEK = {"π": " pi ", "θ": " theta ", "α": " alpha ", "β": " beta ", "λ": " lambda "}


def is_valid_name(name: str) -> bool:
    """True if ``name`` can be an expression variable (a short identifier, not a function)."""
    return bool(_NAME_RE.match(name)) and name not in FUNCTIONS


def parse_expression(text: str, variables: Sequence[str] = ()) -> Any:
    """Read ``text`` as a sympy expression in the given variables; raise ``UnreadableExpression``.

    Author answers go through the same reader as learner responses, so both sides mean the same.
    Results are cached because author answers are read again for every response.
    """
    if not isinstance(text, str):
        raise UnreadableExpression(_("Type the expression as text."))
    return _parse_cached(text, tuple(variables))


@lru_cache(maxsize=4096)
def _parse_cached(text: str, variables: tuple[str, ...]) -> Any:
    if len(text) > MAX_MATH_RESPONSE_CHARS:
        raise UnreadableExpression(
            _("That is too long; use at most {limit} characters.").format(limit=MAX_MATH_RESPONSE_CHARS)
        )
    if has_control_characters(text):
        raise UnreadableExpression(_("The answer contains control characters; type it again."))
    cleaned = _clean(text)
    if not cleaned.strip():
        raise UnreadableExpression(_("Type an expression first."))
    _check_depth(cleaned)
    if "\\" in cleaned or "{" in cleaned:
        cleaned = _Latex(cleaned).convert()
        _check_depth(cleaned)
    tokens = _tokenize(cleaned)
    source, values = _to_python(tokens, variables)
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise UnreadableExpression(
            _(
                "That expression could not be read; check the brackets and that every operator has a number "
                "or letter on each side."
            )
        ) from None
    return _Builder(values).build(tree.body, 0)


def _clean(text: str) -> str:
    text = prepare_math_text(text).strip()
    for symbol, word in _GREEK.items():
        text = text.replace(symbol, word)
    text = re.sub(r"[×✕⋅·∙]", "*", text).replace("÷", "/")
    text = text.replace("[", "(").replace("]", ")") if "\\" not in text else text
    text = re.sub(r"√\s*(\d+(?:\.\d+)?|[A-Za-z])", r"sqrt(\1)", text)
    text = text.replace("√", "sqrt")
    if text.startswith("$") and text.endswith("$"):
        text = text.strip("$")
    if text.startswith("\\(") and text.endswith("\\)"):
        text = text[2:-2]
    return text


def _check_depth(text: str) -> None:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                raise UnreadableExpression(
                    _("Too many brackets inside each other (at most {limit}).").format(
                        limit=MAX_BRACKET_DEPTH
                    )
                )
        elif ch in ")]}":
            depth -= 1


class _Latex:
    """Rewrites the supported LaTeX subset into plain math text with brackets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def convert(self) -> str:
        out = self._until(None)
        return out.replace("{", "(").replace("}", ")")

    def _until(self, closing: str | None) -> str:
        parts: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if closing is not None and ch == closing:
                self.pos += 1
                return "".join(parts)
            if ch == "\\":
                parts.append(self._command())
            elif ch == "{":
                self.pos += 1
                parts.append("(" + self._until("}") + ")")
            else:
                parts.append(ch)
                self.pos += 1
        if closing is not None:
            raise UnreadableExpression(_("A '{' is never closed with '}'."))
        return "".join(parts)

    def _command(self) -> str:
        match = re.compile(r"\\([A-Za-z]+|.)").match(self.text, self.pos)
        if match is None:
            raise UnreadableExpression(_("A '\\' at the end is not a LaTeX command."))
        self.pos = match.end()
        name = match.group(1)
        if name in ("frac", "dfrac", "tfrac"):
            top = self._argument()
            bottom = self._argument()
            return f"(({top})/({bottom}))"
        if name == "sqrt":
            index = None
            if self.text.startswith("[", self._skip_spaces()):
                self.pos = self._skip_spaces() + 1
                index = self._until("]")
            body = self._argument()
            return f"sqrt({body})" if index is None else f"(({body})^(1/({index})))"
        if name in _LATEX_WORDS:
            return _LATEX_WORDS[name]
        if name in _LATEX_SPACES:
            return " "
        if name in ("{", "}", "(", ")", "|"):
            return {"{": "(", "}": ")"}.get(name, name)
        raise UnreadableExpression(_("The LaTeX command \\{name} is not supported here.").format(name=name))

    def _skip_spaces(self) -> int:
        pos = self.pos
        while pos < len(self.text) and self.text[pos] == " ":
            pos += 1
        return pos

    def _argument(self) -> str:
        self.pos = self._skip_spaces()
        if self.pos >= len(self.text):
            raise UnreadableExpression(_("\\frac and \\sqrt need their parts in braces, like \\frac{1}{2}."))
        ch = self.text[self.pos]
        if ch == "{":
            self.pos += 1
            return self._until("}")
        if ch == "\\":
            return self._command()
        self.pos += 1
        return ch


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            bad = text[pos:].lstrip()[:1]
            raise UnreadableExpression(
                _("The character {bad!r} cannot be used in an expression.").format(bad=bad)
            )
        pos = match.end()
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        if len(tokens) > MAX_EXPRESSION_TOKENS:
            raise UnreadableExpression(_("That expression is too long."))
    return tokens


def _split_name(name: str, known: Sequence[str]) -> list[str] | None:
    """Split ``xy`` into known names (``x``, ``y``), preferring longer names; None if impossible."""
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(name) + 1):
        for start in range(end - 1, -1, -1):
            piece = name[start:end]
            if start in best and piece in known:
                best[end] = [*best[start], piece]
                break
    return best.get(len(name))


_ATOM_END = {"num", "var", "const", ")"}
_ATOM_START = {"num", "var", "const", "func", "("}


def _to_python(tokens: list[tuple[str, str]], variables: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """Resolve names, add implicit ``*``, and write a Python expression of placeholders only."""
    known = [v for v in variables if v not in FUNCTIONS]
    constants = [c for c in CONSTANTS if c not in known]
    values: dict[str, Any] = {}
    kinds: list[tuple[str, str]] = []
    for kind, text in tokens:
        if kind == "num":
            kinds.append(("num", _number_placeholder(text, values)))
        elif kind == "name":
            kinds.extend(_resolve_name(text, known, constants, values))
        elif text in ("=", "<", ">"):
            raise UnreadableExpression(_("Write only the expression, without '=', '<' or '>'."))
        elif text == "!":
            raise UnreadableExpression(_("Factorials (!) are not supported here."))
        elif text == "^":
            kinds.append(("op", "**"))
        elif text in ("(", ")"):
            kinds.append((text, text))
        else:
            kinds.append(("op", text))
    kinds = _absolute_bars(kinds)
    out: list[str] = []
    previous: str | None = None
    signs_in_a_row = 0
    for index, (kind, text) in enumerate(kinds):
        if previous in _ATOM_END and kind in _ATOM_START:
            if previous == "num" and kind == "num":
                raise UnreadableExpression(_("Two numbers are side by side; put an operator between them."))
            out.append("*")
        if kind == "func" and (index + 1 >= len(kinds) or kinds[index + 1][0] != "("):
            name = text.removeprefix("_f_")
            raise UnreadableExpression(
                _("Put the input of {name} in brackets, like {name}(x).").format(name=name)
            )
        signs_in_a_row = signs_in_a_row + 1 if text in ("+", "-") else 0
        if signs_in_a_row > 3:
            raise UnreadableExpression(_("Too many + and - signs in a row."))
        out.append(text)
        previous = kind
    return " ".join(out), values


def _number_placeholder(text: str, values: dict[str, Any]) -> str:
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_NUMBER_DIGITS:
        raise UnreadableExpression(
            _("A number is too long; use at most {limit} digits.").format(limit=MAX_NUMBER_DIGITS)
        )
    value = Fraction(text.rstrip(".") if text.endswith(".") else text)
    name = f"_n{len(values)}"
    values[name] = sympy.Rational(value.numerator, value.denominator)
    return name


def _resolve_name(
    name: str, known: list[str], constants: list[str], values: dict[str, Any]
) -> list[tuple[str, str]]:
    if name in FUNCTIONS:
        return [("func", f"_f_{name}")]
    pieces = [name] if name in known or name in constants else _split_name(name, [*known, *constants])
    if pieces is None:
        close = difflib.get_close_matches(name, [*known, *FUNCTIONS], n=1)
        lowered = [v for v in known if v.lower() == name.lower()]
        said = [_("Unknown name {name!r}.").format(name=name)]
        if known:
            said.append(_("The variables are: {variables}.").format(variables=", ".join(known)))
        else:
            said.append(_("This answer has no variables."))
        if lowered or close:
            said.append(_("Did you mean {name!r}?").format(name=(lowered or close)[0]))
        raise UnreadableExpression(" ".join(said))
    result: list[tuple[str, str]] = []
    for piece in pieces:
        if piece in known:
            placeholder = f"_v_{piece}"
            values[placeholder] = sympy.Symbol(piece)
            result.append(("var", placeholder))
        else:
            placeholder = f"_c_{piece}"
            values[placeholder] = CONSTANTS[piece]
            result.append(("const", placeholder))
    return result


def _absolute_bars(kinds: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``|x - 1|`` becomes ``abs(x - 1)``: a bar opens where a value cannot end, else it closes."""
    out: list[tuple[str, str]] = []
    open_bars = 0
    for kind, text in kinds:
        if text != "|":
            out.append((kind, text))
            continue
        previous = out[-1][0] if out else None
        if previous in _ATOM_END and open_bars > 0:
            out.append((")", ")"))
            open_bars -= 1
        else:
            out.extend([("func", "_f_abs"), ("(", "(")])
            open_bars += 1
    if open_bars:
        raise UnreadableExpression(_("An absolute value bar '|' is never closed."))
    return out


def _negative(value: Any) -> Any:
    return -value if value.is_Rational else sympy.Mul(sympy.S.NegativeOne, value, evaluate=False)


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: _checked(sympy.Add, a, b),
    ast.Sub: lambda a, b: _checked(sympy.Add, a, _negative(b)),
    ast.Mult: lambda a, b: _checked(sympy.Mul, a, b),
    ast.Div: lambda a, b: _checked(sympy.Mul, a, sympy.Pow(b, sympy.S.NegativeOne, evaluate=False)),
}


def _checked(make: Callable[..., Any], *args: Any) -> Any:
    """Build a sympy node unevaluated, refusing constants that are undefined or beyond float range.

    Unevaluated on purpose: sympy's automatic evaluation has no time bound on some inputs (``Abs``
    of a power of a complex logarithm expands symbolically for seconds; constants like
    ``exp(exp(exp(100)))`` are evaluated in arbitrary precision to decide signs, which never ends).
    The tree is kept as written; equivalence is decided numerically and, for small rational
    functions, exactly (see ``equivalence``), so nothing needs sympy to simplify while building.
    """
    result = make(*args, evaluate=False)
    _check_constant(result)
    return result


def _check_constant(expression: Any) -> None:
    for number in expression.atoms(sympy.Rational):
        if max(int(number.p).bit_length(), int(number.q).bit_length()) > MAX_NUMBER_BITS:
            raise UnreadableExpression(_("A number in that expression grows too large to work with."))
    if expression.free_symbols or expression.is_Rational:
        return
    if complex_value(expression, {}) is None:
        raise UnreadableExpression(
            _(
                "Part of that expression is undefined or too large to work with (a division by zero, the "
                "log of 0, or a number beyond 10^300)."
            )
        )


class _Builder:
    """Builds sympy from a whitelisted syntax tree; anything not on the list is refused."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def build(self, node: ast.expr, depth: int) -> Any:
        if depth > MAX_TREE_DEPTH:
            raise UnreadableExpression(_("That expression is nested too deeply."))
        if isinstance(node, ast.Name) and node.id in self.values:
            return self.values[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.build(node.operand, depth + 1)
            return _negative(operand) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left = self.build(node.left, depth + 1)
            right = self.build(node.right, depth + 1)
            if isinstance(node.op, ast.Pow):
                return _power(left, right)
            operation = _BINARY.get(type(node.op))
            if operation is not None:
                return operation(left, right)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("_f_")
            and not node.keywords
            and node.args
            and not any(isinstance(arg, ast.Starred) for arg in node.args)
        ):
            name = node.func.id.removeprefix("_f_")
            arity = 2 if name == "log" else 1
            if len(node.args) > arity:
                raise UnreadableExpression(
                    ngettext("{name} takes {count} input.", "{name} takes {count} inputs.", arity).format(
                        name=name, count=arity
                    )
                )
            args = [self.build(arg, depth + 1) for arg in node.args]
            if len(args) == 2:
                # log(x, b) is log(x) / log(b); build the parts so each is checked.
                top = _checked(sympy.log, args[0])
                bottom = sympy.Pow(_checked(sympy.log, args[1]), sympy.S.NegativeOne, evaluate=False)
                return _checked(sympy.Mul, top, bottom)
            return _checked(FUNCTIONS[name], args[0])
        raise UnreadableExpression(
            _("That expression could not be read; use numbers, letters and + - * / ^.")
        )


def _power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` after checking the result stays small enough to work with."""
    if not exponent.free_symbols:
        if exponent.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise UnreadableExpression(_("That power is undefined."))
        if exponent.is_Rational:
            if abs(exponent) > MAX_EXPONENT or exponent.q > MAX_EXPONENT:
                raise UnreadableExpression(
                    _("Exponents must be between -{limit} and {limit}.").format(limit=MAX_EXPONENT)
                )
        else:
            # Never sympy.N here: arbitrary precision can take forever on exp(exp(...)) towers.
            value = complex_value(exponent, {})
            if value is None or abs(value.imag) > 1e-12 or abs(value.real) > MAX_EXPONENT:
                raise UnreadableExpression(
                    _("Exponents must be between -{limit} and {limit}.").format(limit=MAX_EXPONENT)
                )
    return _checked(sympy.Pow, base, exponent)


_RENDERED_FUNCTIONS = {sympy.Abs: "abs", sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin"}
_RENDERED_FUNCTIONS |= {sympy.cos: "cos", sympy.tan: "tan"}


def render(expression: Any) -> str:
    """Plain text of an expression tree as read (``2*x + 3``, ``(x + 1)^2``), in linear time.

    sympy's own printer reorders terms by evaluating them, which can be slow on learner input.
    """
    return _render(expression, 0)


def _without_sign(term: Any) -> Any:
    """The term without its minus sign if it is written negative (``-4``, ``-1*x``), else None."""
    if term.is_Rational and term < 0:
        return -term
    if term.is_Mul and len(term.args) == 2 and term.args[0] == sympy.S.NegativeOne:
        return term.args[1]
    return None


def _render(node: Any, outer: int) -> str:
    # outer: binding strength of the surrounding operator (0 none, 1 sum, 2 product, 3 power).
    if node.is_Symbol:
        return str(node.name)
    if node is sympy.pi:
        return "pi"
    if node is sympy.E:
        return "e"
    if node.is_Rational:
        text = str(node.p) if node.q == 1 else f"{node.p}/{node.q}"
        return f"({text})" if (node.q != 1 and outer >= 2) or (node.p < 0 and outer >= 1) else text
    if node.is_Add:
        text = ""
        for index, term in enumerate(node.args):
            magnitude = _without_sign(term)
            if index == 0:
                text = _render(term, 1)
            elif magnitude is not None:
                text += f" - {_render(magnitude, 2)}"
            else:
                text += f" + {_render(term, 1)}"
        return f"({text})" if outer >= 1 else text
    if node.is_Mul:
        args = list(node.args)
        sign = ""
        if len(args) >= 2 and args[0] == sympy.S.NegativeOne:
            sign, args = "-", args[1:]
        parts: list[str] = []
        for factor in args:
            if factor.is_Pow and factor.exp == sympy.S.NegativeOne:
                denominator = _render(factor.base, 3)
                if parts:
                    parts[-1] += "/" + denominator
                else:
                    parts.append("1/" + denominator)
            else:
                parts.append(_render(factor, 2))
        text = sign + "*".join(parts)
        return f"({text})" if outer >= 3 or (sign and outer >= 2) else text
    if node.is_Pow:
        if node.exp == sympy.S.Half:
            return f"sqrt({_render(node.base, 0)})"
        text = f"{_render(node.base, 3)}^{_render(node.exp, 3)}"
        return f"({text})" if outer >= 3 else text
    name = _RENDERED_FUNCTIONS.get(type(node), type(node).__name__.lower())
    return f"{name}({', '.join(_render(arg, 0) for arg in node.args)})"
