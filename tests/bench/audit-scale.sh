#!/usr/bin/env bash
# How `ecs-secrets audit` grows with the number of services: for each N in
# $SIZES (default "10 100 1000"), a fresh moto emulator gets N services in
# two clusters (10 task-definition families with 2 secrets each — one SSM
# parameter, one Secrets Manager secret — two execution roles, one running
# task per service), then `audit --format json` runs once against it and the
# script prints N, the AWS calls audit counted, and its wall time.
#
# Setup goes through boto3 from the moto venv (fast, not measured).
# Env: ECS_SECRETS_MOTO_SERVER (else .tools/venv/bin/moto_server),
# ECS_SECRETS_BIN (else target/debug/ecs-secrets), SIZES.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
moto=${ECS_SECRETS_MOTO_SERVER:-$root/.tools/venv/bin/moto_server}
python=$(dirname "$moto")/python
bin=${ECS_SECRETS_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/ecs-secrets}
[ -x "$bin" ] || { echo "build it first: cargo build -p ecs-secrets ($bin)" >&2; exit 1; }

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
work=$(mktemp -d)
MOTO_ECS_SERVICE_RUNNING=1 "$moto" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf -X POST "$endpoint/moto-api/reset" >/dev/null; do sleep 0.2; done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
export AWS_EC2_METADATA_DISABLED=true AWS_SHARED_CREDENTIALS_FILE=/dev/null

printf '%8s %8s %10s\n' services calls seconds
for n in ${SIZES:-10 100 1000}; do
  curl -sf -X POST "$endpoint/moto-api/reset" >/dev/null
  "$python" - "$endpoint" "$n" <<'PY'
import json, sys, boto3
endpoint, n = sys.argv[1], int(sys.argv[2])
c = lambda s: boto3.client(s, endpoint_url=endpoint)
iam, ssm, sm, ecs = c("iam"), c("ssm"), c("secretsmanager"), c("ecs")
subnet = c("ec2").describe_subnets()["Subnets"][0]["SubnetId"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
read = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ssm:GetParameters", "secretsmanager:GetSecretValue"], "Resource": "*"}]}
for role in ("execA", "execB"):
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=json.dumps(read))
arns = []
for f in range(10):
    ssm.put_parameter(Name=f"/app{f}/db", Value="bench-value", Type="SecureString")
    secret = sm.create_secret(Name=f"app{f}/api", SecretString="bench-value")["ARN"]
    arns.append(ecs.register_task_definition(
        family=f"app{f}", executionRoleArn=f"arn:aws:iam::123456789012:role/exec{'AB'[f % 2]}",
        networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 256, "essential": True,
            "secrets": [{"name": "DB", "valueFrom": f"/app{f}/db"}, {"name": "API", "valueFrom": secret}]}],
    )["taskDefinition"]["taskDefinitionArn"])
for cluster in ("blue", "green"):
    ecs.create_cluster(clusterName=cluster)
for i in range(n):
    cluster, td = ("blue", "green")[i % 2], arns[i % 10]
    ecs.create_service(cluster=cluster, serviceName=f"svc{i:04}", taskDefinition=td, desiredCount=1)
    ecs.run_task(cluster=cluster, taskDefinition=td, launchType="FARGATE", group=f"service:svc{i:04}",
        startedBy="ecs-svc/1", networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": []}})
PY
  start=$(date +%s.%N)
  code=0
  "$bin" audit --format json --endpoint-url "$endpoint" >"$work/out.json" || code=$?
  end=$(date +%s.%N)
  [ "$code" -le 1 ] || { echo "audit failed (exit $code)" >&2; exit 1; }
  calls=$("$python" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["services"])==int(sys.argv[2]); print(d["calls"]["reads"])' "$work/out.json" "$n")
  printf '%8s %8s %10.2f\n' "$n" "$calls" "$(echo "$end - $start" | bc)"
done
