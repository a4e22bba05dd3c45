#!/usr/bin/env bash
# kubectl explain reads the OpenAPI v3 schemas.
source "$(dirname "$0")/lib.sh"
start_server

kok explain service.spec.ports
expect_match '^KIND: +Service$' '^VERSION: +v1$' '^FIELD: +ports <\[\]ServicePort>$' \
  '^  port\s+<integer> -required-$' '^  targetPort\s+<IntOrString>$' '^  nodePort\s+<integer>$'

kok explain ingress.spec.rules
expect_match '^GROUP: +networking\.k8s\.io$' '^KIND: +Ingress$' '^FIELD: +rules <\[\]IngressRule>$'

kok explain svc --recursive
expect_match '^  spec\s+<ServiceSpec>$'
echo PASS
