// Package secasdk drives a Sovra appliance with the official SECA Go SDK
// (github.com/eu-sovereign-cloud/go-sdk), the way the SECA conformance suite does: global client,
// regional client by region discovery, SKU catalogues, workspace, block storage and instance
// lifecycles with the suite's condition-history checks, power-state rules and refusals (412).
//
// It needs SOVRA_REGION_URL, SOVRA_TOKEN, SOVRA_REGION and SOVRA_TENANT; without
// SOVRA_REGION_URL the test is skipped. See README.md.
package secasdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/eu-sovereign-cloud/go-sdk/pkg/spec/schema"
	"github.com/eu-sovereign-cloud/go-sdk/pkg/types"
	"github.com/eu-sovereign-cloud/go-sdk/secapi"
	"github.com/eu-sovereign-cloud/go-sdk/secapi/builders"
)

var regionalProviders = []string{"seca.workspace", "seca.compute", "seca.storage", "seca.network"}

// collect reads every page of a list (the SDK follows skipToken), refusing to loop forever.
// It takes the List call's two results directly, so it uses its own bounded context for paging.
func collect[T types.ResourceType](iter *secapi.Iterator[T], err error) ([]*T, schema.ResponseMetadata, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err != nil {
		return nil, schema.ResponseMetadata{}, err
	}
	var items []*T
	for {
		item, err := iter.Next(ctx)
		if errors.Is(err, io.EOF) {
			return items, iter.Metadata(), nil
		}
		if err != nil {
			return nil, schema.ResponseMetadata{}, err
		}
		items = append(items, item)
		if len(items) > 10000 {
			return nil, schema.ResponseMetadata{}, errors.New("more than 10000 items: does the server keep returning skipToken?")
		}
	}
}

// pagesAtMost checks every list page fetched since mark holds at most limit items.
func pagesAtMost(rec *recorder, mark, limit int) error {
	pages := 0
	for _, e := range rec.since(mark) {
		if e.method != http.MethodGet || !strings.Contains(e.url, fmt.Sprintf("limit=%d", limit)) {
			continue
		}
		pages++
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(e.body, &page); err != nil {
			return fmt.Errorf("page %s is not a list: %v", e.url, err)
		}
		if len(page.Items) > limit {
			return fmt.Errorf("page %s has %d items, limit was %d", e.url, len(page.Items), limit)
		}
	}
	if pages == 0 {
		return fmt.Errorf("no request with limit=%d was recorded", limit)
	}
	return nil
}

func TestSovraWithSecaSdk(t *testing.T) {
	cfg, enabled, err := configFromEnv()
	if !enabled {
		t.Skip("SOVRA_REGION_URL is not set: no appliance to test (see README.md)")
	}
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{base: http.DefaultTransport}
	http.DefaultTransport = rec
	defer func() { http.DefaultTransport = rec.base }()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	r := &runner{rec: rec}
	started := time.Now()
	fmt.Printf("SECA Go SDK v0.4.3 against %s (region %s, tenant %s)\n", cfg.regionURL, cfg.region, cfg.tenant)

	n := rand.New(rand.NewSource(time.Now().UnixNano())).Intn(1_000_000)
	s := &scenario{cfg: cfg, ctx: ctx, rec: rec, r: r,
		runLabel:  fmt.Sprintf("sdk-%d", n),
		workspace: fmt.Sprintf("workspace-%d", n),
		disk:      fmt.Sprintf("disk-%d", n),
		instance:  fmt.Sprintf("instance-%d", n),
	}
	s.run()

	fmt.Printf("%d skipped, took %.1fs\n", r.skipped, time.Since(started).Seconds())
	fmt.Printf("%d passed, %d failed\n", r.passed, r.failed)
	if r.failed > 0 || r.skipped > 0 {
		t.Fail()
	}
}

type scenario struct {
	cfg config
	ctx context.Context
	rec *recorder
	r   *runner

	runLabel, workspace, disk, instance string

	global      *secapi.GlobalClient
	regional    *secapi.RegionalClient
	zones       []string
	instanceSku string
	storageSku  string

	ws   *schema.Workspace
	bs   *schema.BlockStorage
	inst *schema.Instance
}

func (s *scenario) run() {
	s.discovery()
	s.skus()
	if s.r.aborted == "" {
		s.workspaceLifecycle()
		s.blockStorageLifecycle()
		s.instanceLifecycle()
	}
	s.teardown()
}

// ---- discovery: well-known, global client, region, regional client ---------------------------

