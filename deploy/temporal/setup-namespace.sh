#!/bin/sh
# One-shot step of docker-compose.yml, run with temporalio/admin-tools once the Temporal server is up: makes sure the
# app's namespace exists, then registers the custom search attributes its workflows set, given as arguments
# `Name=Type` (Type as the temporal CLI spells it: Keyword, Datetime, ...).
# Safe on every `docker compose up`: an existing namespace is kept, and the server skips attributes it already has.
set -eu

: "${TEMPORAL_ADDRESS:?must be host:port of the Temporal frontend}"
: "${TEMPORAL_NAMESPACE:?must be the namespace the app uses}"
# How long closed runs (each past year's run) stay visible in the Web UI.
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-720h}"
ATTEMPTS="${SETUP_ATTEMPTS:-60}"

# The server takes a while to serve after its container starts, and a namespace just created takes a moment to
# reach every cache of the server: retry instead of failing the whole `docker compose up`.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$ATTEMPTS" ]; then
      echo "gave up after $attempt attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

ensure_namespace() {
  temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1 ||
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" --retention "$RETENTION"
}

echo "waiting for Temporal at $TEMPORAL_ADDRESS"
retry temporal operator cluster health --address "$TEMPORAL_ADDRESS"
echo "namespace $TEMPORAL_NAMESPACE"
retry ensure_namespace
# One call per attribute, so the log and a failure name the attribute.
for attribute in "$@"; do
  name=${attribute%%=*}
  type=${attribute#*=}
  echo "search attribute $name ($type)"
  retry temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" \
    --name "$name" --type "$type"
done
echo "Temporal is ready for yearly-greetings"
