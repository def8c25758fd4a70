"""The PostgreSQL grants for the application's own role (issue 18, access-log retention).

Production runs migrations as an owner role and the web and worker processes as a
separate role that owns nothing. Only an owner can disable or drop a trigger, so the
application's role cannot switch the access log's append-only trigger off; it gets no
UPDATE, DELETE or TRUNCATE on the log at all, and removes old entries only through the
purge function (migration assessments 0017). ``manage.py app_role_grants ROLE`` prints
these statements; run them as the owner after every ``migrate``.
"""

from __future__ import annotations

from django.db import connection

ACCESS_LOG = "assessments_accessevent"
PURGE_FUNCTION = "assessments_accessevent_purge(integer)"


def app_role_grants_sql(role: str, schema: str = "public") -> list[str]:
    name = connection.ops.quote_name(role)
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {name}",
        f"GRANT USAGE ON SCHEMA {schema} TO {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {ACCESS_LOG} FROM {name}",
        f"GRANT EXECUTE ON FUNCTION {PURGE_FUNCTION} TO {name}",
    ]