func (s *scenario) discovery() {
	cfg := s.cfg
	s.r.step("well-known document names seca.region/v1 at SOVRA_REGION_URL", func() error {
		root, err := url.Parse(cfg.regionURL)
		if err != nil {
			return err
		}
		root.Path = ""
		client, err := secapi.NewGlobalClient(&secapi.GlobalConfig{AuthToken: cfg.token,
			Endpoints: secapi.GlobalEndpoints{WellknownV1: root.String()}})
		if err != nil {
			return err
		}
		doc, err := client.WellknownV1.GetWellknown(s.ctx)
		if err != nil {
			return err
		}
		c := &checks{}
		c.eq("version", "v1", doc.Version)
		found := false
		for _, e := range doc.Endpoints {
			found = found || (e.Provider == "seca.region/v1" && strings.TrimRight(e.Url, "/") == cfg.regionURL)
		}
		c.that(fmt.Sprintf("no endpoint {seca.region/v1, %s} in %s", cfg.regionURL, show(doc.Endpoints)), found)
		return c.err()
	})

	s.r.step("a request with an invalid bearer token is refused (401)", func() error {
		client, err := secapi.NewGlobalClient(&secapi.GlobalConfig{AuthToken: "not-a-jwt",
			Endpoints: secapi.GlobalEndpoints{RegionV1: cfg.regionURL}})
		if err != nil {
			return err
		}
		_, err = client.RegionV1.GetRegion(s.ctx, cfg.region)
		if !errors.Is(err, secapi.ErrUnauthorizedAccess) {
			return fmt.Errorf("want %q, got %v", secapi.ErrUnauthorizedAccess, err)
		}
		return nil
	})

	s.r.must("global client (region provider from SOVRA_REGION_URL)", func() error {
		var err error
		s.global, err = secapi.NewGlobalClient(&secapi.GlobalConfig{AuthToken: cfg.token,
			Endpoints: secapi.GlobalEndpoints{RegionV1: cfg.regionURL}})
		return err
	})

	s.r.step("list regions: non-empty, client region first, list metadata", func() error {
		regions, meta, err := collect(s.global.RegionV1.ListRegions(s.ctx))
		if err != nil {
			return err
		}
		if len(regions) == 0 {
			return errors.New("no regions")
		}
		c := &checks{}
		c.listMeta(meta, "seca.region/v1", "regions")
		for i, region := range regions {
			if region.Metadata == nil {
				c.that(fmt.Sprintf("items[%d].metadata missing", i), false)
				continue
			}
			m := region.Metadata
			c.itemMeta(i, map[string]string{"apiVersion": m.ApiVersion, "kind": string(m.Kind), "name": m.Name,
				"provider": m.Provider, "ref": m.Ref, "resource": m.Resource})
		}
		if regions[0].Metadata != nil {
			c.eq("first region", cfg.region, regions[0].Metadata.Name)
		}
		return c.err()
	})

	s.r.must("get region: metadata, zones, providers on the same host as SOVRA_REGION_URL", func() error {
		region, err := s.global.RegionV1.GetRegion(s.ctx, cfg.region)
		if err != nil {
			return err
		}
		c := &checks{}
		if m := region.Metadata; m == nil {
			c.that("metadata missing", false)
		} else {
			c.eq("metadata.name", cfg.region, m.Name)
			c.eq("metadata.provider", "seca.region/v1", m.Provider)
			c.eq("metadata.resource", "regions/"+cfg.region, m.Resource)
			c.eq("metadata.apiVersion", "v1", m.ApiVersion)
			c.eq("metadata.verb", "GET", m.Verb)
			c.eq("metadata.kind", "region", string(m.Kind))
			c.eq("metadata.ref", "seca.region/v1/regions/"+cfg.region, m.Ref)
		}
		c.that("spec.availableZones is empty", len(region.Spec.AvailableZones) > 0)
		s.zones = region.Spec.AvailableZones
		regionHost, _ := url.Parse(cfg.regionURL)
		for _, name := range regionalProviders {
			var provider *schema.Provider
			for i := range region.Spec.Providers {
				if p := region.Spec.Providers[i]; p.Name == name && p.Version == "v1" {
					provider = &region.Spec.Providers[i]
				}
			}
			if provider == nil {
				c.that(fmt.Sprintf("no provider %s v1 in spec.providers", name), false)
				continue
			}
			u, err := url.Parse(provider.Url)
			c.that(fmt.Sprintf("provider %s url %q is not an absolute URL", name, provider.Url), err == nil && u.IsAbs())
			if err == nil {
				c.that(fmt.Sprintf("provider %s url %q must not end in /v1 (the SDK appends it)", name, provider.Url),
					!strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/v1"))
				c.that(fmt.Sprintf("provider %s url %q is not on %s, the host that serves this region",
					name, provider.Url, regionHost.Host), u.Host == regionHost.Host)
			}
		}
		return c.err()
	})

	s.r.must("regional client via region discovery (all four providers available)", func() error {
		var err error
		s.regional, err = s.global.NewRegionalClient(s.ctx, cfg.region)
		if err != nil {
			return err
		}
		c := &checks{}
		_, noWorkspace := s.regional.WorkspaceV1.(*secapi.WorkspaceV1Unavailable)
		_, noCompute := s.regional.ComputeV1.(*secapi.ComputeV1Unavailable)
		_, noStorage := s.regional.StorageV1.(*secapi.StorageV1Unavailable)
		_, noNetwork := s.regional.NetworkV1.(*secapi.NetworkV1Unavailable)
		c.that("seca.workspace unavailable", !noWorkspace)
		c.that("seca.compute unavailable", !noCompute)
		c.that("seca.storage unavailable", !noStorage)
		c.that("seca.network unavailable", !noNetwork)
		return c.err()
	})
}

// ---- SKU catalogues ---------------------------------------------------------------------------

func (s *scenario) skus() {
	tenant := secapi.TenantPath{Tenant: secapi.TenantID(s.cfg.tenant)}
	skuItems := func(c *checks, metas []*schema.SkuResourceMetadata) {
		for i, m := range metas {
			if m == nil {
				c.that(fmt.Sprintf("items[%d].metadata missing", i), false)
				continue
			}
			c.itemMeta(i, map[string]string{"name": m.Name, "provider": m.Provider, "ref": m.Ref, "resource": m.Resource,
				"kind": string(m.Kind), "tenant": m.Tenant})
		}
	}
	var computeCount int
	s.r.must("list compute SKUs: non-empty, list metadata", func() error {
		items, meta, err := collect(s.regional.ComputeV1.ListSkus(s.ctx, tenant))
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return errors.New("no compute SKUs")
		}
		c := &checks{}
		c.listMeta(meta, "seca.compute/v1", "skus")
		var metas []*schema.SkuResourceMetadata
		for _, i := range items {
			metas = append(metas, i.Metadata)
		}
		skuItems(c, metas)
		computeCount = len(items)
		return c.err()
	})
	s.r.step("list compute SKUs with limit=1 (paged): same SKUs, at most 1 per page", func() error {
		mark := s.rec.count()
		items, meta, err := collect(s.regional.ComputeV1.ListSkusWithOptions(s.ctx, tenant, secapi.NewListOptions().WithLimit(1)))
		if err != nil {
			return err
		}
		c := &checks{}
		c.listMeta(meta, "seca.compute/v1", "skus")
		c.eq("SKU count over all pages", computeCount, len(items))
		if err := pagesAtMost(s.rec, mark, 1); err != nil {
			c.that(err.Error(), false)
		}
		return c.err()
	})
	s.r.must("list compute SKUs with labels Tier=D2XS: non-empty, all of that tier", func() error {
		items, meta, err := collect(s.regional.ComputeV1.ListSkusWithOptions(s.ctx, tenant,
			secapi.NewListOptions().WithLabels(builders.NewLabelsBuilder().Equals("Tier", "D2XS"))))
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return errors.New("no compute SKU with label Tier=D2XS")
		}
		c := &checks{}
		c.listMeta(meta, "seca.compute/v1", "skus")
		for i, sku := range items {
			tier := ""
			for k, v := range sku.Labels {
				if strings.EqualFold(k, "tier") {
					tier = v
				}
			}
			c.eq(fmt.Sprintf("items[%d] tier label", i), "D2XS", tier)
		}
		if items[0].Metadata != nil {
			s.instanceSku = items[0].Metadata.Name
		}
		c.that("instance SKU has no metadata.name", s.instanceSku != "")
		return c.err()
	})
	s.r.must("list storage SKUs: non-empty, list metadata", func() error {
		items, meta, err := collect(s.regional.StorageV1.ListSkus(s.ctx, tenant))
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return errors.New("no storage SKUs")
		}
		c := &checks{}
		c.listMeta(meta, "seca.storage/v1", "skus")
		var metas []*schema.SkuResourceMetadata
		for _, i := range items {
			metas = append(metas, i.Metadata)
		}
		skuItems(c, metas)
		if items[0].Metadata != nil {
			s.storageSku = items[0].Metadata.Name
		}
		c.that("storage SKU has no metadata.name", s.storageSku != "")
		return c.err()
	})
	s.r.step("list network SKUs: non-empty, list metadata", func() error {
		items, meta, err := collect(s.regional.NetworkV1.ListSkus(s.ctx, tenant))
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return errors.New("no network SKUs")
		}
		c := &checks{}
		c.listMeta(meta, "seca.network/v1", "skus")
		var metas []*schema.SkuResourceMetadata
		for _, i := range items {
			metas = append(metas, i.Metadata)
		}
		skuItems(c, metas)
		return c.err()
	})
}

