"""Events the owners app announces for floors above it to act on.

The owners app is the ground floor and imports no other app of ours, yet an invitation or a
password reset has to reach a person through the notification engine in `communications`.
That app connects to these signals (see communications/apps.py) and records the notice.
Signals are sent inside the caller's transaction, so the notice is recorded atomically with it.
"""

from django.dispatch import Signal

# kwargs: invitation (owners.Invitation)
invitation_created = Signal()
# kwargs: user (owners.User), channel (owners.models.Channel.SMS | .EMAIL), address (str),
#         request_key (str, unique per request), language (str)
password_reset_requested = Signal()
# kwargs: unit_ids (list[int]: units whose overdue fees are now fully paid), actor (User or None),
#         source (str: "import" or "payment"). Sent inside the writing transaction, after the write,
#         so complaints can close the arrears cases of those units atomically with the payment.
arrears_cleared = Signal()
# kwargs: unit_ids (list[int]: units whose ledger entries' paid amounts changed), collected_on (date),
#         actor (User or None), source (str: "import" or "payment"). Sent inside the writing
#         transaction, so complaints can mark instalments paid atomically with the payment.
fees_collected = Signal()
