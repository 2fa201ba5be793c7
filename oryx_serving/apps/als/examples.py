"""IDs of the loaded model for the web console's ALS forms, so that a first click answers rather than 404.

Oryx 2's console left its fields empty; ours pre-fills them, and a fixed ``u1`` is wrong for most models
(MovieLens users are numbers). The parameter names are those the ALS endpoints declare.
"""

from __future__ import annotations

from oryx_serving.apps.als import common


def console_examples() -> dict[str, str]:
    """Parameter name -> a value made of IDs the current model has; 503 (raised) while there is no model."""
    users, items = common.model().example_ids(2)
    examples: dict[str, str] = {}
    if users:
        examples["user_id"] = users[0]
        examples["user_ids"] = "/".join(users)
    if items:
        examples["item_id"] = examples["to_item"] = items[0]
        examples["items"] = "/".join(items)
    return examples
