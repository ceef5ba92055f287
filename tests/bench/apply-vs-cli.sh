#!/usr/bin/env bash
# Wall time of `ecs-secrets apply` for the full e2e bundle versus the same
# deployment done by hand with the aws CLI (the seed guide's sequence:
# put-parameter ×2, create-secret, create-role, put-role-policy,
# attach-role-policy, register-task-definition, update-service), against one
# moto emulator in one run, plus the API call counts of apply and re-apply.
#
# Env: ECS_SECRETS_MOTO_SERVER, ECS_SECRETS_AWS_CLI (else .tools/venv/bin/…,
# else PATH), ECS_SECRETS_BIN (else $CARGO_TARGET_DIR or target, debug build),
# RUNS (default 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pick() { # env-value, workspace-relative path, name on PATH
  if [ -n "${1:-}" ]; then echo "$1"; elif [ -x "$root/$2" ]; then echo "$root/$2"; else command -v "$3"; fi
}
moto=$(pick "${ECS_SECRETS_MOTO_SERVER:-}" .tools/venv/bin/moto_server moto_server)
aws=$(pick "${ECS_SECRETS_AWS_CLI:-}" .tools/venv/bin/aws aws)
bin=${ECS_SECRETS_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/ecs-secrets}
runs=${RUNS:-3}
[ -x "$bin" ] || { echo "build it first: cargo build -p ecs-secrets ($bin)" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
work=$(mktemp -d)
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ECS_SERVICE_RUNNING=1 "$moto" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf -X POST "$endpoint/moto-api/reset" >/dev/null; do sleep 0.2; done

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
cli() { "$aws" --endpoint-url "$endpoint" --output json "$@"; }
now() { python3 -c 'import time; print(time.time())'; }

setup() { # fresh emulator with a CMK, a cluster and a service; prints the key id
  curl -sf -X POST "$endpoint/moto-api/reset" >/dev/null
  local key
  key=$(cli kms create-key --query KeyMetadata.KeyId --output text)
  cli ecs create-cluster --cluster-name prod >/dev/null
  cli ecs register-task-definition --family web --container-definitions '[{"name":"app","image":"nginx","memory":128}]' >/dev/null
  cli ecs create-service --cluster prod --service-name web --task-definition web:1 --desired-count 1 >/dev/null
  echo "$key"
}

by_hand() { # the guide's sequence, as a person would type it
  local key=$1
  cli ssm put-parameter --type SecureString --name /web/db --value "v-db" --key-id "$key" >/dev/null
  local secret_arn
  secret_arn=$(cli secretsmanager create-secret --name web/api --secret-string "v-api" --kms-key-id "$key" --query ARN --output text)
  cli ssm put-parameter --type SecureString --name /web/splunk --value "v-splunk" >/dev/null
  cli iam create-role --role-name webExec --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
  cat >"$work/policy.json" <<JSON
{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"ssm:GetParameters","Resource":["arn:aws:ssm:eu-west-1:123456789012:parameter/web/db","arn:aws:ssm:eu-west-1:123456789012:parameter/web/splunk"]},
 {"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":["$secret_arn"]},
 {"Effect":"Allow","Action":"kms:Decrypt","Resource":["arn:aws:kms:eu-west-1:123456789012:key/$key"]}]}
JSON
  cli iam put-role-policy --role-name webExec --policy-name ecs-secrets-web --policy-document "file://$work/policy.json" >/dev/null
  cli iam attach-role-policy --role-name webExec --policy-arn arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy >/dev/null
  python3 - "$root/shared/tests/fixtures/plan/bundle.json" "$secret_arn" >"$work/td.json" <<'PY'
import json, sys
td = json.load(open(sys.argv[1]))["taskDefinition"]
td["executionRoleArn"] = "arn:aws:iam::123456789012:role/webExec"
for s in td["containerDefinitions"][0]["secrets"]:
    if s["valueFrom"].endswith(":secret:web/api"):
        s["valueFrom"] = sys.argv[2]
print(json.dumps(td))
PY
  cli ecs register-task-definition --cli-input-json "file://$work/td.json" >/dev/null
  cli ecs update-service --cluster prod --service web --task-definition web:2 --force-new-deployment >/dev/null
}

with_tool() {
  local key=$1
  sed "s/1234abcd-12ab-34cd-56ef-1234567890ab/$key/" "$root/shared/tests/fixtures/plan/bundle.json" >"$work/bundle.json"
  echo '{"/web/db":"v-db","web/api":"v-api","/web/splunk":"v-splunk"}' >"$work/values.json"
  "$bin" apply "$work/bundle.json" --values "$work/values.json" --yes --endpoint-url "$endpoint" >/dev/null 2>"$work/apply.err"
}

cli_total=0; tool_total=0
for i in $(seq "$runs"); do
  key=$(setup); t0=$(now); by_hand "$key"; t1=$(now)
  cli_total=$(python3 -c "print($cli_total + $t1 - $t0)")
  key=$(setup); t0=$(now); with_tool "$key"; t1=$(now)
  tool_total=$(python3 -c "print($tool_total + $t1 - $t0)")
  apply_calls=$(grep 'AWS API calls' "$work/apply.err")
done
"$bin" apply "$work/bundle.json" --values "$work/values.json" --yes --endpoint-url "$endpoint" >/dev/null 2>"$work/reapply.err"
reapply_calls=$(grep 'AWS API calls' "$work/reapply.err")
python3 - "$cli_total" "$tool_total" "$runs" <<PY
import sys
cli, tool, runs = float(sys.argv[1]) / int(sys.argv[3]), float(sys.argv[2]) / int(sys.argv[3]), int(sys.argv[3])
print(f"runs: {runs}")
print(f"aws CLI sequence (8 commands): {cli:.2f} s")
print(f"ecs-secrets apply (plan + apply + wait): {tool:.2f} s")
print(f"ratio CLI / ecs-secrets: {cli / tool:.1f}x")
PY
echo "apply: $apply_calls"
echo "re-apply: $reapply_calls"
