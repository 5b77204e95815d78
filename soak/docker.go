package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Harness container labels, as system/containers sets them (duplicated here so that the
// leak check does not link the Docker client).
const (
	labelOwner = "dashstream.acceptance"
	labelPID   = "dashstream.acceptance.pid"
)

// Container is a Docker container carrying the harness's owner label.
type Container struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"`
	// PID is the harness process that created it (its dashstream.acceptance.pid label).
	PID string `json:"pid"`
}

// dockerSocket returns the unix socket of the Docker daemon: DOCKER_HOST when it is a
// unix:// address, else /var/run/docker.sock.
func dockerSocket() string {
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		return strings.TrimPrefix(h, "unix://")
	}
	return "/var/run/docker.sock"
}

func dockerGet(ctx context.Context, path string, into any) error {
	sock := dockerSocket()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("docker %s: HTTP %d", path, resp.StatusCode)
	}
	if into == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// HarnessContainers lists the containers (running or not) that carry the harness's owner
// label. ok is false when no Docker daemon answers: then there is nothing to compare.
func HarnessContainers(ctx context.Context) (list []Container, ok bool, err error) {
	if dockerGet(ctx, "/_ping", nil) != nil {
		return nil, false, nil
	}
	filters, _ := json.Marshal(map[string][]string{"label": {labelOwner}})
	var raw []struct {
		ID     string            `json:"Id"`
		Names  []string          `json:"Names"`
		State  string            `json:"State"`
		Labels map[string]string `json:"Labels"`
	}
	if err := dockerGet(ctx, "/containers/json?all=true&filters="+url.QueryEscape(string(filters)), &raw); err != nil {
		return nil, true, fmt.Errorf("harness containers: %w", err)
	}
	for _, c := range raw {
		list = append(list, Container{ID: c.ID, Name: strings.Join(c.Names, ","), State: c.State, PID: c.Labels[labelPID]})
	}
	return list, true, nil
}
