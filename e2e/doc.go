// Package e2e is the end-to-end suite of goblog on Docker Swarm (issue 4): it
// runs against the deployed stack (`make up`), through the published edge
// (https://localhost:8765) and the operator ports, and drives Swarm with the
// docker CLI. The tests are behind the build tag `e2e`:
//
//	make up
//	make e2e      # = scripts/ensure-rabbitmq.sh stop; go test -tags e2e -count=1 -timeout 20m -v ./e2e
//
// The checks run in order, each bounded in time, and each puts back what it
// changed (replica counts, the config server's configuration). Services inside
// the overlay network, which the host cannot reach, are reached through a
// probe container attached to it (bash's /dev/tcp in the local JRE base image).
//
// Checks 2 (with 6: the trace), 4 (the quotes-service outage) and 5 (the
// config refresh) are stories of package systest, written once and told on the
// process landscape too (integration/); this suite tells them through
// swarmEnv (env_test.go): an instance is a healthy task reached through the
// probe, stopping is scaling to 0, a config change is a new Docker config the
// config server rolls onto, announced with POST /actuator/busrefresh. The
// Swarm-only checks (replicas, scaling, self-healing, rolling update, closed
// ports, broker update, dead letters) stay here.
//
// The stories of issue 9 run first (accounts_test.go, postgres_test.go): 200
// concurrent creates through the edge (a systest story, told on the landscape
// too), accounts shared by 3 accountservice replicas, and a docker kill of the
// PostgreSQL container (503 with a JSON error meanwhile, every acknowledged
// account afterwards, accountservice's tasks kept).
//
// Check 8, the rolling update of accountservice under load, is also issue 9's
// story 2: every account acknowledged (201) before or during the update reads
// back after it.
//
// After the checks of issue 4 (stack_test.go), update_test.go rolls
// RabbitMQ and checks that a persistent message survives it, that no task of
// another service is replaced meanwhile, and that every VIP read answered 200
// during the roll (10 req/s through the edge) is counted by vipservice exactly
// once (issue 9: the outbox delivers at least once, vipservice's dedupe makes
// it exactly).
//
// Issue 9's story 5 spans two runs: the stories that create accounts write
// each acknowledged one to E2E_ACKNOWLEDGED_FILE (default
// ../.run/e2e-acknowledged.txt, one "id name" line each); `make e2e-redeploy`
// runs `make down` and `make up`, then this suite with E2E_REDEPLOYED=1 and
// only TestAcknowledgedAccountsSurviveRedeploy, which reads each one back
// through the edge (redeploy_test.go; skipped in an ordinary run).
//
// metrics_test.go tells issue 12's stories through Prometheus's HTTP API (published
// on 9090 with basic authentication: user operator, the password make up made in
// .secrets/): the request counter of /accounts/{id} against the reads sent
// through the edge, the targets following a scale to 3 and back, the
// CircuitOpen alert firing while quotes-service is scaled to 0 and resolving.
//
// Environment: E2E_STACK (default goblog), E2E_EDGE_URL
// (https://localhost:8765), E2E_EDGE_CA_FILE (../.secrets/edge_ca.pem, the
// CA the suite's default transport trusts beside the system's roots),
// E2E_OPERATOR_URL (http://localhost:7979, the operator console: Zipkin at
// /zipkin/, turbine's stream through the dashboard's /proxy.stream),
// E2E_OPERATOR_PASSWORD_FILE (../.secrets/operator_password, user operator),
// E2E_CLIENT_ID (goblog-machine) and E2E_CLIENT_SECRET_FILE
// (../.secrets/auth_client_secret_<id>): the suite's access token, fetched
// through the edge by the client credentials grant, renewed before it expires,
// and sent on every request to the edge and from the probe (the services
// require tokens on Swarm), E2E_AUTH_SIGNING_KEY_FILE
// (../.secrets/auth_signing_key.pem: edge_auth_test.go signs wrong tokens with
// it),
// E2E_PROBE_IMAGE (goblog/base-jre:17), DOCKER (docker),
// E2E_RABBITMQ_MANAGEMENT_URL (http://localhost:15672), E2E_AMQP_USER
// (admin), E2E_AMQP_PASSWORD_FILE (../.secrets/amqp_password_admin),
// E2E_AMQP_VHOST (goblog), E2E_ACKNOWLEDGED_FILE, E2E_REDEPLOYED,
// E2E_PROMETHEUS_URL (http://localhost:9090), E2E_PROMETHEUS_PASSWORD_FILE
// (../.secrets/prometheus_password).
//
// Issue 11's stories: auth_test.go (the auth-server's tokens, its key kept
// across a restart), edge_auth_test.go (every bad token of the issue through
// the edge: 401 with the RFC 6750 challenge, a reader's token 403 on a create)
// and service_auth_test.go (from the probe, inside the overlay network: each
// Go service and quotes-service refuses a request without a token and answers
// the suite's; quotes-service refuses a token without account:read; its
// actuator needs none).
//
// nodes_test.go tells the stories of a three-node Swarm (issue 14: one task
// per node, a drain, a node that vanishes, the data node drained); they run
// only with E2E_NODES=3, as `make e2e NODES=3` sets it with the addresses
// deploy/nodes-up.sh wrote to .run/nodes/e2e.env. GOBLOG_NODE_HOSTS names
// the other nodes' engines, whose containers the manager's engine does not
// know.
//
// Package load, used by the zero-downtime check, also drives the command
// e2e/cmd/edgeload.
package e2e
