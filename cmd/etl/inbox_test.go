package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
)

// acmeRows is the header of the ACME sample and the data rows n (1-based),
// in the file's own encoding.
func acmeRows(t *testing.T, rows ...int) []byte {
	t.Helper()
	b, err := os.ReadFile("../../samples/supplier-acme.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	out := append([]byte(nil), lines[0]...)
	for _, n := range rows {
		out = append(out, lines[n]...)
	}
	return out
}

// webhook collects what options.notify.webhook posts.
type webhook struct {
	mu    sync.Mutex
	posts []map[string]any
}

func newWebhook(t *testing.T) (*webhook, string) {
	h := &webhook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		h.mu.Lock()
		h.posts = append(h.posts, m)
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return h, srv.URL + "/hook"
}

func (h *webhook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.posts)
}

func seededWawi(t *testing.T) *erptest.Server {
	seed, err := erptest.LoadSeed("../../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed})
	t.Cleanup(srv.Close)
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	return srv
}

// Every settled file of the inbox is imported in arrival order with its own
// reports and a notification, then moved to done/ or failed/; a file that
// grows between the two looks stays; the exit code says a file failed.
func TestRunInbox(t *testing.T) {
	seededWawi(t)
	hook, url := newWebhook(t)
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	os.MkdirAll(inbox, 0o755)
	old := time.Now().Add(-2 * time.Hour)
	put := func(name string, b []byte, at time.Time) {
		p := filepath.Join(inbox, name)
		os.WriteFile(p, b, 0o644)
		os.Chtimes(p, at, at)
	}
	// arrival order: the whole sample (7 changes: max_changes 1 trips), then two rows
	all := make([]int, 35)
	for i := range all {
		all[i] = i + 1
	}
	put("lager-mo.csv", acmeRows(t, all...), old)
	put("lager-di.csv", acmeRows(t, 3, 4), old.Add(time.Minute))
	put("lager-mi.csv", acmeRows(t, 3), old.Add(2*time.Minute))
	put(".hidden.csv", acmeRows(t, 3), old)
	var waits int
	orig := inboxWait
	t.Cleanup(func() { inboxWait = orig })
	inboxWait = func(ctx context.Context, d time.Duration) error {
		waits++
		if d != 3*time.Second {
			t.Errorf("settle %s, want the --inbox-settle given", d)
		}
		// still being uploaded: it grows between the two looks
		f, _ := os.OpenFile(filepath.Join(inbox, "lager-mi.csv"), os.O_APPEND|os.O_WRONLY, 0)
		f.Write(acmeRows(t, 4)[len(acmeRows(t)):])
		f.Close()
		return nil
	}
	reports := filepath.Join(dir, "reports")
	args := []string{"run", "--no-progress", "--inbox", inbox, "--inbox-settle", "3s", "--report-dir", reports, "--state-dir", filepath.Join(dir, "state"),
		"--set", "options.guardrails.max_changes=1", "--set", "options.notify.on=always", "--set", "options.notify.webhook.url=" + url,
		"../../jobs/supplier-stock.yaml"}
	code, stdout, stderr := etl(t, args...)
	if code != exitRecordsFail {
		t.Fatalf("exit %d, want 1 (a file failed):\n%s\n%s", code, stdout, stderr)
	}
	if waits != 1 {
		t.Errorf("looked twice %d times, want once for the whole inbox", waits)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for p, want := range map[string]bool{
		filepath.Join(inbox, "failed", "lager-mo.csv"): true,
		filepath.Join(inbox, "done", "lager-di.csv"):   true,
		filepath.Join(inbox, "lager-mi.csv"):           true, // growing: left
		filepath.Join(inbox, "lager-mo.csv"):           false,
		filepath.Join(inbox, "lager-di.csv"):           false,
		filepath.Join(inbox, ".hidden.csv"):            true,
	} {
		if exists(p) != want {
			t.Errorf("%s exists %v, want %v", p, !want, want)
		}
	}
	mo, di := readSummary(t, filepath.Join(reports, "lager-mo")), readSummary(t, filepath.Join(reports, "lager-di"))
	if len(mo.Guardrails) == 0 || !mo.PlanOnly {
		t.Errorf("lager-mo: %+v, want a tripped guardrail", mo)
	}
	if di.RecordsRead != 2 || di.Failed != 0 || len(di.Guardrails) != 0 {
		t.Errorf("lager-di: %+v", di)
	}
	if !mo.StartedAt.Before(di.StartedAt) {
		t.Errorf("lager-di ran before lager-mo, which arrived first")
	}
	if hook.count() != 2 {
		t.Errorf("%d notifications, want one per file imported", hook.count())
	}
	if !strings.Contains(stderr, "still being written") {
		t.Errorf("stderr does not say a file was left:\n%s", stderr)
	}

	// the next run takes the file that finished growing; done/ keeps both
	// files of the same name
	inboxWait = func(context.Context, time.Duration) error { return nil }
	put("lager-di.csv", acmeRows(t, 3, 4), old)
	code, _, stderr = etl(t, args...)
	if code != exitOK {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	des, _ := os.ReadDir(filepath.Join(inbox, "done"))
	if len(des) != 3 || !exists(filepath.Join(inbox, "done", "lager-mi.csv")) {
		t.Errorf("done/: %v", des)
	}
	if hook.count() != 4 {
		t.Errorf("%d notifications after the second run, want 4", hook.count())
	}
}

// A dry run of an inbox moves nothing; an empty inbox is no error.
func TestRunInboxDryRunAndEmpty(t *testing.T) {
	seededWawi(t)
	orig := inboxWait
	t.Cleanup(func() { inboxWait = orig })
	inboxWait = func(context.Context, time.Duration) error { return nil }
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	os.MkdirAll(inbox, 0o755)
	args := []string{"run", "--no-progress", "--inbox", inbox, "--report-dir", filepath.Join(dir, "r"), "--state-dir", filepath.Join(dir, "s"), "../../jobs/supplier-stock.yaml"}
	if code, _, stderr := etl(t, args...); code != exitOK || !strings.Contains(stderr, "no file") {
		t.Fatalf("empty inbox: exit %d: %s", code, stderr)
	}
	os.WriteFile(filepath.Join(inbox, "a.csv"), acmeRows(t, 3), 0o644)
	code, _, stderr := etl(t, append([]string{args[0], "--dry-run"}, args[1:]...)...)
	if code != exitOK {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(inbox, "a.csv")); err != nil {
		t.Errorf("a dry run moved the file: %v", err)
	}
	if code, _, _ := etl(t, "run", "--inbox", inbox, "--source", "x.csv", "../../jobs/supplier-stock.yaml"); code != exitCannotStart {
		t.Errorf("--inbox with --source: exit %d", code)
	}
}

// A file given with --source is not the job's own input: source.after of
// the job leaves it where it is, unless --set names source.after.
func TestRunSourceFlagKeepsFileUnlessSetAfter(t *testing.T) {
	seededWawi(t)
	dir := t.TempDir()
	job := filepath.Join(dir, "stock.yaml")
	b, _ := os.ReadFile("../../jobs/supplier-stock.yaml")
	b = bytes.Replace(b, []byte("  delimiter: \";\"\n"), []byte("  delimiter: \";\"\n  after: {move_to: done}\n"), 1)
	b = bytes.ReplaceAll(b, []byte("../samples/"), []byte(mustAbs(t, "../../samples")+"/"))
	b = bytes.ReplaceAll(b, []byte("[mappings/"), []byte("["+mustAbs(t, "../../jobs/mappings")+"/"))
	os.WriteFile(job, b, 0o644)
	in := filepath.Join(dir, "in", "fixed.csv")
	os.MkdirAll(filepath.Dir(in), 0o755)
	os.WriteFile(in, acmeRows(t, 3, 4), 0o644)
	base := []string{"run", "--no-progress", "--report-dir", filepath.Join(dir, "r"), "--state-dir", filepath.Join(dir, "s"), "--source", in}
	if code, _, stderr := etl(t, append(base, job)...); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(in); err != nil {
		t.Fatalf("--source file moved by the job's source.after: %v", err)
	}
	if code, _, stderr := etl(t, append(base, "--set", "source.after.move_to=done", job)...); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "in", "done", "fixed.csv")); err != nil {
		t.Errorf("--set source.after.move_to did not move it: %v", err)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
