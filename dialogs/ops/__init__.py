"""Operation declarations, one module per area. Importing this package fills `dialogs.registry.registry`."""

from dialogs.ops import (  # noqa: F401
    billing,
    conversation,
    customers,
    orders,
    planned,  # noqa: F401  (last: declares what the others did not)
    subscriptions,
    support,
    users,
)
