"""Every hand-written SQL statement of the auth service, in one place (docs/architecture.md §3.11):
composed with psycopg's ``sql`` module, tables from the models' ``db_table``, values bound."""

from __future__ import annotations

from auth_app.models import Credential, PasswordResetToken, User
from natjoub.db.sql import render, sql, table

# One statement for every address (docs/api.md §35): find the active account by e-mail
# (case-insensitive) and insert the token for it — nothing when there is none — and take a
# transaction id either way (services.verification.password_reset_request).
# Binds: e-mail, token id, token hash, expiry, creation time.
RESET_TOKEN_INSERT = render(
    sql.SQL("""
        WITH target AS (
            SELECT c.user_id, c.email FROM {credentials} c JOIN {users} u ON u.id = c.user_id
            WHERE lower(c.email) = lower(%s) AND u.is_active
            LIMIT 1
        ), inserted AS (
            INSERT INTO {tokens} (id, user_id, token_hash, expires_at, created_at)
            SELECT %s, user_id, %s, %s, %s FROM target
            RETURNING user_id
        )
        SELECT pg_current_xact_id()::text, t.user_id, t.email
        FROM (SELECT 1) AS one LEFT JOIN inserted i ON true LEFT JOIN target t ON t.user_id = i.user_id
    """).format(credentials=table(Credential), users=table(User), tokens=table(PasswordResetToken))
)
