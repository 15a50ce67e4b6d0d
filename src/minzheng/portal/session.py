"""Keys of the resident portal in the Django session (a resident is no Django user)."""

PHONE = "portal_phone"  # the number verified with a one-time code
PENDING = "portal_pending_phone"  # the number a code was sent to, until it is verified
NEXT = "portal_next"  # where to go after login
