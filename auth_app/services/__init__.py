"""Writes of the auth service (``<entity>_<action>``, keyword-only arguments, one transaction each).

* ``accounts``: registration, ``create_admin``, profile updates, admin status changes and deletes;
* ``sessions``: login, token issue and rotation, logout, the caller's own sessions;
* ``verification``: OTP verify/resend, password reset request and confirm;
* ``maintenance``: purge of expired token rows;
* ``revocation``: ending sessions (one user's, or several users' from the back office).
"""

from auth_app.services.accounts import (
    admin_create,
    profile_update,
    refresh_tokens_revoke,
    user_delete,
    user_register,
    user_set_status,
)
from auth_app.services.maintenance import expired_tokens_purge
from auth_app.services.revocation import SessionsRevoked, user_sessions_revoke
from auth_app.services.sessions import (
    Client,
    session_end,
    session_logout,
    sessions_revoke_others,
    token_refresh,
    tokens_issue,
    user_login,
)
from auth_app.services.verification import otp_resend, otp_verify, password_reset_confirm, password_reset_request

__all__ = [
    "Client",
    "SessionsRevoked",
    "admin_create",
    "expired_tokens_purge",
    "otp_resend",
    "otp_verify",
    "password_reset_confirm",
    "password_reset_request",
    "profile_update",
    "refresh_tokens_revoke",
    "session_end",
    "session_logout",
    "sessions_revoke_others",
    "token_refresh",
    "tokens_issue",
    "user_delete",
    "user_login",
    "user_register",
    "user_sessions_revoke",
    "user_set_status",
]
