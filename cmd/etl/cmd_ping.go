package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/pipeline"
)

func init() { subcommands = append(subcommands, newPingCommand) }

func newPingCommand() *cobra.Command {
	var jobPath string
	cmd := &cobra.Command{
		Use:   "ping",
		Short: "Check that the Wawi REST API answers with the configured URL, credentials and headers",
		Long: `ping reads the Wawi connection from the WAWI_* environment (and the erp:
block of --job), calls GET /info and one authenticated read, and says what
is wrong when something is: the URL, the credentials or the headers.

Environment: WAWI_URL, WAWI_API_KEY or WAWI_API_KEY_FILE (OnPremise), or
WAWI_CLIENT_ID, WAWI_CLIENT_SECRET, WAWI_TENANT_ID (JTL Cloud); optional
WAWI_TOKEN_URL, WAWI_APP_ID, WAWI_APP_VERSION, WAWI_API_VERSION, WAWI_RUN_AS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var spec *pipeline.ERPSpec
			if jobPath != "" {
				job, err := loadJob(langOf(cmd), jobPath, pipeline.LoadOptions{})
				if err != nil {
					return withCode(exitCannotStart, err)
				}
				spec = job.ERP
			}
			cfg, err := configFromEnvAndSpec(spec)
			if err != nil {
				return withCode(exitCannotStart, err)
			}
			// A check, not a job: fail fast instead of retrying for minutes.
			cfg.MaxAttempts = 2
			cfg.MaxElapsed = 10 * time.Second
			cfg.BackoffInitial = 300 * time.Millisecond
			if cfg.Timeout == 0 || cfg.Timeout > 15*time.Second {
				cfg.Timeout = 15 * time.Second
			}
			return ping(cmd.Context(), cmd, cfg, varNames(spec), langOf(cmd))
		},
	}
	cmd.Flags().StringVar(&jobPath, "job", "", "job file whose erp: block overrides the WAWI_* environment")
	return cmd
}

// names tells messages where a setting came from.
type names struct{ url, key, cloud string }

func varNames(spec *pipeline.ERPSpec) names {
	n := names{url: "WAWI_URL", key: "WAWI_API_KEY", cloud: "WAWI_CLIENT_ID and WAWI_CLIENT_SECRET"}
	if spec == nil {
		return n
	}
	if spec.URL != "" {
		n.url = "erp.url in the job"
	}
	if spec.APIKey != "" || spec.APIKeyFile != "" {
		n.key = "erp.api_key in the job"
	}
	if spec.ClientID != "" || spec.ClientSecret != "" {
		n.cloud = "erp.client_id and erp.client_secret in the job"
	}
	return n
}

func ping(ctx context.Context, cmd *cobra.Command, cfg erp.Config, n names, lang i18n.Lang) error {
	out := cmd.OutOrStdout()
	c, err := erp.New(cfg)
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	mode := "OnPremise (Authorization: Wawi <key>)"
	if c.Mode() == erp.ModeCloud {
		mode = "JTL Cloud (OAuth 2.0 client credentials, tenant " + cfg.TenantID + ")"
	}
	eff := c.Config()
	fmt.Fprintf(out, "URL:      %s\nAuth:     %s\nHeaders:  x-appid=%s x-appversion=%s api-version=%s", c.BaseURL(), mode, eff.AppID, eff.AppVersion, eff.APIVersion)
	if eff.RunAs != "" {
		fmt.Fprintf(out, " x-runas=%s", eff.RunAs)
	}
	fmt.Fprintln(out)

	info, err := c.Info(ctx)
	if err != nil {
		fmt.Fprintln(out, lang.T("ping.failed", "/info"))
		return withCode(exitCannotStart, explainPing(c, n, err, lang))
	}
	// an OnPremise Wawi has no tenant: "tenant <nil>" would only confuse
	if tenant, ok := info["Tenant"]; ok && tenant != nil && fmt.Sprint(tenant) != "" {
		fmt.Fprintln(out, lang.T("ping.info.tenant", info["Version"], tenant, info["Type"], info["Timestamp"]))
	} else {
		fmt.Fprintln(out, lang.T("ping.info", info["Version"], info["Type"], info["Timestamp"]))
	}

	// /info may answer without valid credentials; an authenticated read
	// proves them.
	companies, _ := erp.Resource("companies")
	var list []map[string]any
	if err := c.Get(ctx, companies.ListPath, nil, &list); err != nil {
		if erp.StatusOf(err) == 403 {
			fmt.Fprintln(out, lang.T("ping.scope", companies.ListPath, err))
			fmt.Fprintln(out, lang.T("ping.ok.scope"))
			return nil
		}
		fmt.Fprintln(out, lang.T("ping.failed", companies.ListPath))
		return withCode(exitCannotStart, explainPing(c, n, err, lang))
	}
	fmt.Fprintln(out, lang.T("ping.read.ok", companies.ListPath, lang.Plural(int64(len(list)), "ping.company", "ping.companies")))
	fmt.Fprintln(out, "OK")
	return nil
}

// explainPing names what is wrong in words a merchant can act on.
func explainPing(c *erp.Client, n names, err error, lang i18n.Lang) error {
	base := c.BaseURL()
	var (
		ae  *erp.APIError
		au  *erp.AuthError
		dns *net.DNSError
		te  *erp.TransportError
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return lang.Errorf("ping.refused", base, n.url, err)
	case errors.As(err, &dns):
		return lang.Errorf("ping.dns", base, n.url, err)
	case errors.As(err, &au):
		if au.Temporary {
			return lang.Errorf("ping.token", au.TokenURL, err)
		}
		return lang.Errorf("ping.token.rejected", n.cloud, err)
	case errors.As(err, &ae):
		switch {
		case ae.Status == 401:
			if c.Mode() == erp.ModeCloud {
				return lang.Errorf("ping.401.cloud", n.cloud, err)
			}
			return lang.Errorf("ping.401", n.key, err)
		case ae.Status == 412:
			return lang.Errorf("ping.412", err)
		case ae.Status == 404:
			return lang.Errorf("ping.404", n.url, err)
		case ae.Status == 402:
			return lang.Errorf("ping.402", err)
		case ae.Status == 403:
			return lang.Errorf("ping.403", err)
		case ae.Status >= 300 && ae.Status < 400:
			return lang.Errorf("ping.3xx", n.url, err)
		}
		return lang.Errorf("ping.status", ae.Status, err)
	case errors.As(err, &te):
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return lang.Errorf("ping.timeout", base, n.url, err)
		}
		return lang.Errorf("ping.unreachable", base, n.url, err)
	}
	return err
}

// configFromEnvAndSpec is the Wawi connection of a run: the WAWI_*
// environment, with the non-empty fields of the job's erp: block (already
// ${VAR}-expanded by the job loader) over it. Credentials are taken as a
// whole: if the job names any (api_key, api_key_file, client_id,
// client_secret), the environment's are ignored.
func configFromEnvAndSpec(spec *pipeline.ERPSpec) (erp.Config, error) {
	cfg := erp.ConfigFromEnv(os.Getenv)
	if spec != nil {
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		if spec.APIKey != "" || spec.APIKeyFile != "" || spec.ClientID != "" || spec.ClientSecret != "" {
			cfg.APIKey, cfg.APIKeyFile, cfg.ClientID, cfg.ClientSecret = spec.APIKey, spec.APIKeyFile, spec.ClientID, spec.ClientSecret
		}
		set(&cfg.BaseURL, spec.URL)
		set(&cfg.TenantID, spec.TenantID)
		set(&cfg.TokenURL, spec.TokenURL)
		set(&cfg.AppID, spec.AppID)
		set(&cfg.AppVersion, spec.AppVersion)
		set(&cfg.APIVersion, spec.APIVersion)
		set(&cfg.RunAs, spec.RunAs)
		if spec.RateLimit > 0 {
			cfg.RateLimit = spec.RateLimit
		}
		if spec.PageSize > 0 {
			cfg.PageSize = spec.PageSize
		}
		if spec.MaxResponseMB > 0 {
			cfg.MaxResponseBytes = int64(spec.MaxResponseMB) << 20
		}
		if spec.Timeout != "" {
			d, err := time.ParseDuration(spec.Timeout)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("erp.timeout %q: want a duration such as 30s or 2m", spec.Timeout)
			}
			cfg.Timeout = d
		}
	}
	v := appVersion()
	if cfg.AppVersion == "" {
		cfg.AppVersion = v
	}
	if cfg.AppID == "" {
		cfg.AppID = "etl/" + v
	}
	return cfg, cfg.Validate()
}

// appVersion is the version etl reports to the Wawi.
func appVersion() string {
	if version != "" && version != "dev" {
		return strings.TrimPrefix(version, "v")
	}
	return erp.Version
}
