package secasdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eu-sovereign-cloud/go-sdk/pkg/spec/schema"
	"github.com/eu-sovereign-cloud/go-sdk/secapi"
)

// ---- configuration ------------------------------------------------------------------------

type config struct {
	regionURL    string
	token        string
	region       string
	tenant       string
	pollInterval time.Duration
	pollTimeout  time.Duration
}

// configFromEnv reads the SOVRA_* variables. ok is false when SOVRA_REGION_URL is unset (no
// appliance to talk to); a partial configuration is an error.
func configFromEnv() (cfg config, ok bool, err error) {
	cfg = config{
		regionURL:    strings.TrimRight(os.Getenv("SOVRA_REGION_URL"), "/"),
		token:        os.Getenv("SOVRA_TOKEN"),
		region:       os.Getenv("SOVRA_REGION"),
		tenant:       os.Getenv("SOVRA_TENANT"),
		pollInterval: 1 * time.Second,
		pollTimeout:  120 * time.Second,
	}
	if cfg.regionURL == "" {
		return cfg, false, nil
	}
	var missing []string
	for name, value := range map[string]string{"SOVRA_TOKEN": cfg.token, "SOVRA_REGION": cfg.region, "SOVRA_TENANT": cfg.tenant} {
		if value == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return cfg, true, fmt.Errorf("SOVRA_REGION_URL is set but %s not", strings.Join(missing, ", "))
	}
	for name, target := range map[string]*time.Duration{"SOVRA_POLL_INTERVAL": &cfg.pollInterval, "SOVRA_POLL_TIMEOUT": &cfg.pollTimeout} {
		if text := os.Getenv(name); text != "" {
			d, perr := time.ParseDuration(text)
			if perr != nil || d <= 0 {
				return cfg, true, fmt.Errorf("%s=%q is not a positive Go duration", name, text)
			}
			*target = d
		}
	}
	return cfg, true, nil
}

// ---- HTTP recorder: lets a failed step show what the server answered ------------------------

// The SDK maps every non-success status to a bare sentinel error and drops the body. The recorder
// wraps http.DefaultTransport (which the SDK's generated clients use) and keeps the recent
// exchanges so failures can print the server's response. It does not change any request.
type exchange struct {
	method      string
	url         string
	status      int
	contentType string
	body        []byte
}

type recorder struct {
	base  http.RoundTripper
	mu    sync.Mutex
	total int
	ring  []exchange
}

const ringSize = 32

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		return nil, readErr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	r.ring = append(r.ring, exchange{req.Method, req.URL.String(), resp.StatusCode, resp.Header.Get("Content-Type"), body})
	if len(r.ring) > ringSize {
		r.ring = r.ring[len(r.ring)-ringSize:]
	}
	return resp, nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// since returns the exchanges recorded after mark (at most the ring's content).
func (r *recorder) since(mark int) []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.total - mark
	if n > len(r.ring) {
		n = len(r.ring)
	}
	return append([]exchange(nil), r.ring[len(r.ring)-n:]...)
}

func (r *recorder) last() (exchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ring) == 0 {
		return exchange{}, false
	}
	return r.ring[len(r.ring)-1], true
}

func (e exchange) String() string {
	body := strings.TrimSpace(string(e.body))
	if len(body) > 800 {
		body = body[:800] + "..."
	}
	return fmt.Sprintf("%s %s -> %d %s %s", e.method, e.url, e.status, e.contentType, body)
}

// ---- step runner ----------------------------------------------------------------------------

type runner struct {
	rec     *recorder
	passed  int
	failed  int
	skipped int
	aborted string // the failed step that later dependent steps need
}

func (r *runner) exec(name string, fn func() error) error {
	mark := r.rec.count()
	start := time.Now()
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return fn()
	}()
	elapsed := time.Since(start).Seconds()
	if err == nil {
		r.passed++
		fmt.Printf("PASS  %s (%.1fs)\n", name, elapsed)
		return nil
	}
	r.failed++
	fmt.Printf("FAIL  %s (%.1fs): %v\n", name, elapsed, err)
	exchanges := r.rec.since(mark)
	if len(exchanges) > 3 {
		exchanges = exchanges[len(exchanges)-3:]
	}
	for _, e := range exchanges {
		fmt.Printf("      server: %s\n", e)
	}
	return err
}