// ---- workspace --------------------------------------------------------------------------------

func (s *scenario) workspaceMeta(verb string) wantMeta {
	return wantMeta{name: s.workspace, provider: "seca.workspace/v1", resource: "workspaces/" + s.workspace, kind: "workspace",
		ref:    fmt.Sprintf("seca.workspace/v1/tenants/%s/workspaces/%s", s.cfg.tenant, s.workspace),
		tenant: s.cfg.tenant, region: s.cfg.region, verb: verb}
}

func (s *scenario) workspaceRef() secapi.TenantReference {
	return secapi.TenantReference{Tenant: secapi.TenantID(s.cfg.tenant), Name: s.workspace}
}

func (s *scenario) awaitWorkspace(conditions string, labels schema.Labels) error {
	var got *schema.Workspace
	err := observe(s.cfg, "workspace active", func(c secapi.ResourceObserverConfig) error {
		var err error
		got, err = s.regional.WorkspaceV1.GetWorkspaceUntilState(s.ctx, s.workspaceRef(), untilActive(c))
		return err
	})
	if err != nil {
		return err
	}
	c := &checks{}
	c.regionalMeta(got.Metadata, s.workspaceMeta("GET"))
	c.eq("labels", labels, got.Labels)
	c.conditions(got.Status.Conditions, conditions)
	s.ws = got
	return c.err()
}

