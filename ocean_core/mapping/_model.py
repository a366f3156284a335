"""The Port Ocean resource-mapping format as pydantic models (unknown keys are refused)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)


class Selector(BaseModel):
    model_config = _STRICT

    query: str = "true"


class EntityMappings(BaseModel):
    """jq expressions evaluated against each raw item."""

    model_config = _STRICT

    identifier: str
    blueprint: str
    title: str | None = None
    team: str | None = None
    icon: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)
    relations: dict[str, str] = Field(default_factory=dict)


class EntityPort(BaseModel):
    model_config = _STRICT

    mappings: EntityMappings


class PortSection(BaseModel):
    model_config = _STRICT

    entity: EntityPort
    items_to_parse: str | None = Field(default=None, alias="itemsToParse")
    items_to_parse_name: str = Field(default="item", alias="itemsToParseName")


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
