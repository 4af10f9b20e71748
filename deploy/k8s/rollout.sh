#!/usr/bin/env bash
# Installs or upgrades Capstream from an overlay, with the schema migration first:
#
#   deploy/k8s/rollout.sh deploy/k8s/overlays/production capstream
#
# 1. applies everything except the services' Deployments (and their Services, budgets and
#    autoscalers): namespace, configuration, Kafka and its topics, ClickHouse, policies, and the
#    migration Job of this version (an old finished Job is deleted first: its pod template cannot
#    change in place);
# 2. waits for the migration to finish (it waits for ClickHouse itself), and stops on a failure;
# 3. applies everything, so the services roll onto the migrated schema.
#
# Needs kubectl with kustomize v4+ (kubectl 1.21+), the operators' CRDs (Strimzi, and the Altinity
# operator for the production overlay) and the Secrets of docs/DEPLOY.md.
set -euo pipefail

overlay=${1:?usage: rollout.sh OVERLAY_DIR NAMESPACE}
namespace=${2:?usage: rollout.sh OVERLAY_DIR NAMESPACE}
services="ingest,parser,geo,api,dashboard"
job=capstream-migrate
timeout_s=${ROLLOUT_MIGRATION_TIMEOUT_S:-1800}

kubectl --namespace "$namespace" delete job "$job" --ignore-not-found --wait=true
kubectl apply --kustomize "$overlay" --selector "app.kubernetes.io/component notin ($services)"

echo "waiting for the migration ($job)..." >&2
deadline=$((SECONDS + timeout_s))
while :; do
  state=$(kubectl --namespace "$namespace" get job "$job" \
    -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
  case " $state " in
    *" Complete "*) break ;;
    *" Failed "*)
      kubectl --namespace "$namespace" logs "job/$job" --tail=50 >&2 || true
      echo "the migration failed: the services were left as they were" >&2
      exit 1
      ;;
  esac
  if ((SECONDS > deadline)); then
    echo "the migration did not finish within ${timeout_s}s" >&2
    exit 1
  fi
  sleep 5
done

kubectl apply --kustomize "$overlay"
echo "applied; follow the rollout with: kubectl --namespace $namespace rollout status deployment" >&2
