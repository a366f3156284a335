"""A mapping resource's selector: which raw items of a kind become entities, and the
integration's own keys (Jira's ``jql``) that its fetcher reads.

Its own module, imported by both the integration seam and the mapping package, so that
neither imports the other.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ocean_core._expression import JqExpression

__all__ = ["Selector"]


class Selector(BaseModel):
    """A resource's selector: ``query`` (jq, must give true or false) picks the raw items of
    the kind that become entities.

    As in Port Ocean, an integration may add its own selector keys, read by its fetchers: it
    subclasses ``Selector`` and names the class on the integration::

        class JiraSelector(Selector):
            jql: str | None = None

        class JiraIntegration(Integration):
            selector_model = JiraSelector

    The mapping parser keeps extra selector keys as they are; a validation with the integration
    (``Ocean(...)``, ``validate_for``) checks them against its ``selector_model`` and refuses a
    key the model does not define.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    query: JqExpression = "true"
