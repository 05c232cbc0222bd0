package report

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/i18n"
)

// GuardrailTrip names a rule that stopped a run before its first write, its
// limit, what the plan would have done, and the records that broke it.
type GuardrailTrip struct {
	Rule  string `json:"rule"`
	Limit string `json:"limit"`
	Found string `json:"found"`
	// Count is how many records broke the rule (Records lists the first
	// ones), Of how many it was counted against (0: none).
	Count   int64        `json:"count"`
	Of      int64        `json:"of,omitempty"`
	Records []TripRecord `json:"records,omitempty"`
}

// TripRecord is one record that broke a guardrail.
type TripRecord struct {
	Row    int    `json:"row"`
	Key    string `json:"key"`
	Detail string `json:"detail"`
	// Err is why the record failed (max_failed), for the console to word
	// in the run's language; Detail is its English text.
	Err error `json:"-"`
}

func (t GuardrailTrip) String() string {
	return fmt.Sprintf("guardrail %s (limit %s) tripped: %s", t.Rule, t.Limit, t.Found)
}

// Summary accounts for a run. RecordsRead always equals the sum of the five
// outcomes.
type Summary struct {
	Job             string    `json:"job"`
	JobFile         string    `json:"job_file"`
	DryRun          bool      `json:"dry_run"`
	RecordsRead     int64     `json:"records_read"`
	Created         int64     `json:"created"`
	Updated         int64     `json:"updated"`
	Unchanged       int64     `json:"unchanged"`
	Skipped         int64     `json:"skipped"`
	Failed          int64     `json:"failed"`
	Requests        int64     `json:"requests"`
	DurationSeconds float64   `json:"duration_seconds"`
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	Source          string    `json:"source"`
	Sink            string    `json:"sink"`
	// SourceFile is the remote file read (the newest match of a pattern),
	// without credentials; MovedTo where source.after moved it.
	SourceFile string `json:"source_file,omitempty"`
	MovedTo    string `json:"moved_to,omitempty"`
	// Output is the file a file sink wrote; empty when nothing was committed.
	Output        string `json:"output,omitempty"`
	ErrorWorkbook string `json:"error_workbook,omitempty"`
	Interrupted   bool   `json:"interrupted"`
	// Fatal is the error that stopped the run early, if any.
	Fatal string `json:"fatal,omitempty"`
	// Guardrails that stopped an import before its first write.
	Guardrails []GuardrailTrip `json:"guardrails,omitempty"`
	// AlreadyImported: the journal says this input was fully imported
	// before; nothing was read or written (use --force).
	AlreadyImported   bool      `json:"already_imported,omitempty"`
	AlreadyImportedAt time.Time `json:"already_imported_at,omitzero"`
	// AlreadyImportedFailed is how many records of that run failed.
	AlreadyImportedFailed int64 `json:"already_imported_failed,omitempty"`
	// Duplicates counts rows that repeated an earlier row of the same key
	// with the same values and were written once (options.duplicates).
	Duplicates int64 `json:"duplicates,omitempty"`
	// Deleted counts what a run with prune: true deleted (a dry run: would
	// delete) because the input no longer names it; DeletesFailed the
	// deletions that failed. Neither is a record of the input.
	Deleted       int64 `json:"deleted,omitempty"`
	DeletesFailed int64 `json:"deletes_failed,omitempty"`
	// PlanOnly: a real run stopped after planning (a guardrail, an error or
	// an interrupt before the first write); its counts say what it would
	// have done, and nothing was written.
	PlanOnly bool `json:"plan_only,omitempty"`
	// Resumed counts records an interrupted run had already applied.
	Resumed      int64  `json:"resumed,omitempty"`
	DiffWorkbook string `json:"diff_workbook,omitempty"`
	DiffHTML     string `json:"diff_html,omitempty"`
	// Advice says what to do about the failures (see NextStep); summary.json
	// carries it as written.
	Advice string `json:"advice,omitempty"`
	// Location is the job's time zone, in which summary.json gives times
	// (with their offset); nil is the machine's.
	Location *time.Location `json:"-"`
}

// SourceWawi is the source type that reads documents from the Wawi.
const SourceWawi = "erp"

// NextStep says what to do next when something failed. Re-importing
// errors.xlsx makes sense only for records of a file: the workbook holds
// their columns, fixed in place. Documents read from the Wawi are fixed in
// the Wawi (or the mapping), and a run that stopped (connection, access)
// is fixed by making the Wawi reachable and running again.
func (s *Summary) NextStep() string { return s.NextStepIn(i18n.English) }

// NextStepIn is NextStep in l's language: the console speaks the run's,
// summary.json keeps English.
func (s *Summary) NextStepIn(l i18n.Lang) string {
	resume := ""
	if s.Sink == SourceWawi && !s.DryRun {
		resume = l.Pick("; ein Import setzt mit --resume dort fort, wo er aufgehört hat", "; an import goes on where it stopped with --resume")
	}
	switch {
	case s.Interrupted:
		return l.Pick("Den Job erneut ausführen", "Run the job again") + resume + "."
	case s.Fatal != "":
		return l.Pick("Der Lauf wurde vorzeitig beendet: Wenn die Wawi nicht erreichbar war, die Verbindung mit etl ping prüfen (WAWI_URL und die Zugangsdaten); dann den Job erneut ausführen",
			"The run stopped early: if the Wawi could not be reached, check the connection with etl ping (WAWI_URL and the credentials); then run the job again") + resume + "."
	case s.ErrorWorkbook == "":
		return ""
	case s.Source == SourceWawi:
		return fmt.Sprintf(l.Pick("Die fehlgeschlagenen Datensätze stammen aus der Wawi und stehen in %s: in der Wawi (oder im Mapping des Jobs) korrigieren und den Job erneut ausführen.",
			"The failed records come from the Wawi and are listed in %s: fix them in the Wawi (or fix the job's mapping) and run the job again."), s.ErrorWorkbook)
	}
	return fmt.Sprintf(l.Pick("Die Zeilen in %s korrigieren und so importieren: etl run --source %s %s",
		"Fix the rows in %s and import it with: etl run --source %s %s"), s.ErrorWorkbook, s.ErrorWorkbook, s.jobArg())
}

func (s *Summary) jobArg() string {
	if s.JobFile != "" {
		return s.JobFile
	}
	return "<job>"
}

// inZone is t in the job's time zone.
func (s *Summary) inZone(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if s.Location != nil {
		return t.In(s.Location)
	}
	return t.Local()
}

// Count adds a record that ended in o.
func (s *Summary) Count(o Outcome) {
	s.RecordsRead++
	switch o {
	case Created:
		s.Created++
	case Updated:
		s.Updated++
	case Unchanged:
		s.Unchanged++
	case Skipped:
		s.Skipped++
	case Failed:
		s.Failed++
	}
}

// Balanced reports whether every record read ended in exactly one outcome.
func (s *Summary) Balanced() bool {
	return s.RecordsRead == s.Created+s.Updated+s.Unchanged+s.Skipped+s.Failed
}

// WriteJSON writes summary.json into dir.
func (s *Summary) WriteJSON(dir string) error {
	c := *s
	c.StartedAt, c.FinishedAt, c.AlreadyImportedAt = s.inZone(s.StartedAt), s.inZone(s.FinishedAt), s.inZone(s.AlreadyImportedAt)
	c.Advice = s.NextStep()
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), fileOptions)
}
