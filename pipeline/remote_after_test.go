package pipeline

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/remote/remotetest"
	"github.com/wawi-etl/etl/mappings"
)

const sftpSecret = "Sftp-s3cret-99"

// sftpJob is a job reading the newest in/prices_*.remotetest of srv with
// the password in the URL, moving it to done/ after an import.
func sftpJob(t *testing.T, srv *remotetest.SFTPServer, dir, wawi string) *Job {
	kh := filepath.Join(dir, "known_hosts")
	if err := srv.WriteKnownHosts(kh); err != nil {
		t.Fatal(err)
	}
	u := strings.Replace(srv.URL("in/prices_*.remotetest"), "shop@", "shop:"+url.QueryEscape(sftpSecret)+"@", 1)
	job := &Job{Name: "sftp", Dir: dir,
		Source: SourceSpec{Path: u, Remote: &RemoteSpec{KnownHosts: "known_hosts"}, After: &AfterSpec{MoveTo: "done/"}},
		Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
			{Target: "Key", Column: "key", Type: mappings.String},
			{Target: "Val", Column: "val", Type: mappings.Int},
		}},
		Sink:    SinkSpec{Type: "journaltest-wawi", Path: wawi},
		Options: Options{Concurrency: 1},
	}
	inferTypes(job)
	return job
}

func putFile(t *testing.T, p, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The remote file moves to done/ only when the import succeeded: not on a
// dry run, a tripped guardrail or a failed record.
func TestSFTPSourceMovedOnlyAfterSuccess(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		dry     bool
		guard   Guardrails
		moved   bool
	}{
		{name: "success", content: "a,1\nb,2\n", moved: true},
		{name: "dry run", content: "a,1\nb,2\n", dry: true},
		{name: "guardrail", content: "a,1\nb,2\n", guard: Guardrails{MaxChanges: "1"}},
		{name: "failed record", content: "a,1\nb,x\n", guard: Guardrails{MaxFailed: "off"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := remotetest.NewSFTP(t.TempDir(), "shop", sftpSecret)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			in := filepath.Join(srv.Root, "in", "prices_1207.remotetest")
			putFile(t, in, tc.content)
			dir := t.TempDir()
			w := newMemWawi(false, 0)
			memWawis.Store(t.Name(), w)
			job := sftpJob(t, srv, dir, t.Name())
			job.Options.Guardrails = tc.guard
			var logs bytes.Buffer
			reports := filepath.Join(dir, "reports")
			sum, err := Run(context.Background(), job, RunOptions{DryRun: tc.dry, ReportDir: reports,
				StateDir: filepath.Join(dir, "state"), Logger: newTextLogger(&logs)})
			if err != nil && !errors.Is(err, ErrGuardrail) {
				t.Fatal(err)
			}
			if (tc.name == "guardrail") != errors.Is(err, ErrGuardrail) {
				t.Fatalf("guardrail: %v", err)
			}
			_, stillThere := os.Stat(in)
			done := filepath.Join(srv.Root, "in", "done", "prices_1207.remotetest")
			_, inDone := os.Stat(done)
			if tc.moved != (stillThere != nil) || tc.moved != (inDone == nil) {
				t.Errorf("moved: in inbox %v, in done %v; want moved %v", stillThere == nil, inDone == nil, tc.moved)
			}
			if tc.moved != strings.HasSuffix(sum.MovedTo, "/in/done/prices_1207.remotetest") {
				t.Errorf("summary moved_to %q", sum.MovedTo)
			}
			if !strings.HasSuffix(sum.SourceFile, "/in/prices_1207.remotetest") || strings.Contains(sum.SourceFile, "shop") {
				t.Errorf("summary source_file %q", sum.SourceFile)
			}
			summary, _ := os.ReadFile(filepath.Join(reports, "summary.json"))
			if !bytes.Contains(summary, []byte(`"source_file"`)) {
				t.Errorf("summary.json lacks source_file:\n%s", summary)
			}
			for what, text := range map[string]string{"log": logs.String(), "summary.json": string(summary), "summary": sum.SourceFile + sum.MovedTo + sum.Fatal} {
				if strings.Contains(text, sftpSecret) || strings.Contains(text, url.QueryEscape(sftpSecret)) {
					t.Errorf("%s shows the password:\n%s", what, text)
				}
			}
		})
	}
}

// A file replaced on the server between runs is imported; the same file
// again writes nothing.
func TestSFTPSourceReplacedBetweenRuns(t *testing.T) {
	srv, err := remotetest.NewSFTP(t.TempDir(), "shop", sftpSecret)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	w := newMemWawi(false, 0)
	memWawis.Store(t.Name(), w)
	in := filepath.Join(srv.Root, "in")
	run := func() *Summary {
		job := sftpJob(t, srv, dir, t.Name())
		job.Source.After = nil
		sum, err := Run(context.Background(), job, RunOptions{ReportDir: filepath.Join(dir, "reports"), StateDir: filepath.Join(dir, "state")})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	putFile(t, filepath.Join(in, "prices_1.remotetest"), "a,1\nb,2\n")
	if s := run(); s.Created != 2 || w.sent != 2 {
		t.Fatalf("first: created %d, sent %d", s.Created, w.sent)
	}
	if s := run(); !s.AlreadyImported || w.sent != 2 {
		t.Fatalf("same file again: already imported %v, sent %d", s.AlreadyImported, w.sent)
	}
	// the next night's file, newer than the first
	putFile(t, filepath.Join(in, "prices_2.remotetest"), "a,1\nb,3\n")
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(in, "prices_2.remotetest"), later, later)
	s := run()
	if s.Updated != 1 || s.Unchanged != 1 || w.sent != 3 || !strings.HasSuffix(s.SourceFile, "prices_2.remotetest") {
		t.Fatalf("replaced: %s updated %d unchanged %d, sent %d", s.SourceFile, s.Updated, s.Unchanged, w.sent)
	}
}

