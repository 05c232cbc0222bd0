package i18n

// english is the catalog of English messages, keyed by message id.
var english = map[Msg]string{
	// progress phases and counts
	"phase.planning": "planning",
	"phase.writing":  "writing",
	"phase.reading":  "reading",
	"count.created":  "new %d",
	"count.updated":  "upd %d",
	"count.same":     "same %d",
	"count.skipped":  "skip %d",
	"count.failed":   "fail %d",
	"unit.records":   "rec",

	// the interrupt and exit messages
	"interrupt":      "stopping: finishing the records in flight and writing the reports (Ctrl-C again to abort at once); continue later with --resume",
	"exit.failed":    "%d of %d records failed",
	"exit.jobs":      "%d of %d job files have problems",
	"run.needs.job":  "name the job file to run, e.g. etl run jobs/supplier-prices.yaml",
	"validate.ok":    "%s: ok",
	"log.format":     "--log-format %q: use text or json",
	"erp.connection": "ERP connection: %w",

	// the summary printed at the end of a run
	"sum.line":            "%s: %d read: %d %s, %d updated, %d unchanged, %d skipped, %d failed in %ss%s",
	"sum.line.dry":        "%s: %d read: %d %s, %d updated, %d unchanged, %d skipped, %d failed in %ss%s",
	"sum.created":         "created",
	"sum.written":         "written",
	"sum.tobe.created":    "to be created",
	"sum.tobe.written":    "to be written",
	"sum.dryrun":          " (dry run: nothing was written)",
	"sum.requests":        "  API requests: %d",
	"sum.output":          "  output: %s",
	"sum.already":         "  this file was already imported by this job (%s); nothing to do. Run with --force to import it again.",
	"sum.already.failed":  "  %d of its records failed then: fix them in that run's errors.xlsx and import that workbook.",
	"sum.resumed":         "  resumed: %d records had been applied by the interrupted run and were not written again",
	"sum.stopped.guard":   "  STOPPED, nothing was written: %s",
	"sum.more":            "      … %d more in the diff report",
	"sum.row.key":         "      row %d %s: %s",
	"sum.row":             "      row %d: %s",
	"sum.diff":            "  diff: %s and %s",
	"sum.errors":          "  errors: %s (fix the rows and run the job again with --source %s)",
	"sum.interrupted":     "  interrupted: records after the last one counted were not read; continue with --resume",
	"sum.fatal":           "  stopped: %s",
	"guardrail":           "guardrail %s (limit %s) tripped: %s",
	"guard.max_failed":    "%d of %d records would fail",
	"guard.max_changes":   "%d of %d records would change",
	"guard.max_price":     "%d records would change a price by more than %s",
	"guard.max_zeroed":    "%d of %d stock levels would drop to zero",
	"guard.limit.invalid": "options.guardrails.%s: %q is not a count, a percentage like 5%% or off",

	// ping
	"ping.company":     "%d company",
	"ping.companies":   "%d companies",
	"ping.info":        "GET /info: OK  Wawi %v, type %v, server time %v",
	"ping.info.tenant": "GET /info: OK  Wawi %v, tenant %v, type %v, server time %v",
	"ping.read.ok":     "GET %s: OK  credentials accepted (%s)",
	"ping.failed":      "GET %s: FAILED",
	"ping.scope":       "GET %s: credentials accepted, but the app lacks the scope to read (all.read or company.querycompanies): %v",
	"ping.ok.scope":    "OK (with a missing scope)",

	"ping.refused":        "cannot reach %s: is the Wawi REST server running? check %s (%w)",
	"ping.dns":            "cannot resolve the host of %s: check %s (%w)",
	"ping.token":          "cannot get a token from %s: check WAWI_TOKEN_URL and the network (%w)",
	"ping.token.rejected": "credentials rejected by the token endpoint: check %s (%w)",
	"ping.401.cloud":      "credentials rejected: check %s and WAWI_TENANT_ID (%w)",
	"ping.401":            "credentials rejected: check %s (get a key with `etl register`) (%w)",
	"ping.412":            "missing header: the server wants a header etl did not send or did not like (x-appid, x-appversion, api-version, tenant-id; see WAWI_APP_ID, WAWI_APP_VERSION, WAWI_API_VERSION, WAWI_TENANT_ID) (%w)",
	"ping.404":            "no Wawi API at this URL: check the path in %s, e.g. http://127.0.0.1:64110/api/eazybusiness/ or https://api.jtl-cloud.com/erp/ (%w)",
	"ping.402":            "no licence for the Wawi REST API, or the app is not authorised by JTL (%w)",
	"ping.403":            "access denied: the app lacks a scope; register it again with the scopes it needs (%w)",
	"ping.3xx":            "the server redirects: check %s (http vs https, trailing path) (%w)",
	"ping.status":         "the Wawi answered %d: %w",
	"ping.timeout":        "no answer from %s: check %s, the firewall and whether the Wawi REST server is running (%w)",
	"ping.unreachable":    "cannot reach %s: check %s (%w)",

	// register
	"reg.written": "The API key is written to %s (mode 0600) and not shown here. Use it with:",
	"reg.key":     "API key (the Wawi shows it only this once; store it now):",

	// did you mean
	"didyoumean": "did you mean %q?",
}