// step runs a check; later steps still run if it fails.
func (r *runner) step(name string, fn func() error) bool {
	if r.aborted != "" {
		r.skipped++
		fmt.Printf("SKIP  %s (needs %q)\n", name, r.aborted)
		return false
	}
	return r.exec(name, fn) == nil
}

// must runs a check that later steps depend on: if it fails, they are skipped (cleanup still runs).
func (r *runner) must(name string, fn func() error) bool {
	ok := r.step(name, fn)
	if !ok && r.aborted == "" {
		r.aborted = name
	}
	return ok
}

// cleanup runs even after an abort.
func (r *runner) cleanup(name string, fn func() error) {
	r.exec(name, fn)
}

// ---- polling --------------------------------------------------------------------------------

// observe runs one SDK observer call (configured for a single attempt, so the SDK's own
// semantics decide what counts as "not yet" versus a hard failure) every pollInterval until it
// succeeds, fails for another reason than "not there yet", or pollTimeout passes.
func observe(cfg config, what string, once func(secapi.ResourceObserverConfig) error) error {
	deadline := time.Now().Add(cfg.pollTimeout)
	single := secapi.ResourceObserverConfig{Delay: 0, Interval: cfg.pollInterval, MaxAttempts: 1}
	for {
		err := once(single)
		if err == nil {
			return nil
		}
		if !errors.Is(err, secapi.ErrRetryMaxAttemptsReached) {
			return fmt.Errorf("%s: %w", what, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still not there after %s", what, cfg.pollTimeout)
		}
		time.Sleep(cfg.pollInterval)
	}
}

func untilActive(c secapi.ResourceObserverConfig) secapi.ResourceObserverUntilValueConfig[schema.ResourceState] {
	return secapi.ResourceObserverUntilValueConfig[schema.ResourceState]{
		ExpectedValues: []schema.ResourceState{schema.ResourceStateActive},
		Delay:          c.Delay, Interval: c.Interval, MaxAttempts: c.MaxAttempts,
	}
}

// ---- checks ---------------------------------------------------------------------------------

type checks struct{ problems []string }

func (c *checks) eq(what string, want, got any) {
	if !reflect.DeepEqual(want, got) {
		c.problems = append(c.problems, fmt.Sprintf("%s: want %v, got %v", what, show(want), show(got)))
	}
}

func (c *checks) that(what string, ok bool) {
	if !ok {
		c.problems = append(c.problems, what)
	}
}

func (c *checks) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(c.problems, "; "))
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// letters renders a condition history as the suite's shorthand, newest first: A=active, U=updating...
func letters(conditions []schema.StatusCondition) string {
	var out []string
	for _, c := range conditions {
		switch c.State {
		case schema.ResourceStateActive:
			out = append(out, "A")
		case schema.ResourceStateUpdating:
			out = append(out, "U")
		case schema.ResourceStateCreating:
			out = append(out, "C")
		case schema.ResourceStatePending:
			out = append(out, "P")
		case schema.ResourceStateDeleting:
			out = append(out, "D")
		default:
			out = append(out, "?"+string(c.State))
		}
	}
	return strings.Join(out, ",")
}

// conditions checks the history like the suite: same states per index, non-zero timestamps,
// newest first.
func (c *checks) conditions(got []schema.StatusCondition, want string) {
	c.eq("status.conditions (newest first)", want, letters(got))
	for i, cond := range got {
		if cond.LastTransitionAt.IsZero() {
			c.problems = append(c.problems, fmt.Sprintf("conditions[%d].lastTransitionAt is zero", i))
		}
		if i > 0 && got[i-1].LastTransitionAt.Before(cond.LastTransitionAt) {
			c.problems = append(c.problems, fmt.Sprintf("conditions not newest first: [%d] %s is before [%d] %s",
				i-1, got[i-1].LastTransitionAt.Format(time.RFC3339Nano), i, cond.LastTransitionAt.Format(time.RFC3339Nano)))
		}
	}
}

func (c *checks) stateIn(got schema.ResourceState, allowed ...schema.ResourceState) {
	for _, a := range allowed {
		if got == a {
			return
		}
	}
	c.problems = append(c.problems, fmt.Sprintf("status.state: want one of %v, got %q", allowed, got))
}

