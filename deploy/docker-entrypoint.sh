#!/bin/sh
# Container entry point: bring the schema to the code's migrations, then run the helpdesk
# command given (default: serve). `helpdesk migrate` takes a PostgreSQL advisory lock, so
# any number of replicas may start at once: one migrates, the others wait and find nothing
# to do. HELPDESK_MIGRATE=0 skips it (e.g. for one-off admin commands).
set -eu
if [ "${HELPDESK_MIGRATE:-1}" != "0" ]; then
    helpdesk migrate
fi
exec helpdesk "$@"
