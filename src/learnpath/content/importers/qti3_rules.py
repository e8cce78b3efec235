"""Checking a QTI 3.0 item's declarations and response processing, and recognising the standard templates.

``check_item`` refuses a broken item (``Unconvertible`` with category ``broken``): an element QTI 3.0 does
not have in response processing, a ``qti-response-else-if`` after ``qti-response-else``, a variable that is
not declared, a default value or correct response that is not made of ``qti-value`` elements.

``classify_processing`` says which standard template an item's response processing is: ``match_correct``
or ``map_response``, named by ``template`` or written out exactly as the template is (authoring tools
often do that), possibly followed by conditions that only set feedback outcomes. Anything else is custom
processing, whose score learnpath cannot reproduce, and the item is refused.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from learnpath.content.importers.qti3_source import local_name
from learnpath.content.importers.qti3_text import Unconvertible

#: Response-processing rules and expressions of QTI 3.0 (ASI information model, response processing).
PROCESSING_ELEMENTS = frozenset(
    {
        "qti-response-processing", "qti-response-condition", "qti-response-if", "qti-response-else-if",
        "qti-response-else", "qti-set-outcome-value", "qti-exit-response", "qti-lookup-outcome-value",
        "qti-response-processing-fragment", "qti-and", "qti-or", "qti-not", "qti-any-n", "qti-match",
        "qti-variable", "qti-correct", "qti-base-value", "qti-null", "qti-is-null", "qti-default",
        "qti-map-response", "qti-map-response-point", "qti-sum", "qti-product", "qti-subtract",
        "qti-divide", "qti-power", "qti-integer-divide", "qti-integer-modulus", "qti-truncate",
        "qti-round", "qti-round-to", "qti-integer-to-float", "qti-gt", "qti-gte", "qti-lt", "qti-lte",
        "qti-equal", "qti-equal-rounded", "qti-member", "qti-contains", "qti-delete", "qti-index",
        "qti-multiple", "qti-ordered", "qti-container-size", "qti-string-match", "qti-pattern-match",
        "qti-substring", "qti-inside", "qti-field-value", "qti-random", "qti-random-integer",
        "qti-random-float", "qti-min", "qti-max", "qti-gcd", "qti-lcm", "qti-math-operator",
        "qti-stats-operator", "qti-math-constant", "qti-repeat", "qti-record", "qti-custom-operator",
        "qti-duration-lt", "qti-duration-gte", "qti-number-correct", "qti-number-incorrect",
        "qti-number-presented", "qti-number-responded", "qti-number-selected", "qti-outcome-maximum",
        "qti-outcome-minimum", "qti-test-variables", "qti-item-subset",
    }
)  # fmt: skip
BUILT_IN_VARIABLES = frozenset({"completionStatus", "numAttempts", "duration"})
_TEMPLATES = {"match_correct": "match_correct", "map_response": "map_response"}


def _broken(reason: str) -> Unconvertible:
    return Unconvertible(f"is broken: {reason}", "broken")


def check_item(root: Element) -> None:
    """Raise ``Unconvertible`` (category ``broken``) when the item's declarations or processing are wrong."""
    responses: set[str] = set()
    outcomes: set[str] = set(BUILT_IN_VARIABLES)
    for declaration in root:
        name = local_name(declaration)
        if name not in ("qti-response-declaration", "qti-outcome-declaration", "qti-template-declaration"):
            continue
        identifier = declaration.get("identifier", "")
        (responses if name == "qti-response-declaration" else outcomes).add(identifier)
        for part in declaration:
            part_name = local_name(part)
            if part_name in ("qti-default-value", "qti-correct-response"):
                values = list(part)
                if not values:
                    raise _broken(f"the <{part_name}> of {identifier} holds no qti-value")
                wrong = next((local_name(v) for v in values if local_name(v) != "qti-value"), None)
                if wrong:
                    raise _broken(f"the <{part_name}> of {identifier} holds <{wrong}>, not <qti-value>")
    processing = next((e for e in root if local_name(e) == "qti-response-processing"), None)
    if processing is None:
        return
    for element in processing.iter():
        name = local_name(element)
        if not name:
            continue
        if name not in PROCESSING_ELEMENTS:
            raise _broken(f"its response processing holds <{name}>, which QTI 3.0 does not have")
        identifier = element.get("identifier", "")
        if name in ("qti-set-outcome-value", "qti-lookup-outcome-value") and identifier not in outcomes:
            raise _broken(f"its response processing sets the outcome '{identifier}', which is not declared")
        if (
            name in ("qti-correct", "qti-map-response", "qti-map-response-point")
            and identifier not in responses
        ):
            raise _broken(f"its response processing reads the response '{identifier}', which is not declared")
        if name == "qti-variable" and identifier not in responses | outcomes:
            raise _broken(f"its response processing reads '{identifier}', which is not declared")
        if name == "qti-response-condition":
            _check_condition(element)