// source.after moves a local file too.
func TestLocalSourceMovedAfterImport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in", "p.remotetest")
	putFile(t, in, "a,1\n")
	w := newMemWawi(false, 0)
	memWawis.Store(t.Name(), w)
	job := &Job{Name: "local", Dir: dir,
		Source: SourceSpec{Path: in, After: &AfterSpec{MoveTo: filepath.Join(dir, "archive")}},
		Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
			{Target: "Key", Column: "key", Type: mappings.String},
			{Target: "Val", Column: "val", Type: mappings.String},
		}},
		Sink:    SinkSpec{Type: "journaltest-wawi", Path: t.Name()},
		Options: Options{Concurrency: 1},
	}
	inferTypes(job)
	sum, err := Run(context.Background(), job, RunOptions{ReportDir: filepath.Join(dir, "reports"), StateDir: filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "archive", "p.remotetest"); sum.MovedTo != want || sum.Created != 1 {
		t.Errorf("moved to %q, want %q", sum.MovedTo, want)
	}
	if _, err := os.Stat(in); !os.IsNotExist(err) {
		t.Errorf("still there: %v", err)
	}
}

// Over FTPS (explicit TLS, the server's certificate trusted through
// ca_file) a file replaced under the same name is imported again, the same
// file twice writes nothing, and after.move_to renames it on the server.
func TestFTPSSourceReplacedBetweenRuns(t *testing.T) {
	srv, err := remotetest.NewFTP(t.TempDir(), "shop", sftpSecret, true)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ca.pem"), srv.CertPEM, 0o600)
	w := newMemWawi(false, 0)
	memWawis.Store(t.Name(), w)
	in := filepath.Join(srv.Root, "feed", "prices.remotetest")
	run := func(after *AfterSpec) *Summary {
		job := &Job{Name: "ftps", Dir: dir,
			Source: SourceSpec{Path: srv.URL("feed/prices.remotetest"), After: after,
				Remote: &RemoteSpec{Password: sftpSecret, CAFile: "ca.pem"}},
			Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
				{Target: "Key", Column: "key", Type: mappings.String},
				{Target: "Val", Column: "val", Type: mappings.String},
			}},
			Sink:    SinkSpec{Type: "journaltest-wawi", Path: t.Name()},
			Options: Options{Concurrency: 1},
		}
		inferTypes(job)
		sum, err := Run(context.Background(), job, RunOptions{ReportDir: filepath.Join(dir, "reports"), StateDir: filepath.Join(dir, "state")})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	putFile(t, in, "a,1\nb,2\n")
	if s := run(nil); s.Created != 2 || w.sent != 2 {
		t.Fatalf("first: created %d, sent %d", s.Created, w.sent)
	}
	if s := run(nil); !s.AlreadyImported || w.sent != 2 {
		t.Fatalf("same file again: already imported %v, sent %d", s.AlreadyImported, w.sent)
	}
	putFile(t, in, "a,1\nb,2\nc,3\n")
	s := run(&AfterSpec{MoveTo: "done"})
	if s.Created != 1 || s.Unchanged != 2 || w.sent != 3 {
		t.Fatalf("replaced: created %d unchanged %d, sent %d", s.Created, s.Unchanged, w.sent)
	}
	if _, err := os.Stat(filepath.Join(srv.Root, "feed", "done", "prices.remotetest")); err != nil || !strings.HasPrefix(s.MovedTo, "ftps://127.0.0.1:") {
		t.Errorf("not moved (%q): %v", s.MovedTo, err)
	}
	if srv.Retrs.Load() != 3 {
		t.Errorf("downloads: %d, want one per run", srv.Retrs.Load())
	}
}

// A job file with a remote source loads its credentials from ${VAR}; an
// error about the file masks them, the key's passphrase too.
func TestRemoteJobFileSecrets(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "job.yaml")
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"SFTP_PW": "Sftp-Env-Pa55", "KEY_PASS": "Key-Pa55phrase", "HK": "SHA256:abc"}[k]
		return v, ok
	}
	body := "source:\n  path: sftp://shop@h:2222/out/p_*.csv\n  remote:\n    password: ${SFTP_PW}\n    key_passphrase: Key-Pa55phrase\n    host_key: ${HK}\n  after: {move_to: done/}\nsink: {path: b.csv}\n"
	os.WriteFile(p, []byte(body), 0o644)
	job, err := LoadJob(p, LoadOptions{LookupEnv: env})
	if err != nil {
		t.Fatal(err)
	}
	if r := job.Source.Remote; r.Password != "Sftp-Env-Pa55" || r.HostKey != "SHA256:abc" || job.Source.After.MoveTo != "done/" || job.Source.Type != "csv" {
		t.Errorf("loaded %+v %+v", *r, *job.Source.After)
	}
	os.WriteFile(p, []byte(strings.Replace(body, "  after:", "  aftr: x\n  after:", 1)), 0o644)
	_, err = LoadJob(p, LoadOptions{LookupEnv: env})
	if err == nil || strings.Contains(err.Error(), "Key-Pa55phrase") || strings.Contains(err.Error(), "Sftp-Env-Pa55") {
		t.Errorf("error shows a secret or is missing:\n%v", err)
	}
}
