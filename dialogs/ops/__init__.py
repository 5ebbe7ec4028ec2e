"""Operation declarations, one module per area. Importing this package fills `dialogs.registry.registry`."""

from dialogs.ops import (  # noqa: F401
    accounts,
    accounts_changes,
    accounts_customers,
    audit,
    billing,
    commerce,
    conversation,
    customers,
    device_upload,
    devices,
    gdap,
    long_running,
    money,
    notifications,
    orders,
    purchases,
    recon,
    referrals,
    statements,
    subscriptions,
    support,
    users,
)
from dialogs.ops.planned import declare_planned

# Last: every contract intent nobody declared above is registered as "planned" (answered honestly).
declare_planned()