def _check_condition(condition: Element) -> None:
    parts = [local_name(part) for part in condition if local_name(part)]
    if not parts or parts[0] != "qti-response-if":
        raise _broken("a qti-response-condition does not start with qti-response-if")
    if "qti-response-else" in parts[:-1]:
        raise _broken("a qti-response-else-if comes after qti-response-else")


def classify_processing(root: Element, response_id: str) -> str:
    """``"match_correct"`` or ``"map_response"``; raises ``Unconvertible`` for anything else."""
    processing = next((e for e in root if local_name(e) == "qti-response-processing"), None)
    if processing is None:
        raise Unconvertible(
            "has no response processing, so QTI says nothing about how it is scored", "no-processing"
        )
    rules = [rule for rule in processing if local_name(rule)]
    template = processing.get("template", "").strip()
    if template and not rules:
        name = template.rstrip("/").rpartition("/")[2].removesuffix(".xml")
        if name in _TEMPLATES:
            return _TEMPLATES[name]
        raise Unconvertible(
            f"is scored by the response processing template '{name}'; learnpath imports match_correct and "
            "map_response only",
            "custom-processing",
        )
    if rules and local_name(rules[0]) == "qti-response-condition":
        kind = _written_out(rules[0], response_id)
        if kind and all(_sets_only_feedback(rule) for rule in rules[1:]):
            return kind
    raise Unconvertible(
        "is scored by custom response processing, not the match_correct or map_response template; "
        "learnpath cannot reproduce its score",
        "custom-processing",
    )


def _written_out(condition: Element, response_id: str) -> str:
    """The template a response condition spells out exactly, or ""."""
    parts = [part for part in condition if local_name(part)]
    if [local_name(p) for p in parts] != ["qti-response-if", "qti-response-else"]:
        return ""
    test, then = _two(parts[0])
    otherwise = [child for child in parts[1] if local_name(child)]
    if test is None or then is None or len(otherwise) != 1:
        return ""
    matches = _is(test, "qti-match", [("qti-variable", response_id), ("qti-correct", response_id)])
    if matches and _sets_score(then, "1") and _sets_score(otherwise[0], "0"):
        return "match_correct"
    if _is(test, "qti-is-null", [("qti-variable", response_id)]) and _sets_score(then, "0"):
        inner = [child for child in otherwise[0] if local_name(child)]
        if (
            local_name(otherwise[0]) == "qti-set-outcome-value"
            and otherwise[0].get("identifier") == "SCORE"
            and len(inner) == 1
            and local_name(inner[0]) == "qti-map-response"
            and inner[0].get("identifier") == response_id
        ):
            return "map_response"
    return ""


def _two(branch: Element) -> tuple[Element | None, Element | None]:
    children = [child for child in branch if local_name(child)]
    return (children[0], children[1]) if len(children) == 2 else (None, None)


def _is(element: Element, name: str, operands: list[tuple[str, str]]) -> bool:
    children = [child for child in element if local_name(child)]
    return (
        local_name(element) == name
        and [(local_name(c), c.get("identifier", "")) for c in children] == operands
    )


def _sets_score(element: Element, value: str) -> bool:
    if local_name(element) != "qti-set-outcome-value" or element.get("identifier") != "SCORE":
        return False
    children = [child for child in element if local_name(child)]
    if len(children) != 1 or local_name(children[0]) != "qti-base-value":
        return False
    try:
        return float((children[0].text or "").strip()) == float(value)
    except ValueError:
        return False


def _sets_only_feedback(rule: Element) -> bool:
    """True when a rule only sets outcomes other than SCORE (feedback), so it cannot change the score."""
    return (
        all(
            element.get("identifier") != "SCORE"
            for element in rule.iter()
            if local_name(element) in ("qti-set-outcome-value", "qti-lookup-outcome-value")
        )
        and local_name(rule) == "qti-response-condition"
    )
