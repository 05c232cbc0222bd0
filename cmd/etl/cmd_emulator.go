package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/erp/erptest"
)

func init() { subcommands = append(subcommands, newEmulatorCommand) }

// demoAPIKey is the emulator's API key when --api-key is not given.
const demoAPIKey = "DEMO0000-0000-4000-8000-000000000000"

type emulatorOptions struct {
	addr                   string
	seed                   string
	genItems, genOrders    int
	genSeed                uint64
	genAccounting          bool
	apiKey                 string
	clientID, secret       string
	tenantID               string
	latency, jitter        time.Duration
	failRate, lostRate     float64
	budget                 int
	budgetWindow           time.Duration
	maxPageSize            int
	validate               bool
	faultSeed              uint64
	registrationAutoAccept time.Duration
}

func newEmulatorCommand() *cobra.Command {
	var o emulatorOptions
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run an in-memory JTL-Wawi REST API for trying jobs out",
		Long: `Run an in-memory JTL-Wawi REST API (dialect 1.0) until interrupted.

The first line on stdout is the base URL; stderr says how to point etl at it.
Data comes from --seed FILE (JSON: items, warehouses, categories, customers,
companies, paymentMethods, shippingMethods, manufacturers, stock, orders) or
is generated (--generate-items, --generate-orders); everything is lost on exit
(save it first with GET /_admin/state, which is itself a seed file).

Faults for testing retries: --latency/--jitter on every request, --fail-rate
(answered 503/502 without acting), --lost-write-rate (writes performed but
answered 500/504), --budget requests per --budget-window (then 429 with
Retry-After). Admin routes outside the API: GET /_admin/counters,
GET /_admin/state, GET|POST /_admin/faults, GET /_admin/violations (with
--validate), GET /_admin/registrations, POST /_admin/registrations/{id}?status=accept|reject.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEmulator(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	f.StringVar(&o.seed, "seed", "", "JSON seed file with the initial data")
	f.IntVar(&o.genItems, "generate-items", 0, "generate this many items (with stock)")
	f.IntVar(&o.genOrders, "generate-orders", 0, "generate this many sales orders (with line items)")
	f.Uint64Var(&o.genSeed, "generate-seed", 1, "seed of the data generator (same seed, same data)")
	f.BoolVar(&o.genAccounting, "generate-accounting", false, "generated orders include EU and third-country customers (0 % VAT), returns and revenue accounts, for the invoice and DATEV exports")
	f.StringVar(&o.apiKey, "api-key", "", "OnPremise API key to require (default: a fixed demo key, printed)")
	f.StringVar(&o.clientID, "client-id", "", "Cloud client id: enables POST /oauth2/token and Bearer tokens")
	f.StringVar(&o.secret, "client-secret", "", "Cloud client secret")
	f.StringVar(&o.tenantID, "tenant-id", "", "Cloud tenant id required in X-Tenant-ID")
	f.DurationVar(&o.latency, "latency", 0, "latency added to every API request, e.g. 20ms")
	f.DurationVar(&o.jitter, "jitter", 0, "± uniform jitter on the latency")
	f.Float64Var(&o.failRate, "fail-rate", 0, "fraction of requests answered 503/502 without acting")
	f.Float64Var(&o.lostRate, "lost-write-rate", 0, "fraction of writes performed but answered 500/504")
	f.IntVar(&o.budget, "budget", 0, "requests allowed per --budget-window, then 429 (0: unlimited)")
	f.DurationVar(&o.budgetWindow, "budget-window", time.Second, "rate-limit window")
	f.IntVar(&o.maxPageSize, "max-page-size", erptest.DefaultMaxPageSize, "largest pageSize served")
	f.BoolVar(&o.validate, "validate", false, "check requests (operation, parameters, required headers, body schema) and response statuses against the API spec; see /_admin/violations")
	f.Uint64Var(&o.faultSeed, "fault-seed", 0, "seed of the fault generator (0: from the clock)")
	f.DurationVar(&o.registrationAutoAccept, "registration-auto-accept", 2*time.Second, "accept app registrations (etl register) after this long; 0: only via /_admin/registrations")
	return cmd
}

func runEmulator(cmd *cobra.Command, o emulatorOptions) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	switch {
	case o.failRate < 0 || o.failRate > 1 || o.lostRate < 0 || o.lostRate > 1:
		return withCode(exitCannotStart, errors.New("--fail-rate and --lost-write-rate are fractions between 0 and 1"))
	case o.genItems < 0 || o.genOrders < 0 || o.budget < 0 || o.latency < 0 || o.jitter < 0:
		return withCode(exitCannotStart, errors.New("counts and durations must not be negative"))
	case o.seed != "" && (o.genItems > 0 || o.genOrders > 0):
		return withCode(exitCannotStart, errors.New("use either --seed or --generate-items/--generate-orders"))
	case (o.clientID == "") != (o.secret == ""):
		return withCode(exitCannotStart, errors.New("--client-id and --client-secret go together"))
	}
	var seed *erptest.Seed
	if o.seed != "" {
		s, err := erptest.LoadSeed(o.seed)
		if err != nil {
			return withCode(exitCannotStart, err)
		}
		seed = s
	} else if o.genItems > 0 || o.genOrders > 0 {
		seed = erptest.Generate(erptest.GenConfig{Items: o.genItems, Orders: o.genOrders, Seed: o.genSeed, Now: time.Now().UTC().Truncate(24 * time.Hour),
			Accounting: o.genAccounting})
	}
	apiKey := o.apiKey
	if apiKey == "" && o.clientID == "" {
		apiKey = demoAPIKey
	}
	faultSeed := o.faultSeed
	if faultSeed == 0 {
		faultSeed = uint64(time.Now().UnixNano())
	}
	emu, err := erptest.New(erptest.Options{
		APIKey: apiKey, ClientID: o.clientID, ClientSecret: o.secret, TenantID: o.tenantID,
		Latency: o.latency, Jitter: o.jitter, FailRate: o.failRate, LostWriteRate: o.lostRate,
		RequestBudget: o.budget, BudgetWindow: o.budgetWindow, MaxPageSize: o.maxPageSize, Validate: o.validate, Validator: erptest.TableValidator{},
		Seed: seed, Rand: rand.New(rand.NewPCG(faultSeed, 0xe1)), RegistrationAutoAccept: o.registrationAutoAccept,
	})
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	root := "http://" + ln.Addr().String()
	base := root + erptest.BasePath + "/"
	fmt.Fprintln(stdout, base)

	counts := fmt.Sprintf("%d items, %d sales orders, %d customers", len(emu.Items()), len(emu.Orders()), len(emu.Customers()))
	fmt.Fprintf(stderr, "etl emulator: JTL-Wawi API 1.0 emulator at %s (%s)\n", base, counts)
	switch {
	case o.clientID != "":
		fmt.Fprintf(stderr, "  export WAWI_URL=%s WAWI_TOKEN_URL=%s/oauth2/token WAWI_CLIENT_ID=%s WAWI_CLIENT_SECRET=%s WAWI_TENANT_ID=%s\n",
			base, root, o.clientID, o.secret, orPlaceholder(o.tenantID))
	default:
		if o.apiKey == "" {
			fmt.Fprintf(stderr, "  no --api-key given: the demo key %s is required\n", demoAPIKey)
		}
		fmt.Fprintf(stderr, "  export WAWI_URL=%s WAWI_API_KEY=%s\n", base, apiKey)
	}
	fmt.Fprintf(stderr, "  admin: %s/_admin/counters, %s/_admin/state; stop with Ctrl-C\n", root, root)

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return withCode(exitCannotStart, err)
	case <-cmd.Context().Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
	c := emu.Counters()
	fmt.Fprintf(stderr, "etl emulator: stopped after %d requests (%d writes, %d rate-limited, %d faults injected)\n",
		c.Requests, c.Writes, c.RateLimited, c.FailedWithoutActing()+c.LostWrites())
	return nil
}

// orPlaceholder gives a tenant to export when the emulator accepts any.
func orPlaceholder(s string) string {
	if s == "" {
		return "00000000-0000-4000-8000-000000000001"
	}
	return s
}