func (s *scenario) workspaceLifecycle() {
	createLabels := schema.Labels{"env": "development", "run": s.runLabel}
	updateLabels := schema.Labels{"env": "conformance", "run": s.runLabel}
	annotations := schema.Annotations{"description": "SECA Go SDK test of Sovra"}
	request := func(labels schema.Labels) *schema.Workspace {
		m := s.workspaceMeta("PUT")
		return &schema.Workspace{Labels: labels, Annotations: annotations, Spec: schema.WorkspaceSpec{},
			Metadata: &schema.RegionalResourceMetadata{Name: m.name, Provider: m.provider, Resource: m.resource, ApiVersion: "v1",
				Verb: "PUT", Kind: schema.RegionalResourceMetadataKindResourceKindWorkspace, Ref: m.ref, Tenant: m.tenant, Region: m.region}}
	}
	s.r.must("create workspace: state pending|creating|active, metadata, labels, annotations", func() error {
		got, err := s.regional.WorkspaceV1.CreateOrUpdateWorkspace(s.ctx, request(createLabels))
		if err != nil {
			return err
		}
		s.ws = got
		c := &checks{}
		c.regionalMeta(got.Metadata, s.workspaceMeta("PUT"))
		c.eq("labels", createLabels, got.Labels)
		c.eq("annotations", annotations, got.Annotations)
		if c.that("status missing", got.Status != nil); got.Status != nil {
			c.stateIn(got.Status.State, schema.ResourceStatePending, schema.ResourceStateCreating, schema.ResourceStateActive)
		}
		return c.err()
	})
	s.r.must("get workspace until active: conditions A,C,P and labels", func() error {
		return s.awaitWorkspace("A,C,P", createLabels)
	})
	s.r.step("update workspace labels: response state exactly active", func() error {
		got, err := s.regional.WorkspaceV1.CreateOrUpdateWorkspace(s.ctx, request(updateLabels))
		if err != nil {
			return err
		}
		c := &checks{}
		c.regionalMeta(got.Metadata, s.workspaceMeta("PUT"))
		c.eq("labels", updateLabels, got.Labels)
		if c.that("status missing", got.Status != nil); got.Status != nil {
			c.eq("status.state", schema.ResourceStateActive, got.Status.State)
		}
		return c.err()
	})
	s.r.must("get workspace until active: conditions A,U,A,C,P and new labels", func() error {
		return s.awaitWorkspace("A,U,A,C,P", updateLabels)
	})
	s.r.step("list workspaces with limit=1 and labels env=conformance,run=<this run>: exactly this workspace", func() error {
		mark := s.rec.count()
		options := secapi.NewListOptions().WithLimit(1).
			WithLabels(builders.NewLabelsBuilder().Equals("env", "conformance").Equals("run", s.runLabel))
		items, meta, err := collect(s.regional.WorkspaceV1.ListWorkspacesWithOptions(s.ctx,
			secapi.TenantPath{Tenant: secapi.TenantID(s.cfg.tenant)}, options))
		if err != nil {
			return err
		}
		c := &checks{}
		c.listMeta(meta, "seca.workspace/v1", "workspaces")
		var names []string
		for i, ws := range items {
			if ws.Metadata == nil {
				c.that(fmt.Sprintf("items[%d].metadata missing", i), false)
				continue
			}
			m := ws.Metadata
			names = append(names, m.Name)
			c.itemMeta(i, map[string]string{"apiVersion": m.ApiVersion, "kind": string(m.Kind), "name": m.Name, "provider": m.Provider,
				"ref": m.Ref, "resource": m.Resource, "tenant": m.Tenant, "region": m.Region})
		}
		c.eq("workspaces matching the labels", []string{s.workspace}, names)
		if err := pagesAtMost(s.rec, mark, 1); err != nil {
			c.that(err.Error(), false)
		}
		return c.err()
	})
	s.r.step("list workspaces with a label no workspace has: empty", func() error {
		items, _, err := collect(s.regional.WorkspaceV1.ListWorkspacesWithOptions(s.ctx,
			secapi.TenantPath{Tenant: secapi.TenantID(s.cfg.tenant)},
			secapi.NewListOptions().WithLabels(builders.NewLabelsBuilder().Equals("run", s.runLabel+"-none"))))
		if err != nil {
			return err
		}
		if len(items) != 0 {
			return fmt.Errorf("want no workspaces, got %d", len(items))
		}
		return nil
	})
}

