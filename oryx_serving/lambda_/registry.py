"""Each blueprint's endpoints, declared once: the routes, the web console's forms and ``/openapi.json`` read them.

An app builds an ``ApiBlueprint`` and adds its views with ``api_route``, giving a summary, its parameters, its
body and which of Oryx 2's answers it can give (a result, 204, 403 when read-only, 503 without a model). Keeping
the description beside the route means the console and the OpenAPI document cannot drift from what is served,
and ``preconditions`` enforces what is declared (415 for an undeclared body type, as Jersey's ``@Consumes`` did;
403 for writes when read-only; 406 when nothing offered is acceptable).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask

CSV_JSON_TYPES = ("text/plain", "text/csv", "application/json")
"""What result endpoints produce (see ``formats.negotiate``)."""
TEXT_BODY_TYPES = ("text/plain", "text/csv", "application/json", "application/x-www-form-urlencoded")
"""Bodies read as text (``bodies``): Oryx 2's ``@Consumes`` set, plus the type curl and HTML forms send."""
LINE_BODY_TYPES = (*TEXT_BODY_TYPES, "multipart/form-data")
"""What endpoints reading input lines accept (``bodies.read_body_lines``)."""

_PATH_PARAM = re.compile(r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]\w*)>")
_CONVERTER_TYPES = {"int": "integer", "float": "number"}


@dataclass(frozen=True)
class Param:
    """A path or query parameter; ``example`` pre-fills the console's field and the OpenAPI example."""

    name: str
    description: str = ""
    example: str = ""
    type: str = "string"
    """OpenAPI scalar type: string, integer, number or boolean (path types come from the rule's converter)."""
    required: bool = False
    """For query parameters; path parameters are always required."""


@dataclass(frozen=True)
class Body:
    description: str
    media_types: tuple[str, ...] = LINE_BODY_TYPES
    example: str = ""


@dataclass(frozen=True)
class Endpoint:
    """One route as documented: what it takes and every status it can answer with."""

    rule: str
    """The Flask rule inside the blueprint, e.g. ``/distinct/<path:word>``."""
    methods: tuple[str, ...]
    view_name: str
    summary: str
    path_params: tuple[Param, ...] = ()
    query_params: tuple[Param, ...] = ()
    body: Body | None = None
    produces: tuple[str, ...] = ()
    """Media types of a 200 answer; empty for writes, which answer 204 No Content."""
    writes: bool = False
    """Sends input to the input topic: 403 in read-only mode, 503 when the broker does not take it."""
    needs_model: bool = False
    """Answers 503 until the model has loaded ``min-model-load-fraction``."""
    errors: Mapping[int, str] = field(default_factory=dict)
    """App-specific answers, e.g. ``{400: "No such word"}``."""
    console: bool = True
    """Offered as a form on the web console."""

    @property
    def openapi_path(self) -> str:
        """``/distinct/<path:word>`` -> ``/distinct/{word}``."""
        return _PATH_PARAM.sub(lambda m: "{" + m.group("name") + "}", self.rule)

    def responses(self) -> dict[int, str]:
        """Every status this endpoint can answer with (401 is added by the OpenAPI document when auth is on)."""
        answers: dict[int, str] = {}
        if self.produces:
            answers[200] = "OK"
        if self.writes:
            answers[204] = "Sent to the input topic (acknowledged by the broker)"
        if self.path_params or self.query_params or self.body or self.writes:
            answers[400] = "Bad input (or a bad Idempotency-Key); the body says why"
        if self.writes:
            answers[403] = "Serving Layer is read-only"
            answers[409] = "A request with the same Idempotency-Key is in progress"
            answers[422] = "The Idempotency-Key was already used for another request"
        if self.body:
            answers[413] = (
                "Request (or its decompressed body) is larger than oryx.serving.api.max-request-bytes, "
                "or expands more than oryx.serving.api.max-decompression-ratio"
            )
            answers[415] = "Unsupported Content-Type, charset or Content-Encoding"
        if self.produces and set(self.produces) & set(CSV_JSON_TYPES):
            answers[406] = "None of the offered types is acceptable"
        if self.needs_model:
            answers[503] = "Model not yet available, or not yet loaded enough"
        elif self.writes:
            answers[503] = (
                "Input topic unavailable: the broker did not acknowledge every line within "
                "oryx.serving.api.write-timeout-sec; none was kept, retry after Retry-After seconds"
            )
        answers.update(self.errors)
        return dict(sorted(answers.items()))


def _path_params(rule: str, described: Sequence[Param]) -> tuple[Param, ...]:
    """The rule's variables, in order, typed from their converter and described by the matching ``Param``."""
    by_name = {p.name: p for p in described}
    found = [(m.group("name"), m.group("converter")) for m in _PATH_PARAM.finditer(rule)]
    unknown = set(by_name) - {name for name, _ in found}
    if unknown:
        raise ValueError(f"path parameters {sorted(unknown)} are not variables of the rule {rule!r}")
    params = []
    for name, converter in found:
        given = by_name.get(name, Param(name))
        params.append(
            Param(name, given.description, given.example, _CONVERTER_TYPES.get(converter or "", "string"), True)
        )
    return tuple(params)


class ApiBlueprint(Blueprint):
    """A Flask blueprint that also records an ``Endpoint`` for every route it adds through ``api_route``."""

    def __init__(
        self,
        name: str,
        import_name: str,
        *,
        title: str,
        description: str = "",
        generic: bool = False,
        live_examples: Callable[[], Mapping[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, import_name, **kwargs)
        self.title = title
        self.description = description
        self.generic = generic
        """Part of every serving instance (readiness, metrics...) rather than of an app; listed after the apps."""
        self.live_examples = live_examples
        """Parameter name -> a value from the loaded model (e.g. a user ID that exists), asked for when the console
        renders and preferred to the declared ``Param.example``; may raise when there is no model yet."""
        self.endpoints: list[Endpoint] = []

    def api_route(
        self,
        rule: str,
        view: Callable[..., Any],
        methods: str | Sequence[str],
        *,
        summary: str,
        params: Sequence[Param] = (),
        query: Sequence[Param] = (),
        body: Body | None = None,
        produces: Sequence[str] = (),
        writes: bool = False,
        needs_model: bool = False,
        errors: Mapping[int, str] | None = None,
        console: bool = True,
    ) -> Endpoint:
        method_list = (methods,) if isinstance(methods, str) else tuple(methods)
        endpoint = Endpoint(
            rule=rule,
            methods=tuple(m.upper() for m in method_list),
            view_name=view.__name__,
            summary=summary,
            path_params=_path_params(rule, params),
            query_params=tuple(query),
            body=body,
            produces=tuple(produces),
            writes=writes,
            needs_model=needs_model,
            errors=dict(errors or {}),
            console=console,
        )
        self.add_url_rule(rule, view_func=view, methods=list(endpoint.methods))
        self.endpoints.append(endpoint)
        return endpoint

    def endpoint_for(self, view_name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.view_name == view_name), None)


def api_blueprints(app: Flask) -> Iterator[ApiBlueprint]:
    """The app's documented blueprints, in registration order (generic ones first, then each app's)."""
    return (b for b in app.blueprints.values() if isinstance(b, ApiBlueprint))
