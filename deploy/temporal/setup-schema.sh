#!/bin/sh
# One-shot step of docker-compose.yml, run with temporalio/admin-tools before the Temporal server starts: creates
# Temporal's two databases on its Postgres and brings both schemas to the version this admin-tools image ships,
# which is the version the server image of the same tag expects.
# Safe on every `docker compose up`: an existing database is kept, setup-schema never lowers a newer version, and
# update-schema applies only the steps that are missing.
# It reads the same variables as the server (DB, POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD, DBNAME,
# VISIBILITY_DBNAME), so both always point at the same databases.
set -eu

# temporal-sql-tool reads its connection from these.
export SQL_PLUGIN="$DB" SQL_HOST="$POSTGRES_SEEDS" SQL_PORT="$DB_PORT" SQL_USER="$POSTGRES_USER" SQL_PASSWORD="$POSTGRES_PWD"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

setup_database() {
  database=$1
  schema=$2
  echo "Temporal database $database: schema $schema"
  # Postgres has no CREATE DATABASE IF NOT EXISTS: a refusal here is a database kept from an earlier run; any other
  # problem makes setup-schema below fail and stop this step.
  temporal-sql-tool --db "$database" create || echo "keeping the existing database $database"
  temporal-sql-tool --db "$database" setup-schema -v 0.0
  temporal-sql-tool --db "$database" update-schema -d "$SCHEMA_DIR/$schema/versioned"
}

setup_database "$DBNAME" temporal
setup_database "$VISIBILITY_DBNAME" visibility
echo "Temporal schemas are up to date"
