#!/usr/bin/env python3
"""Test driver for tests/bench/bench-sync.sh (standard library only).

  bench_apply.py gen FG_DIR KC_DIR FG_PREFIX KC_PREFIX NS COUNT
      write COUNT FlinkDeployments spread over NS namespaces twice: as a
      flink-gitops repository (FG_DIR/<FG_PREFIX>-<i>/<name>.yaml, the
      namespace from the folder) and as a kubectl tree (KC_DIR/<i>/..., with
      metadata.namespace <KC_PREFIX>-<i>).
  bench_apply.py apply ENV_FILE PREFIX NS COUNT CONNECTIONS [RENDERED]
      the API server's own limit: the same objects (namespaces
      <PREFIX>-<i>) applied server-side, CONNECTIONS keep-alive TLS
      connections in parallel, one PATCH per object; prints the seconds.
      With RENDERED (`flink-gitops render -o json` of the repository),
      the objects are exactly what flink-gitops sends: its labels and
      annotations, and an ApplySet part-of label, included.
"""
import http.client
import json
import os
import queue
import ssl
import sys
import threading
import time


def objects(prefix, nns, count):
    """(namespace index, name, object) for each FlinkDeployment."""
    for i in range(count):
        k = i % nns
        name = "job-%04d" % i
        yield k, name, {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkDeployment",
            "metadata": {"name": name, "namespace": "%s-%d" % (prefix, k)},
            "spec": {
                "image": "flink:1.20",
                "flinkVersion": "v1_20",
                "serviceAccount": "flink",
                "flinkConfiguration": {
                    "taskmanager.numberOfTaskSlots": "2",
                    "state.checkpoints.dir": "s3://b/%s/checkpoints" % name,
                    "state.savepoints.dir": "s3://b/%s/savepoints" % name,
                },
                "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
                "taskManager": {"resource": {"memory": "2048m", "cpu": 1}},
                "job": {
                    "jarURI": "local:///opt/flink/examples/streaming/"
                    "StateMachineExample.jar",
                    "parallelism": 1 + i % 8,
                    "upgradeMode": "savepoint",
                },
            },
        }


def gen(fg_dir, kc_dir, fg_prefix, kc_prefix, nns, count):
    for k, name, obj in objects(kc_prefix, nns, count):
        d = os.path.join(kc_dir, str(k))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".json"), "w") as f:
            json.dump(obj, f)
        del obj["metadata"]["namespace"]
        d = os.path.join(fg_dir, "%s-%d" % (fg_prefix, k))
        os.makedirs(d, exist_ok=True)
        # JSON is YAML: the repository reads it as is
        with open(os.path.join(d, name + ".yaml"), "w") as f:
            json.dump(obj, f, indent=1)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    return env


def rendered_objects(path, prefix):
    """(namespace index, name, object) of a render, moved to PREFIX-i."""
    with open(path) as f:
        items = json.load(f)["items"]
    part_of = "applyset-" + "x" * 43 + "-v1"
    for obj in items:
        md = obj["metadata"]
        k = int(md["namespace"].rsplit("-", 1)[1])
        md["namespace"] = "%s-%d" % (prefix, k)
        md.setdefault("labels", {})["applyset.kubernetes.io/part-of"] = part_of
        yield k, md["name"], obj


def apply(env_file, prefix, nns, count, conns, rendered=None):
    env = read_env(env_file)
    pki = os.path.join(os.path.dirname(env_file), "pki")
    server = env["FG_K8S_SERVER"]
    host, port = server.split("://", 1)[1].rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=env["FG_K8S_CA"])
    ctx.load_cert_chain(os.path.join(pki, "admin.crt"),
                        os.path.join(pki, "admin.key"))
    work = queue.Queue()
    source = (rendered_objects(rendered, prefix) if rendered
              else objects(prefix, nns, count))
    for k, name, obj in source:
        path = ("/apis/flink.apache.org/v1beta1/namespaces/%s-%d/"
                "flinkdeployments/%s?fieldManager=bench-raw&force=true"
                "&fieldValidation=Strict"
                % (prefix, k, name))
        work.put((path, json.dumps(obj).encode()))
    errors = []

    def worker():
        c = http.client.HTTPSConnection(host, int(port), context=ctx,
                                        timeout=60)
        while True:
            try:
                path, body = work.get_nowait()
            except queue.Empty:
                break
            c.request("PATCH", path, body, {
                "Content-Type": "application/apply-patch+yaml",
                "Accept": "application/json",
                "User-Agent": "bench-raw",
            })
            r = c.getresponse()
            data = r.read()
            if r.status not in (200, 201):
                errors.append("%s: %d %s" % (path, r.status, data[:200]))
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    if errors:
        sys.stderr.write("%d failed, first: %s\n" % (len(errors), errors[0]))
        sys.exit(1)
    print("%.3f" % secs)


def main(argv):
    if len(argv) == 8 and argv[1] == "gen":
        gen(argv[2], argv[3], argv[4], argv[5], int(argv[6]), int(argv[7]))
    elif len(argv) in (7, 8) and argv[1] == "apply":
        apply(argv[2], argv[3], int(argv[4]), int(argv[5]), int(argv[6]),
              argv[7] if len(argv) == 8 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
