"""Accounts: passwords, PINs, logins, reset tokens, the admin view and photos.

The implementation lives in :mod:`cloudtel.accounts.store` (split further in the next commit).
"""

from cloudtel.accounts.store import *  # noqa: F403
from cloudtel.accounts.store import __all__ as __all__
