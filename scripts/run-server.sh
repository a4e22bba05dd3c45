#!/usr/bin/env bash
# Starts `edgeway server` for `make run`: prints how to use kubectl, then runs in the
# foreground until Ctrl-C.
set -euo pipefail
bin=${1:?binary}
data=${2:?data dir}
mkdir -p "$data"

args=(server --data-dir "$data" --api-listen 127.0.0.1:6443)
if [ "$(id -u)" -ne 0 ]; then
  # Ports below 1024 and nftables need root; pick unprivileged ports and say why.
  echo "make run: not root, so DNS listens on 127.0.0.1:5353, ingress on :8080/:8443, and the proxy is off (nftables needs CAP_NET_ADMIN)"
  args+=(--dns-listen 127.0.0.1:5353 --ingress-http-listen 127.0.0.1:8080 --ingress-https-listen 127.0.0.1:8443 --proxy none)
fi

cat <<MSG

edgeway is starting. In another terminal:

  export KUBECONFIG=$data/kubeconfig
  kubectl version
  kubectl create service clusterip web --tcp=80:8080
  kubectl get svc -o wide

Stop the server with Ctrl-C; its state stays in $data.

MSG
exec "$bin" "${args[@]}"
