#!/bin/sh
# One-shot step of docker-compose.yml, run with temporalio/admin-tools before the Temporal server starts: creates
# Temporal's two databases on its Postgres and brings both schemas to the version this admin-tools image ships,
# which is the version the server image of the same tag expects.
# Safe on every `docker compose up`: an existing database is kept, setup-schema never lowers a newer version, and
# update-schema applies only the steps that are missing.
# It reads the same variables as the server (DB, POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD, DBNAME,
# VISIBILITY_DBNAME), so both always point at the same databases.
set -eu

# The password goes through the environment, which temporal-sql-tool reads, rather than the command line.
export SQL_PASSWORD="$POSTGRES_PWD"
# Where admin-tools keeps the schemas (overridable to run this script outside the image).
SCHEMA_DIR="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sql_tool() {
  temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

setup_database() {
  database=$1
  schema=$2
  echo "Temporal database $database: schema $schema"
  # Postgres has no CREATE DATABASE IF NOT EXISTS: a refusal here is a database kept from an earlier run; any other
  # problem makes setup-schema below fail and stop this step.
  sql_tool --db "$database" create || echo "keeping the existing database $database"
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$SCHEMA_DIR/$schema/versioned"
}

setup_database "$DBNAME" temporal
setup_database "$VISIBILITY_DBNAME" visibility
echo "Temporal schemas are up to date"