// ---- block storage ----------------------------------------------------------------------------

func (s *scenario) diskMeta(verb string) wantMeta {
	return wantMeta{name: s.disk, provider: "seca.storage/v1", resource: "block-storages/" + s.disk, kind: "block-storage",
		ref:    fmt.Sprintf("seca.storage/v1/tenants/%s/workspaces/%s/block-storages/%s", s.cfg.tenant, s.workspace, s.disk),
		tenant: s.cfg.tenant, region: s.cfg.region, workspace: s.workspace, verb: verb}
}

func (s *scenario) diskRef() secapi.WorkspaceReference {
	return secapi.WorkspaceReference{Tenant: secapi.TenantID(s.cfg.tenant), Workspace: secapi.WorkspaceID(s.workspace), Name: s.disk}
}

func (s *scenario) storageSkuRef() schema.Reference {
	return schema.Reference{Resource: fmt.Sprintf("seca.storage/v1/tenants/%s/skus/%s", s.cfg.tenant, s.storageSku)}
}

func (s *scenario) blockStorageRequest(sizeGB int) *schema.BlockStorage {
	m := s.diskMeta("PUT")
	return &schema.BlockStorage{Labels: schema.Labels{"env": "conformance", "run": s.runLabel},
		Spec: schema.BlockStorageSpec{SizeGB: sizeGB, SkuRef: s.storageSkuRef()},
		Metadata: &schema.RegionalWorkspaceResourceMetadata{Name: m.name, Provider: m.provider, Resource: m.resource, ApiVersion: "v1",
			Verb: "PUT", Kind: schema.RegionalWorkspaceResourceMetadataKindResourceKindBlockStorage, Ref: m.ref, Tenant: m.tenant,
			Region: m.region, Workspace: m.workspace}}
}

func (s *scenario) awaitDisk(conditions string, sizeGB int) error {
	var got *schema.BlockStorage
	err := observe(s.cfg, "block storage active", func(c secapi.ResourceObserverConfig) error {
		var err error
		got, err = s.regional.StorageV1.GetBlockStorageUntilState(s.ctx, s.diskRef(), untilActive(c))
		return err
	})
	if err != nil {
		return err
	}
	c := &checks{}
	c.workspaceMeta(got.Metadata, s.diskMeta("GET"))
	c.eq("spec.sizeGB", sizeGB, got.Spec.SizeGB)
	c.eq("spec.skuRef", s.storageSkuRef(), got.Spec.SkuRef)
	c.eq("status.sizeGB", sizeGB, got.Status.SizeGB)
	c.conditions(got.Status.Conditions, conditions)
	s.bs = got
	return c.err()
}

func (s *scenario) blockStorageLifecycle() {
	put := func(sizeGB int, states ...schema.ResourceState) error {
		got, err := s.regional.StorageV1.CreateOrUpdateBlockStorage(s.ctx, s.blockStorageRequest(sizeGB))
		if err != nil {
			return err
		}
		if s.bs == nil {
			s.bs = got
		}
		c := &checks{}
		c.workspaceMeta(got.Metadata, s.diskMeta("PUT"))
		c.eq("spec.sizeGB", sizeGB, got.Spec.SizeGB)
		c.eq("spec.skuRef (full URN echoed verbatim)", s.storageSkuRef(), got.Spec.SkuRef)
		c.eq("labels", schema.Labels{"env": "conformance", "run": s.runLabel}, got.Labels)
		if c.that("status missing", got.Status != nil); got.Status != nil {
			c.stateIn(got.Status.State, states...)
		}
		return c.err()
	}
	s.r.must("create block storage 20 GB with skuRef "+s.storageSkuRef().Resource, func() error {
		return put(20, schema.ResourceStatePending, schema.ResourceStateCreating, schema.ResourceStateActive)
	})
	s.r.must("get block storage until active: conditions A,C,P, 20 GB", func() error {
		return s.awaitDisk("A,C,P", 20)
	})
	s.r.step("grow block storage to 30 GB: state active|updating", func() error {
		return put(30, schema.ResourceStateActive, schema.ResourceStateUpdating)
	})
	s.r.must("get block storage until active: conditions A,U,A,C,P, 30 GB", func() error {
		return s.awaitDisk("A,U,A,C,P", 30)
	})
	s.r.step("shrink block storage to 10 GB is refused (412) and changes nothing", func() error {
		_, err := s.regional.StorageV1.CreateOrUpdateBlockStorage(s.ctx, s.blockStorageRequest(10))
		if err := refused(s.rec, err); err != nil {
			return err
		}
		return s.awaitDisk("A,U,A,C,P", 30)
	})
	s.r.step("list block storages with limit=1 and labels run=<this run>: exactly this one", func() error {
		items, meta, err := collect(s.regional.StorageV1.ListBlockStoragesWithOptions(s.ctx,
			secapi.WorkspacePath{Tenant: secapi.TenantID(s.cfg.tenant), Workspace: secapi.WorkspaceID(s.workspace)},
			secapi.NewListOptions().WithLimit(1).WithLabels(builders.NewLabelsBuilder().Equals("run", s.runLabel))))
		if err != nil {
			return err
		}
		c := &checks{}
		c.listMeta(meta, "seca.storage/v1", "block-storages")
		var names []string
		for i, b := range items {
			if b.Metadata == nil {
				c.that(fmt.Sprintf("items[%d].metadata missing", i), false)
				continue
			}
			m := b.Metadata
			names = append(names, m.Name)
			c.itemMeta(i, map[string]string{"apiVersion": m.ApiVersion, "kind": string(m.Kind), "name": m.Name, "provider": m.Provider,
				"ref": m.Ref, "resource": m.Resource, "tenant": m.Tenant, "region": m.Region, "workspace": m.Workspace})
		}
		c.eq("block storages", []string{s.disk}, names)
		return c.err()
	})
}

