package deploy_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The fleet recipe: Kafka with Snowplow's topics, edge nodes writing them, a load
// balancer in front of the edges and an explorer node tapping the enriched and bad-row
// topics; every plowbox option it sets exists.
func TestKafkaFleetCompose(t *testing.T) {
	text := read(t, "kafka/compose.yaml")
	var c struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Command     []string          `yaml:"command"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatal(err)
	}
	topics := []string{"snowplow-raw", "snowplow-enriched-good", "snowplow-bad"}
	for _, tp := range topics {
		if !strings.Contains(strings.Join(c.Services["topics"].Command, " "), tp) {
			t.Errorf("the topics service does not create %s", tp)
		}
	}
	edge := c.Services["edge"].Environment
	for k, v := range map[string]string{"PLOWBOX_KAFKA_BROKERS": "kafka:9092", "PLOWBOX_KAFKA_RAW_TOPIC": topics[0],
		"PLOWBOX_KAFKA_GOOD_TOPIC": topics[1], "PLOWBOX_KAFKA_BAD_TOPIC": topics[2], "PLOWBOX_TRUSTED_PROXIES": "10.77.0.0/24"} {
		if edge[k] != v {
			t.Errorf("edge: %s = %q, want %q", k, edge[k], v)
		}
	}
	if v := c.Services["edge"].Volumes; len(v) != 1 || v[0] != "/data" {
		t.Errorf("edge volumes %v: each replica needs a data volume of its own (/data)", v)
	}
	explorer := c.Services["explorer"].Environment
	for k, v := range map[string]string{"PLOWBOX_TAP_KAFKA_BROKERS": "kafka:9092", "PLOWBOX_TAP_GOOD_TOPIC": topics[1], "PLOWBOX_TAP_BAD_TOPIC": topics[2]} {
		if explorer[k] != v {
			t.Errorf("explorer: %s = %q, want %q", k, explorer[k], v)
		}
	}
	if !strings.Contains(c.Services["kafka"].Image, "kafka") || !strings.HasPrefix(c.Services["lb"].Image, "nginx") {
		t.Errorf("kafka image %q, lb image %q", c.Services["kafka"].Image, c.Services["lb"].Image)
	}
	nginx := read(t, "kafka/nginx.conf")
	for _, want := range []string{"server edge:9090", "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for"} {
		if !strings.Contains(nginx, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	checkNames(t, plowboxOptions(t), "kafka/compose.yaml", text)
}
