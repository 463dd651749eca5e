#!/bin/bash
# Container healthcheck of a TriPlane service: GET /actuator/health/readiness on the port given, UP (the service
# runs and its broker and object store answer) or unhealthy. bash's /dev/tcp is enough for one plain HTTP/1.0
# request, so the runtime image needs no curl or wget.
exec 3<>"/dev/tcp/127.0.0.1/${1:?usage: healthcheck PORT}" || exit 1
printf 'GET /actuator/health/readiness HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
grep -q '"status":"UP"' <&3
