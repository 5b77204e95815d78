package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// notProperties are KAFKA_* variables that configure the launcher, not the broker (the
// same set the official apache/kafka image leaves out).
var notProperties = map[string]bool{
	"KAFKA_VERSION": true, "KAFKA_HEAP_OPTS": true, "KAFKA_OPTS": true,
	"KAFKA_JVM_PERFORMANCE_OPTS": true, "KAFKA_LOG4J_OPTS": true, "KAFKA_GC_LOG_OPTS": true,
	"KAFKA_JMX_OPTS": true, "KAFKA_JMX_PORT": true, "KAFKA_JMX_HOSTNAME": true,
	"KAFKA_LOG4J_ROOT_LOGLEVEL": true, "KAFKA_LOG4J_LOGGERS": true, "KAFKA_TOOLS_LOG4J_LOGLEVEL": true,
}

// defaultCluster is the cluster id used when CLUSTER_ID is not set (the official image's).
const defaultCluster = "5L6g3nShT-eMCtK--X86sw"

// singleNode is the configuration used when no KAFKA_* property is set: one combined
// broker and controller that clients on the host reach at localhost:9092.
var singleNode = map[string]string{
	"node.id":                                          "1",
	"process.roles":                                    "broker,controller",
	"listeners":                                        "PLAINTEXT://:9092,CONTROLLER://:9093",
	"advertised.listeners":                             "PLAINTEXT://localhost:9092",
	"controller.listener.names":                        "CONTROLLER",
	"listener.security.protocol.map":                   "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
	"controller.quorum.voters":                         "1@localhost:9093",
	"log.dirs":                                         "/var/lib/kafka/data",
	"offsets.topic.replication.factor":                 "1",
	"transaction.state.log.replication.factor":         "1",
	"transaction.state.log.min.isr":                    "1",
	"share.coordinator.state.topic.replication.factor": "1",
	"share.coordinator.state.topic.min.isr":            "1",
	"group.initial.rebalance.delay.ms":                 "0",
}

// propertyName maps an environment variable to a broker property the way the official
// image does: drop KAFKA_, "___" becomes "-", "__" becomes "_", "_" becomes ".", lower
// case. KAFKA_LOG_DIRS is log.dirs; KAFKA_LISTENER_NAME_X___Y would be listener.name.x-y.
func propertyName(env string) string {
	s := strings.TrimPrefix(env, "KAFKA_")
	s = strings.ReplaceAll(s, "___", "\x00")
	s = strings.ReplaceAll(s, "__", "\x01")
	s = strings.ReplaceAll(s, "_", ".")
	s = strings.ReplaceAll(s, "\x00", "-")
	s = strings.ReplaceAll(s, "\x01", "_")
	return strings.ToLower(s)
}

// properties builds the broker configuration from the environment (KEY=VALUE pairs).
// Without any KAFKA_* property it is singleNode. listeners defaults to the advertised
// listeners with their hosts emptied (listen on every interface).
func properties(environ []string) map[string]string {
	p := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "KAFKA_") || notProperties[k] {
			continue
		}
		p[propertyName(k)] = v
	}
	if len(p) == 0 {
		for k, v := range singleNode {
			p[k] = v
		}
	}
	if _, ok := p["listeners"]; !ok && p["advertised.listeners"] != "" {
		var ls []string
		for _, l := range strings.Split(p["advertised.listeners"], ",") {
			name, hostPort, ok := strings.Cut(strings.TrimSpace(l), "://")
			if !ok {
				continue
			}
			port := hostPort[strings.LastIndex(hostPort, ":")+1:]
			ls = append(ls, name+"://:"+port)
		}
		p["listeners"] = strings.Join(ls, ",")
	}
	return p
}

// render returns props as a Java properties file, keys sorted.
func render(props map[string]string) []byte {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# written by kafka-entrypoint from the KAFKA_* environment\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	return []byte(b.String())
}

// dataDirs are the folders kafka-storage format writes meta.properties into.
func dataDirs(props map[string]string) []string {
	dirs := props["log.dirs"]
	if dirs == "" {
		dirs = props["log.dir"]
	}
	if dirs == "" {
		dirs = "/tmp/kafka-logs"
	}
	out := strings.Split(dirs, ",")
	if m := props["metadata.log.dir"]; m != "" {
		out = append(out, m)
	}
	return out
}

// formatted reports whether every data folder already holds meta.properties.
func formatted(props map[string]string) bool {
	for _, d := range dataDirs(props) {
		if _, err := os.Stat(filepath.Join(strings.TrimSpace(d), "meta.properties")); err != nil {
			return false
		}
	}
	return true
}