// ---- instance ---------------------------------------------------------------------------------

func (s *scenario) instanceMeta(name, verb string) wantMeta {
	return wantMeta{name: name, provider: "seca.compute/v1", resource: "instances/" + name, kind: "instance",
		ref:    fmt.Sprintf("seca.compute/v1/tenants/%s/workspaces/%s/instances/%s", s.cfg.tenant, s.workspace, name),
		tenant: s.cfg.tenant, region: s.cfg.region, workspace: s.workspace, verb: verb}
}

func (s *scenario) instanceRef(name string) secapi.WorkspaceReference {
	return secapi.WorkspaceReference{Tenant: secapi.TenantID(s.cfg.tenant), Workspace: secapi.WorkspaceID(s.workspace), Name: name}
}

func (s *scenario) instanceSkuRef(sku string) schema.Reference {
	return schema.Reference{Resource: fmt.Sprintf("seca.compute/v1/tenants/%s/skus/%s", s.cfg.tenant, sku)}
}

func (s *scenario) bootVolumeRef(disk string) schema.Reference {
	return schema.Reference{Resource: fmt.Sprintf("seca.storage/v1/tenants/%s/workspaces/%s/block-storages/%s", s.cfg.tenant, s.workspace, disk)}
}

func (s *scenario) instanceRequest(name, sku, zone, disk string) *schema.Instance {
	m := s.instanceMeta(name, "PUT")
	return &schema.Instance{
		Labels:      schema.Labels{"env": "conformance", "run": s.runLabel},
		Annotations: schema.Annotations{"description": "booted by the SECA Go SDK test"},
		Spec: schema.InstanceSpec{SkuRef: s.instanceSkuRef(sku), Zone: zone,
			BootVolume: schema.VolumeReference{DeviceRef: s.bootVolumeRef(disk)}},
		Metadata: &schema.RegionalWorkspaceResourceMetadata{Name: m.name, Provider: m.provider, Resource: m.resource, ApiVersion: "v1",
			Verb: "PUT", Kind: schema.RegionalWorkspaceResourceMetadataKindResourceKindInstance, Ref: m.ref, Tenant: m.tenant,
			Region: m.region, Workspace: m.workspace}}
}

func (s *scenario) checkInstanceSpec(c *checks, got *schema.Instance, zone string) {
	c.eq("spec.skuRef (full URN echoed verbatim)", s.instanceSkuRef(s.instanceSku), got.Spec.SkuRef)
	c.eq("spec.zone", zone, got.Spec.Zone)
	c.eq("spec.bootVolume.deviceRef (full URN echoed verbatim)", s.bootVolumeRef(s.disk), got.Spec.BootVolume.DeviceRef)
}

// awaitInstance polls until the instance is active, then checks the first active answer: its
// power state (Sovra reports active only once the guest is in the desired power state) and the
// suite's condition history.
func (s *scenario) awaitInstance(power schema.InstanceStatusPowerState, conditions string) error {
	var got *schema.Instance
	err := observe(s.cfg, "instance active", func(c secapi.ResourceObserverConfig) error {
		var err error
		got, err = s.regional.ComputeV1.GetInstanceUntilState(s.ctx, s.instanceRef(s.instance), untilActive(c))
		return err
	})
	if err != nil {
		return err
	}
	c := &checks{}
	c.workspaceMeta(got.Metadata, s.instanceMeta(s.instance, "GET"))
	s.checkInstanceSpec(c, got, s.inst.Spec.Zone)
	c.eq("status.powerState", power, got.Status.PowerState)
	c.conditions(got.Status.Conditions, conditions)
	s.inst = got
	return c.err()
}

