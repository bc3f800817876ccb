// kube-apiserver for flink-gitops' integration tests (test infrastructure
// only; the product is C). The same program as Kubernetes'
// cmd/kube-apiserver/apiserver.go, built from the Go module proxy as a
// consumer of k8s.io/kubernetes by ../build-apiserver.sh, which generates
// go.mod (from go.mod.in) in the cache, never in this tree.
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
