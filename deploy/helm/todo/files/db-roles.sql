-- The two login roles the database's owner hands out (docs/deploy.md "Database roles"):
-- the apps' (`app_role`: reads and writes the app's tables) and the Dapr state store's
-- (`dapr_role`: its own schema). What each may do is granted by the migrations
-- (todo_core/migrations/versions/0006_least_privilege_roles.py), run as the owner.
--
-- Run as the owner (a role with CREATEROLE; on Neon the project's owner role), with psql and
-- four variables (-v NAME=VALUE): app_role, app_password, dapr_role, dapr_password:
--   psql "$OWNER_DSN" -v app_role=todo_app -v app_password="$APP_PASSWORD" \
--        -v dapr_role=todo_dapr -v dapr_password="$DAPR_PASSWORD" -f db-roles.sql
-- Safe to run again: an existing role keeps its grants and gets the password given.
-- devstack, the chart's local PostgreSQL (the migrations Job's `db-roles` step) and the
-- cloud rehearsal run this same file.
\set ON_ERROR_STOP on

-- Plain roles: no SUPERUSER, CREATEDB, CREATEROLE or BYPASSRLS (CREATE ROLE's defaults).
-- Made with SQL, not in Neon's console, whose roles join neon_superuser and read everything.
SELECT format('CREATE ROLE %I', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
ALTER ROLE :"app_role" WITH LOGIN PASSWORD :'app_password';

SELECT format('CREATE ROLE %I', :'dapr_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'dapr_role') \gexec
ALTER ROLE :"dapr_role" WITH LOGIN PASSWORD :'dapr_password';

-- The owner may act for the Dapr role: the migrations hand it the Dapr tables an earlier
-- release created as the owner (ALTER TABLE ... OWNER needs that membership).
SELECT format('GRANT %I TO %I', :'dapr_role', current_user)
 WHERE NOT pg_has_role(current_user, :'dapr_role', 'MEMBER') \gexec