func (s *scenario) instanceLifecycle() {
	zone := s.zones[rand.Intn(len(s.zones))]
	s.r.must(fmt.Sprintf("create instance %s (zone %s) booting from the block storage", s.instanceSkuRef(s.instanceSku).Resource, zone), func() error {
		got, err := s.regional.ComputeV1.CreateOrUpdateInstance(s.ctx, s.instanceRequest(s.instance, s.instanceSku, zone, s.disk))
		if err != nil {
			return err
		}
		s.inst = got
		c := &checks{}
		c.workspaceMeta(got.Metadata, s.instanceMeta(s.instance, "PUT"))
		s.checkInstanceSpec(c, got, zone)
		if c.that("status missing", got.Status != nil); got.Status != nil {
			c.stateIn(got.Status.State, schema.ResourceStatePending, schema.ResourceStateCreating, schema.ResourceStateActive)
		}
		return c.err()
	})
	s.r.must("get instance until active: conditions A,C,P, powerState off (new instances are off)", func() error {
		return s.awaitInstance(schema.InstanceStatusPowerStateOff, "A,C,P")
	})

	// Refusals (Workspace.V1.WorkspaceError, Compute.V1.InstanceError).
	s.r.step("delete the workspace that holds an instance is refused (412); workspace stays active", func() error {
		if err := refused(s.rec, s.regional.WorkspaceV1.DeleteWorkspace(s.ctx, s.ws)); err != nil {
			return err
		}
		ws, err := s.regional.WorkspaceV1.GetWorkspace(s.ctx, s.workspaceRef())
		if err != nil {
			return fmt.Errorf("workspace after the refused delete: %w", err)
		}
		if ws.Status == nil || ws.Status.State != schema.ResourceStateActive {
			return fmt.Errorf("workspace state after the refused delete: %s", show(ws.Status))
		}
		return nil
	})
	rejectedCreate := func(suffix, sku, zone, disk string) error {
		name := s.instance + "-" + suffix
		_, err := s.regional.ComputeV1.CreateOrUpdateInstance(s.ctx, s.instanceRequest(name, sku, zone, disk))
		if err := refused(s.rec, err); err != nil {
			return err
		}
		if _, err := s.regional.ComputeV1.GetInstance(s.ctx, s.instanceRef(name)); !errors.Is(err, secapi.ErrResourceNotFound) {
			return fmt.Errorf("the refused instance %s must not exist: GET gave %v", name, err)
		}
		return nil
	}
	s.r.step("instance in zone invalid-zone is refused (412) and not created", func() error {
		return rejectedCreate("zone", s.instanceSku, "invalid-zone", s.disk)
	})
	s.r.step("instance with SKU non-existent-sku is refused (412) and not created", func() error {
		return rejectedCreate("sku", "non-existent-sku", zone, s.disk)
	})
	s.r.step("instance booting from a non-existent block storage is refused (412) and not created", func() error {
		return rejectedCreate("disk", s.instanceSku, zone, s.disk+"-missing")
	})

	// Compute.V1.ProviderLifeCycle: update, start, restart, stop with the condition history.
	s.r.step("update instance (GET result, zone picked again): state active|updating", func() error {
		update := *s.inst
		meta := *s.inst.Metadata
		meta.Verb = "PUT"
		update.Metadata = &meta
		update.Spec.Zone = s.zones[rand.Intn(len(s.zones))]
		got, err := s.regional.ComputeV1.CreateOrUpdateInstance(s.ctx, &update)
		if err != nil {
			return err
		}
		c := &checks{}
		c.workspaceMeta(got.Metadata, s.instanceMeta(s.instance, "PUT"))
		s.checkInstanceSpec(c, got, update.Spec.Zone)
		if c.that("status missing", got.Status != nil); got.Status != nil {
			c.stateIn(got.Status.State, schema.ResourceStateActive, schema.ResourceStateUpdating)
		}
		return c.err()
	})
	s.r.must("get instance until active: conditions A,U,A,C,P", func() error {
		return s.awaitInstance(schema.InstanceStatusPowerStateOff, "A,U,A,C,P")
	})
	s.r.must("start instance (202)", func() error {
		return s.regional.ComputeV1.StartInstance(s.ctx, s.inst)
	})
	s.r.must("get instance until active: powerState on, 7 conditions", func() error {
		return s.awaitInstance(schema.InstanceStatusPowerStateOn, "A,U,A,U,A,C,P")
	})
	s.r.step("start an instance that is on is refused (412)", func() error {
		return refused(s.rec, s.regional.ComputeV1.StartInstance(s.ctx, s.inst))
	})
	s.r.must("restart instance (202)", func() error {
		return s.regional.ComputeV1.RestartInstance(s.ctx, s.inst)
	})
	s.r.must("get instance until active: powerState on, 9 conditions", func() error {
		return s.awaitInstance(schema.InstanceStatusPowerStateOn, "A,U,A,U,A,U,A,C,P")
	})
	s.r.must("stop instance (202)", func() error {
		return s.regional.ComputeV1.StopInstance(s.ctx, s.inst)
	})
	s.r.step("stop again immediately is refused (412): stop takes effect at once", func() error {
		return refused(s.rec, s.regional.ComputeV1.StopInstance(s.ctx, s.inst))
	})
	s.r.must("get instance until active: powerState off, 11 conditions", func() error {
		return s.awaitInstance(schema.InstanceStatusPowerStateOff, "A,U,A,U,A,U,A,U,A,C,P")
	})
	s.r.step("stop an instance that is off is refused (412)", func() error {
		return refused(s.rec, s.regional.ComputeV1.StopInstance(s.ctx, s.inst))
	})
	s.r.step("restart an instance that is off is refused (412)", func() error {
		return refused(s.rec, s.regional.ComputeV1.RestartInstance(s.ctx, s.inst))
	})
	s.r.step("refused actions added no conditions (still 11)", func() error {
		return s.awaitInstance(schema.InstanceStatusPowerStateOff, "A,U,A,U,A,U,A,U,A,C,P")
	})
	s.r.step("list instances with limit=1 and labels env=conformance,run=<this run>: exactly this one", func() error {
		items, meta, err := collect(s.regional.ComputeV1.ListInstancesWithOptions(s.ctx,
			secapi.WorkspacePath{Tenant: secapi.TenantID(s.cfg.tenant), Workspace: secapi.WorkspaceID(s.workspace)},
			secapi.NewListOptions().WithLimit(1).WithLabels(builders.NewLabelsBuilder().Equals("env", "conformance").Equals("run", s.runLabel))))
		if err != nil {
			return err
		}
		c := &checks{}
		c.listMeta(meta, "seca.compute/v1", "instances")
		var names []string
		for i, inst := range items {
			if inst.Metadata == nil {
				c.that(fmt.Sprintf("items[%d].metadata missing", i), false)
				continue
			}
			m := inst.Metadata
			names = append(names, m.Name)
			c.itemMeta(i, map[string]string{"apiVersion": m.ApiVersion, "kind": string(m.Kind), "name": m.Name, "provider": m.Provider,
				"ref": m.Ref, "resource": m.Resource, "tenant": m.Tenant, "region": m.Region, "workspace": m.Workspace})
		}
		c.eq("instances", []string{s.instance}, names)
		return c.err()
	})
}

