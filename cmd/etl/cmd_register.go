package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/i18n"
)

func init() { subcommands = append(subcommands, newRegisterCommand) }

type registerFlags struct {
	challenge, appID, displayName, keyFile string
	scopes, optionalScopes                 []string
	timeout, poll                          time.Duration
	force                                  bool
}

func newRegisterCommand() *cobra.Command {
	var f registerFlags
	cmd := &cobra.Command{
		Use:   "register --challenge CODE",
		Short: "Register etl with an OnPremise JTL-Wawi and obtain its API key",
		Long: `register runs the Wawi app registration: it sends the registration request,
waits while you accept it in JTL-Wawi, then prints the API key (shown only
once by the Wawi) and, with --key-file, stores it with permissions 0600.

Only WAWI_URL is needed, e.g. http://127.0.0.1:64110/api/eazybusiness/.
The challenge code is any text of up to 30 characters; use the same one if
you run register again for the same request.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRegister(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.challenge, "challenge", "", "x-challengecode: any text of up to 30 characters (required)")
	fl.StringVar(&f.appID, "app-id", "", "AppId to register (default WAWI_APP_ID, else etl/<version>); later calls must send the same x-appid")
	fl.StringVar(&f.displayName, "display-name", "etl", "name shown to the merchant in JTL-Wawi")
	fl.StringSliceVar(&f.scopes, "scopes", nil, "mandatory API scopes, comma-separated (default all.read, with the write scopes optional)")
	fl.StringSliceVar(&f.optionalScopes, "optional-scopes", nil, "optional API scopes, comma-separated")
	fl.StringVar(&f.keyFile, "key-file", "", "write the API key to this file (mode 0600); use it as WAWI_API_KEY_FILE")
	fl.BoolVar(&f.force, "force", false, "overwrite an existing --key-file")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "how long to wait for the merchant to accept")
	fl.DurationVar(&f.poll, "poll", 3*time.Second, "how often to ask the Wawi for the decision")
	_ = cmd.MarkFlagRequired("challenge")
	return cmd
}

func runRegister(cmd *cobra.Command, f registerFlags) error {
	out, errOut, lang := cmd.OutOrStdout(), cmd.ErrOrStderr(), langOf(cmd)
	if err := erp.ValidateChallenge(f.challenge); err != nil {
		return withCode(exitCannotStart, err)
	}
	// Refuse before registering: the key is handed out only once.
	if f.keyFile != "" && !f.force {
		if _, err := os.Lstat(f.keyFile); err == nil {
			return withCode(exitCannotStart, lang.Errorf("reg.exists", f.keyFile))
		}
	}
	if f.keyFile != "" {
		if st, err := os.Stat(filepath.Dir(f.keyFile)); err != nil || !st.IsDir() {
			return withCode(exitCannotStart, lang.Errorf("reg.nofolder", f.keyFile))
		}
	}
	cfg := erp.ConfigFromEnv(os.Getenv)
	v := appVersion()
	if cfg.AppVersion == "" {
		cfg.AppVersion = v
	}
	if f.appID != "" {
		cfg.AppID = f.appID
	}
	if cfg.AppID == "" {
		cfg.AppID = "etl/" + v
	}
	c, err := erp.NewForRegistration(cfg)
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	app := erp.AppRegistration{AppID: cfg.AppID, DisplayName: f.displayName, Version: cfg.AppVersion,
		MandatoryAPIScopes: f.scopes, OptionalAPIScopes: f.optionalScopes}
	if app.MandatoryAPIScopes == nil && app.OptionalAPIScopes == nil {
		app.MandatoryAPIScopes, app.OptionalAPIScopes = erp.DefaultScopes()
	}

	fmt.Fprintf(out, "%s\n\n", lang.T("reg.start", app.DisplayName, app.AppID, app.Version, c.BaseURL()))
	fmt.Fprintln(out, lang.T("reg.step1"))
	fmt.Fprintln(out, lang.T("reg.step2", app.DisplayName, scopeList(app, lang)))
	fmt.Fprintf(out, "%s\n\n", lang.T("reg.step3", f.timeout))

	start := time.Now()
	lastNote := start
	onWait := func(int) {
		if time.Since(lastNote) >= 30*time.Second {
			lastNote = time.Now()
			fmt.Fprintln(errOut, lang.T("reg.still", time.Since(start).Round(time.Second), f.timeout))
		}
	}
	fmt.Fprintln(out, lang.T("reg.waiting"))
	reg, err := c.Register(cmd.Context(), f.challenge, app, f.poll, f.timeout, onWait)
	if err != nil {
		if errors.Is(err, erp.ErrRegistrationRejected) {
			return withCode(exitCannotStart, lang.Errorf("reg.rejected", app.DisplayName))
		}
		return withCode(exitCannotStart, err)
	}

	fmt.Fprintf(out, "\n%s\n\n", lang.T("reg.accepted", reg.RequestID, strings.Join(reg.GrantedScopes, ", ")))
	if f.keyFile != "" {
		// the key goes to the file only: a terminal's scrollback and a
		// captured log are no place for it
		if err := writeKeyFile(f.keyFile, reg.APIKey, f.force); err != nil {
			// the Wawi hands the key out once: print it rather than lose it
			fmt.Fprintf(out, "%s\n\n  %s\n\n", lang.T("reg.key"), reg.APIKey)
			return withCode(exitCannotStart, lang.Errorf("reg.writefailed", f.keyFile, err))
		}
		fmt.Fprintf(out, "%s\n\n  export WAWI_API_KEY_FILE=%s\n", lang.T("reg.written", f.keyFile), shellQuote(f.keyFile))
	} else {
		fmt.Fprintf(out, "%s\n\n  %s\n\n", lang.T("reg.key"), reg.APIKey)
		fmt.Fprintf(out, "%s\n\n  export WAWI_API_KEY=%s\n", lang.T("reg.use"), lang.T("reg.keyabove"))
	}
	fmt.Fprintf(out, "  export WAWI_APP_ID=%s   # %s\n", shellQuote(reg.AppID), lang.T("reg.appid"))
	fmt.Fprintf(out, "\n%s\n", lang.T("reg.then"))
	return nil
}

func scopeList(app erp.AppRegistration, lang i18n.Lang) string {
	s := lang.T("reg.mandatory", strings.Join(app.MandatoryAPIScopes, ", "))
	if len(app.OptionalAPIScopes) > 0 {
		s += "; " + lang.T("reg.optional", strings.Join(app.OptionalAPIScopes, ", "))
	}
	return s
}

// writeKeyFile stores key with mode 0600: a new file, or with force an
// atomic replacement of an existing one.
func writeKeyFile(path, key string, force bool) error {
	if !force {
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		return writeClose(fh, key)
	}
	return atomicfile.WriteFile(path, []byte(key+"\n"), atomicfile.Options{Perm: 0o600, DirPerm: 0o700})
}

func writeClose(fh *os.File, key string) error {
	_, err := io.WriteString(fh, key+"\n")
	if serr := fh.Sync(); err == nil {
		err = serr
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// shellQuote quotes s for a POSIX shell when needed.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