// wantMeta is what the suite expects back in metadata (section 2.0.3 of CONFORMANCE.md).
type wantMeta struct {
	name, provider, resource, kind, ref, tenant, region, workspace, verb string
}

func (c *checks) workspaceMeta(m *schema.RegionalWorkspaceResourceMetadata, w wantMeta) {
	if m == nil {
		c.problems = append(c.problems, "metadata missing")
		return
	}
	c.eq("metadata.name", w.name, m.Name)
	c.eq("metadata.provider", w.provider, m.Provider)
	c.eq("metadata.resource", w.resource, m.Resource)
	c.eq("metadata.apiVersion", "v1", m.ApiVersion)
	c.eq("metadata.kind", w.kind, string(m.Kind))
	c.eq("metadata.ref", w.ref, m.Ref)
	c.eq("metadata.tenant", w.tenant, m.Tenant)
	c.eq("metadata.region", w.region, m.Region)
	c.eq("metadata.workspace", w.workspace, m.Workspace)
	c.eq("metadata.verb", w.verb, m.Verb)
}

func (c *checks) regionalMeta(m *schema.RegionalResourceMetadata, w wantMeta) {
	if m == nil {
		c.problems = append(c.problems, "metadata missing")
		return
	}
	c.eq("metadata.name", w.name, m.Name)
	c.eq("metadata.provider", w.provider, m.Provider)
	c.eq("metadata.resource", w.resource, m.Resource)
	c.eq("metadata.apiVersion", "v1", m.ApiVersion)
	c.eq("metadata.kind", w.kind, string(m.Kind))
	c.eq("metadata.ref", w.ref, m.Ref)
	c.eq("metadata.tenant", w.tenant, m.Tenant)
	c.eq("metadata.region", w.region, m.Region)
	c.eq("metadata.verb", w.verb, m.Verb)
}

// listMeta checks a list response's metadata (from its last page) like the suite.
func (c *checks) listMeta(m schema.ResponseMetadata, provider, resource string) {
	c.eq("list metadata.provider", provider, m.Provider)
	c.eq("list metadata.resource", resource, m.Resource)
	c.eq("list metadata.verb", "GET", m.Verb)
	c.that("list metadata.skipToken must be absent on the last page", m.SkipToken == nil)
}

// itemMeta checks that list items carry the non-empty metadata the suite requires.
func (c *checks) itemMeta(i int, fields map[string]string) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := fields[k]
		if v == "" || len(v) > 256 {
			c.problems = append(c.problems, fmt.Sprintf("items[%d].metadata.%s is %q", i, k, v))
		}
	}
}

// refused checks that err is the SDK's 412 and that the server sent the SECA error body (API.md
// section 5: RFC 7807 fields type, title, status as a number, detail, instance, sources[]) as JSON.
// The suite would also accept no body; Sovra promises one, so it is required here.
func refused(rec *recorder, err error) error {
	if err == nil {
		return errors.New("the request was accepted, want 412")
	}
	if !errors.Is(err, secapi.ErrRequestPreconditionFailed) {
		return fmt.Errorf("want the SDK's 412 error %q, got %q", secapi.ErrRequestPreconditionFailed, err)
	}
	e, ok := rec.last()
	if !ok || e.status != http.StatusPreconditionFailed {
		return fmt.Errorf("last recorded response is not the 412: %v", e)
	}
	if !strings.Contains(e.contentType, "json") {
		return fmt.Errorf("412 Content-Type is %q, want a JSON error body", e.contentType)
	}
	var problem map[string]any
	decoder := json.NewDecoder(bytes.NewReader(e.body))
	decoder.UseNumber()
	if err := decoder.Decode(&problem); err != nil {
		return fmt.Errorf("412 body is not JSON: %v", err)
	}
	status, isNumber := problem["status"].(json.Number)
	if !isNumber || status.String() != "412" {
		return fmt.Errorf("error status must be the number 412, got %v", show(problem["status"]))
	}
	for _, field := range []string{"type", "title", "detail", "instance"} {
		if s, _ := problem[field].(string); s == "" {
			return fmt.Errorf("error body field %s is missing or empty", field)
		}
	}
	if _, isList := problem["sources"].([]any); !isList {
		return fmt.Errorf("error body field sources must be a list, got %v", show(problem["sources"]))
	}
	fmt.Printf("      refused as expected: %v\n", problem["detail"])
	return nil
}