// ---- teardown: runs whatever happened before ---------------------------------------------------

// deleted checks the DELETE answer was 202 (the SDK also accepts 404) and then watches until 404.
func (s *scenario) deleted(what string, del func() error, watch func(secapi.ResourceObserverConfig) error) error {
	if err := del(); err != nil {
		return fmt.Errorf("delete %s: %w", what, err)
	}
	if e, ok := s.rec.last(); !ok || e.method != http.MethodDelete || e.status != http.StatusAccepted {
		return fmt.Errorf("delete %s: want 202, got %v", what, e)
	}
	return observe(s.cfg, what+" gone (404)", watch)
}

func (s *scenario) teardown() {
	if s.inst != nil {
		s.r.cleanup("delete instance (202) and watch until 404", func() error {
			return s.deleted("instance", func() error { return s.regional.ComputeV1.DeleteInstance(s.ctx, s.inst) },
				func(c secapi.ResourceObserverConfig) error {
					return s.regional.ComputeV1.WatchInstanceUntilDeleted(s.ctx, s.instanceRef(s.instance), c)
				})
		})
	}
	if s.bs != nil {
		s.r.cleanup("delete block storage (202) and watch until 404", func() error {
			return s.deleted("block storage", func() error { return s.regional.StorageV1.DeleteBlockStorage(s.ctx, s.bs) },
				func(c secapi.ResourceObserverConfig) error {
					return s.regional.StorageV1.WatchBlockStorageUntilDeleted(s.ctx, s.diskRef(), c)
				})
		})
	}
	if s.ws != nil {
		s.r.cleanup("delete workspace (202) and watch until 404", func() error {
			return s.deleted("workspace", func() error { return s.regional.WorkspaceV1.DeleteWorkspace(s.ctx, s.ws) },
				func(c secapi.ResourceObserverConfig) error {
					return s.regional.WorkspaceV1.WatchWorkspaceUntilDeleted(s.ctx, s.workspaceRef(), c)
				})
		})
	}
}
