"""The Port Ocean resource-mapping format as pydantic models (unknown keys are refused,
except in a resource's ``selector``, whose extra keys belong to the integration: see
``Selector``).

Every value that Port Ocean evaluates with jq is a ``JqExpression``: a string, or a number
(which Port Ocean's pydantic v1 models turn into its text, a jq number literal). A YAML boolean
or a list is refused with a message that says how to write it. A relation is a jq expression
(whose result is one identifier, a list of identifiers, or null) or a Port search query
``{combinator, rules: [{property, operator, value}]}`` whose leaves are jq expressions.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)
from pydantic_core import PydanticCustomError

from ocean_core._expression import JqExpression, jq_text
from ocean_core.selector import Selector

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)


def _no_search_query(value: Any) -> Any:
    if isinstance(value, dict):
        raise PydanticCustomError(
            "search_identifier",
            "must be a jq expression; Port search-query identifiers ({combinator, rules})"
            " are not supported, since entities here are keyed by identifier",
        )
    return jq_text(value)


KeyExpression = Annotated[str, BeforeValidator(_no_search_query)]


class SearchRule(BaseModel):
    """One rule of a Port search query; each value is a jq expression."""

    model_config = _STRICT

    property: JqExpression
    operator: JqExpression
    value: JqExpression


def _rule_tag(value: Any) -> str | None:
    if isinstance(value, SearchQuery):
        return "query"
    if isinstance(value, SearchRule):
        return "rule"
    if isinstance(value, dict):
        return "query" if "combinator" in value or "rules" in value else "rule"
    return None


class SearchQuery(BaseModel):
    """A relation given as a Port search query instead of an identifier. Each leaf is jq."""

    model_config = _STRICT

    combinator: JqExpression
    rules: list[
        Annotated[
            Annotated[SearchRule, Tag("rule")] | Annotated[SearchQuery, Tag("query")],
            Discriminator(
                _rule_tag,
                custom_error_type="search_rule",
                custom_error_message="a rule must be an object {property, operator, value}"
                " or a nested query {combinator, rules}",
            ),
        ]
    ]


def _relation_tag(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return "jq"
    if isinstance(value, dict | SearchQuery):
        return "search"
    return None


RelationMapping = Annotated[
    Annotated[JqExpression, Tag("jq")] | Annotated[SearchQuery, Tag("search")],
    Discriminator(
        _relation_tag,
        custom_error_type="relation",
        custom_error_message="a relation must be a jq expression (its result: an identifier,"
        " a list of identifiers or null) or a search query {combinator, rules}; to relate"
        " several entities write one expression that gives a list, e.g. '[.a, .b]'",
    ),
]


class EntityMappings(BaseModel):
    """jq expressions evaluated against each raw item."""

    model_config = _STRICT

    identifier: KeyExpression
    blueprint: JqExpression
    title: JqExpression | None = None
    team: KeyExpression | None = None
    icon: JqExpression | None = None
    properties: dict[str, JqExpression] = Field(default_factory=dict)
    relations: dict[str, RelationMapping] = Field(default_factory=dict)


class EntityPort(BaseModel):
    model_config = _STRICT

    mappings: EntityMappings


class PortSection(BaseModel):
    model_config = _STRICT

    entity: EntityPort
    items_to_parse: JqExpression | None = Field(default=None, alias="itemsToParse")
    items_to_parse_name: str = Field(default="item", alias="itemsToParseName", min_length=1)
    items_to_parse_top_level_transform: bool = Field(
        default=True, alias="itemsToParseTopLevelTransform"
    )
    """As in Port Ocean: each parsed item's parent no longer holds the array it came from
    (applied when ``itemsToParse`` is a plain path such as ``.fields.comments``)."""


class Resource(BaseModel):
    """One kind's mapping: which items to keep and how each becomes an entity."""

    model_config = _STRICT

    kind: str
    selector: Selector = Field(default_factory=Selector)
    port: PortSection


class MappingSpec(BaseModel):
    """A whole mapping file: the resources, in the order their kinds run."""

    model_config = _STRICT

    resources: list[Resource]
    delete_dependent_entities: bool | None = Field(default=None, alias="deleteDependentEntities")
    create_missing_related_entities: bool | None = Field(
        default=None, alias="createMissingRelatedEntities"
    )
    enable_merge_entity: bool | None = Field(default=None, alias="enableMergeEntity")
    entity_deletion_threshold: float | None = Field(
        default=None, alias="entityDeletionThreshold", ge=0.0, le=1.0
    )


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, as written in a mapping file (aliases first)."""
    return [info.alias or name for name, info in model.model_fields.items()]
