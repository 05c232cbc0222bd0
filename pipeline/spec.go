package pipeline

import (
	"encoding/json"
	"errors"

	"github.com/invopop/jsonschema"

	"github.com/wawi-etl/etl/mappings"
)

// Job is a decoded job file.
type Job struct {
	Name        string        `yaml:"name,omitempty" json:"name,omitempty" jsonschema:"description=job name; names the report folder (default: the file name)"`
	Description string        `yaml:"description,omitempty" json:"description,omitempty" jsonschema:"description=what the job does; for people reading the file"`
	Source      SourceSpec    `yaml:"source" json:"source" jsonschema:"description=where records come from: a file (csv or xlsx) or the Wawi (erp)"`
	Mapping     mappings.Spec `yaml:"mapping,omitempty" json:"mapping,omitempty" jsonschema:"description=how source columns become target fields"`
	Sink        SinkSpec      `yaml:"sink" json:"sink" jsonschema:"description=where records go: a file (csv or xlsx) or the Wawi (erp)"`
	Options     Options       `yaml:"options,omitempty" json:"options,omitempty" jsonschema:"description=how the run behaves: concurrency; report and state folders; guardrails"`
	ERP         *ERPSpec      `yaml:"erp,omitempty" json:"erp,omitempty" jsonschema:"description=Wawi connection; overrides the WAWI_* environment"`

	// File is the path the job was loaded from; Dir its folder.
	File string `yaml:"-" json:"-"`
	Dir  string `yaml:"-" json:"-"`

	// includedFields counts the fields that mapping.include put before the
	// job's own, to point errors at the right line.
	includedFields int
	// setOnCLI are the keys --set (or --source) gave: their values are not
	// in the file, so an error about one does not point at the file's line.
	setOnCLI map[string]bool
}

// Options tune a run.
type Options struct {
	Concurrency int    `yaml:"concurrency,omitempty" json:"concurrency,omitempty" jsonschema:"description=records in flight at once; default 8 for the Wawi and the CPU count for files,minimum=1,maximum=256"`
	ReportDir   string `yaml:"report_dir,omitempty" json:"report_dir,omitempty" jsonschema:"description=folder for summary.json and errors.xlsx; default reports/<job name>"`
	// StateDir holds the journal and export watermarks; default .etl-state
	// next to the job file.
	StateDir   string     `yaml:"state_dir,omitempty" json:"state_dir,omitempty" jsonschema:"description=folder for the journal and export watermarks; default .etl-state beside the job file"`
	Guardrails Guardrails `yaml:"guardrails,omitempty" json:"guardrails,omitempty" jsonschema:"description=limits that stop an import before its first write when the plan looks wrong"`
	// Duplicates: what happens to rows of an import that share a key with
	// other values: error (all fail, default), first or last (that row is
	// written, the others skipped). Identical rows are written once.
	Duplicates string `yaml:"duplicates,omitempty" json:"duplicates,omitempty" jsonschema:"enum=error,enum=first,enum=last,description=rows with the same key and other values: error (default) fails them all; first or last writes that one"`
	// Notify tells someone after a run (cmd/etl, internal/notify).
	Notify *NotifySpec `yaml:"notify,omitempty" json:"notify,omitempty" jsonschema:"description=tell someone after a run: a webhook (Slack; Teams; Mattermost) or an e-mail"`
}

// NotifySpec is options.notify: who hears of a run, and when. Secrets come
// from ${VAR}; a notification that cannot be sent never changes the exit code.
type NotifySpec struct {
	On      string       `yaml:"on,omitempty" json:"on,omitempty" jsonschema:"enum=failure,enum=guardrail,enum=always,description=when to notify: failure (default: records failed; the job could not start or a guardrail tripped); guardrail (only a tripped guardrail) or always"`
	Webhook *WebhookSpec `yaml:"webhook,omitempty" json:"webhook,omitempty" jsonschema:"description=POST the summary as JSON with a text field (Slack; Teams; Mattermost incoming webhooks)"`
	Email   *EmailSpec   `yaml:"email,omitempty" json:"email,omitempty" jsonschema:"description=send the summary by e-mail over SMTP with STARTTLS; diff.html and errors.xlsx attached"`
}

// WebhookSpec is options.notify.webhook.
type WebhookSpec struct {
	URL string `yaml:"url" json:"url" jsonschema:"description=webhook URL; better ${VAR} since it holds a token"`
}

// EmailSpec is options.notify.email.
type EmailSpec struct {
	Host     string   `yaml:"host" json:"host" jsonschema:"description=SMTP server"`
	Port     int      `yaml:"port,omitempty" json:"port,omitempty" jsonschema:"description=SMTP port; default 587,minimum=1,maximum=65535"`
	From     string   `yaml:"from" json:"from" jsonschema:"description=sender address"`
	To       []string `yaml:"to" json:"to" jsonschema:"description=recipient addresses,minItems=1"`
	Username string   `yaml:"username,omitempty" json:"username,omitempty" jsonschema:"description=SMTP login; e.g. ${SMTP_USER}"`
	Password string   `yaml:"password,omitempty" json:"password,omitempty" jsonschema:"description=SMTP password; use ${SMTP_PASSWORD}"`
	// MaxAttachmentBytes caps the attachments together; default 10 MiB.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes,omitempty" json:"max_attachment_bytes,omitempty" jsonschema:"minimum=0,description=largest total size of the attachments in bytes; default 10 MiB; files past it are named in the mail instead"`
}

// Guardrails stop an ERP import before its first write when the plan looks
// like a broken input. Limits are a count ("50") or a percentage of the
// records planned ("5%"); "off" disables one. Empty means the default.
type Guardrails struct {
	// MaxFailed: records that fail mapping or planning (default 10%).
	MaxFailed string `yaml:"max_failed,omitempty" json:"max_failed,omitempty" jsonschema:"description=count or percent of records that may fail; default 10%"`
	// MaxChanges: records that would be created or updated (default off).
	MaxChanges string `yaml:"max_changes,omitempty" json:"max_changes,omitempty" jsonschema:"description=count or percent of records that may change; default off"`
	// MaxPriceChange: largest relative change of any price field of one record, in percent (default 50%).
	MaxPriceChange string `yaml:"max_price_change,omitempty" json:"max_price_change,omitempty" jsonschema:"description=largest change of a price field in percent; default 50%"`
	// MaxZeroedStock: stock levels that would go from above zero to zero (default 10%).
	// MaxDeletes: records a prune would delete (default 0: pruning must be
	// asked for with prune: true and bounded here).
	MaxDeletes     string `yaml:"max_deletes,omitempty" json:"max_deletes,omitempty" jsonschema:"description=count or percent of records prune may delete; default 0"`
	MaxZeroedStock string `yaml:"max_zeroed_stock,omitempty" json:"max_zeroed_stock,omitempty" jsonschema:"description=count or percent of stock levels that may drop to zero; default 10%"`
}

// SourceSpec configures a source. Fields apply to the types named in their
// comments; validate rejects a field set for another type.
type SourceSpec struct {
	Type string `yaml:"type,omitempty" json:"type,omitempty" jsonschema:"description=the registered type; inferred from the path's extension when omitted"`
	// Path of the input file (csv, xlsx).
	Path string `yaml:"path,omitempty" json:"path,omitempty" jsonschema:"description=input file (csv and xlsx); relative to the job file"`
	// Delimiter (csv): one character; auto-detected among , ; tab | when empty.
	Delimiter string `yaml:"delimiter,omitempty" json:"delimiter,omitempty" jsonschema:"description=csv: one character; detected among comma; semicolon; tab and | when empty"`
	// Quote (csv): the quote character, default ".
	Quote string `yaml:"quote,omitempty" json:"quote,omitempty" jsonschema:"description=csv: the quote character; default the double quote"`
	// Encoding (csv): utf-8 (default, BOM honoured), windows-1252, iso-8859-1, iso-8859-15, utf-16.
	Encoding string `yaml:"encoding,omitempty" json:"encoding,omitempty" jsonschema:"description=csv: character encoding; default utf-8 (a BOM is honoured). Excel saves windows-1252,enum=utf-8,enum=utf-8-bom,enum=windows-1252,enum=iso-8859-1,enum=iso-8859-15,enum=utf-16"`
	// HeaderRow is the 1-based row holding the column names (csv, xlsx); default 1.
	HeaderRow int `yaml:"header_row,omitempty" json:"header_row,omitempty" jsonschema:"description=csv and xlsx: 1-based row holding the column names; default 1,minimum=1"`
	// Skip rows after the header row before data starts (csv, xlsx).
	Skip int `yaml:"skip,omitempty" json:"skip,omitempty" jsonschema:"description=csv and xlsx: rows to skip after the header row before the data,minimum=0"`
	// Sheet (xlsx): name, or 1-based index as text; default the first sheet.
	Sheet string `yaml:"sheet,omitempty" json:"sheet,omitempty" jsonschema:"description=xlsx: sheet name or 1-based index; default the first sheet Excel shows (hidden sheets are skipped)"`
	// Unpivot (csv, xlsx): columns matching a pattern become rows (a wide
	// price list with a column per customer group and scale).
	Unpivot *mappings.UnpivotSpec `yaml:"unpivot,omitempty" json:"unpivot,omitempty" jsonschema:"description=csv and xlsx: columns whose names match a pattern become one record each (wide price lists)"`
	// GroupBy (csv, xlsx): the rows with the same value in a column make
	// one record (an order file with a row per line item).
	GroupBy *GroupSpec `yaml:"group_by,omitempty" json:"group_by,omitempty" jsonschema:"description=csv and xlsx: rows with the same value in a column become one record (one row per order line); targets like LineItems[].SKU take a value from each row"`

	// Resource (erp): items, salesOrders, customers, stocks, ...
	Resource string `yaml:"resource,omitempty" json:"resource,omitempty" jsonschema:"description=erp: what to read (items; salesOrders; customers; stocks ...)"`
	// Filters (erp): query parameters of the list endpoint; dates may be relative (today, -7d, start of last month).
	Filters map[string]string `yaml:"filters,omitempty" json:"filters,omitempty" jsonschema:"description=erp: list filters of the resource (e.g. createdSince: start of last month); etl validate names the allowed ones"`
	// Include (erp): sub-resources fetched per record, e.g. lineitems.
	Include  string `yaml:"include,omitempty" json:"include,omitempty" jsonschema:"description=erp: sub-resources fetched per record (e.g. lineitems)"`
	PageSize int    `yaml:"page_size,omitempty" json:"page_size,omitempty" jsonschema:"description=erp: records per page of the list request"`
	TimeZone string `yaml:"time_zone,omitempty" json:"time_zone,omitempty" jsonschema:"description=erp: time zone of relative dates in filters (e.g. Europe/Berlin)"`
	// Incremental (erp): export only what is new since the last successful
	// run; the watermark lives in options.state_dir.
	Incremental *IncrementalSpec `yaml:"incremental,omitempty" json:"incremental,omitempty" jsonschema:"description=erp: export only what is new since the last successful run"`
	// Limits (csv, xlsx) bound what one file may cost; a file past one is
	// refused with an error naming the limit. Zero means the default.
	Limits *SourceLimits `yaml:"limits,omitempty" json:"limits,omitempty" jsonschema:"description=csv and xlsx: what one input file may cost; a file past a limit is refused naming it"`
	// Remote (a path of https://, sftp://, ftps://, ftp://): how the file is
	// downloaded (remote.go, internal/remote).
	Remote *RemoteSpec `yaml:"remote,omitempty" json:"remote,omitempty" jsonschema:"description=csv and xlsx with a path of https:// sftp:// ftps:// or ftp://: credentials; host key and limits of the download"`
	// After (csv, xlsx): what happens to the source file once it was
	// imported without a failure.
	After *AfterSpec `yaml:"after,omitempty" json:"after,omitempty" jsonschema:"description=csv and xlsx: what happens to the source file (local or remote) after an import without failures; never after a dry run; a failure or a tripped guardrail"`
}

// AfterSpec is source.after.
type AfterSpec struct {
	MoveTo string `yaml:"move_to,omitempty" json:"move_to,omitempty" jsonschema:"description=folder to move the file into; relative to the file's own folder (e.g. done/) unless it starts with /; made when missing; a file of the same name there is kept and the moved one gets the time in its name"`
}

// RemoteSpec is source.remote: how a remote source.path is fetched.
// Credentials come from ${VAR} and are never logged.
type RemoteSpec struct {
	Username string `yaml:"username,omitempty" json:"username,omitempty" jsonschema:"description=login (https basic auth; sftp; ftp); default the user of the URL; e.g. ${SUPPLIER_USER}"`
	Password string `yaml:"password,omitempty" json:"password,omitempty" jsonschema:"description=password (https basic auth; sftp; ftp); use ${SUPPLIER_PASSWORD}"`
	Token    string `yaml:"token,omitempty" json:"token,omitempty" jsonschema:"description=https: bearer token sent as Authorization: Bearer; use ${VAR}"`
	// InsecureHTTP allows http://; certificates are always verified for https.
	InsecureHTTP bool `yaml:"insecure_http,omitempty" json:"insecure_http,omitempty" jsonschema:"description=allow a plain http:// URL (the file and credentials travel unencrypted); default false"`
	// InsecureFTP allows ftp://; ftps:// verifies certificates.
	InsecureFTP bool   `yaml:"insecure_ftp,omitempty" json:"insecure_ftp,omitempty" jsonschema:"description=allow a plain ftp:// URL (the file and password travel unencrypted; prefer sftp:// or ftps://); default false"`
	Timeout     string `yaml:"timeout,omitempty" json:"timeout,omitempty" jsonschema:"description=time one attempt (connect; list; download) may take (Go duration; e.g. 2m); default 5m"`
	Retries     int    `yaml:"retries,omitempty" json:"retries,omitempty" jsonschema:"minimum=0,maximum=10,description=further attempts after a network error; a 5xx answer or a broken-off download (waiting longer each time); default 3"`
	MaxBytes    int64  `yaml:"max_bytes,omitempty" json:"max_bytes,omitempty" jsonschema:"minimum=0,description=largest file accepted in bytes; default 1 GiB"`
	// SFTP host key: known_hosts, or a fingerprint in the job.
	KnownHosts        string `yaml:"known_hosts,omitempty" json:"known_hosts,omitempty" jsonschema:"description=sftp: known_hosts file the server's key is checked against; default ~/.ssh/known_hosts; relative to the job file"`
	HostKey           string `yaml:"host_key,omitempty" json:"host_key,omitempty" jsonschema:"description=sftp: the server's key fingerprint (SHA256:... as ssh-keygen -lf prints it); replaces known_hosts"`
	AcceptUnknownHost bool   `yaml:"accept_unknown_host,omitempty" json:"accept_unknown_host,omitempty" jsonschema:"description=sftp: connect to a server that known_hosts does not name (its fingerprint is logged); a key that changed is refused all the same; default false"`
	KeyFile           string `yaml:"key_file,omitempty" json:"key_file,omitempty" jsonschema:"description=sftp: private key file (OpenSSH or PEM); relative to the job file; e.g. ${SFTP_KEY_FILE}"`
	KeyPassphrase     string `yaml:"key_passphrase,omitempty" json:"key_passphrase,omitempty" jsonschema:"description=sftp: passphrase of key_file; use ${VAR}"`
	SSHAgent          bool   `yaml:"ssh_agent,omitempty" json:"ssh_agent,omitempty" jsonschema:"description=sftp: also offer the keys of the ssh-agent at SSH_AUTH_SOCK"`
	CAFile            string `yaml:"ca_file,omitempty" json:"ca_file,omitempty" jsonschema:"description=https and ftps: PEM certificates to trust besides the system's (a server with a certificate of its own); relative to the job file"`
}

// SourceLimits bound the memory and time a damaged or hostile input file
// can take. Zero fields take the defaults given.
type SourceLimits struct {
	MaxCellBytes         int64 `yaml:"max_cell_bytes,omitempty" json:"max_cell_bytes,omitempty" jsonschema:"minimum=0,description=largest value of one cell or field in bytes; default 4 MiB"`
	MaxRowBytes          int64 `yaml:"max_row_bytes,omitempty" json:"max_row_bytes,omitempty" jsonschema:"minimum=0,description=largest row or record in bytes; default 16 MiB"`
	MaxColumns           int   `yaml:"max_columns,omitempty" json:"max_columns,omitempty" jsonschema:"minimum=0,description=most columns a row may reach; default 4096"`
	MaxUncompressedBytes int64 `yaml:"max_uncompressed_bytes,omitempty" json:"max_uncompressed_bytes,omitempty" jsonschema:"minimum=0,description=(xlsx) largest unpacked size of the parts read (sheet and shared strings); default 4 GiB"`
	MaxSharedStrings     int64 `yaml:"max_shared_strings_bytes,omitempty" json:"max_shared_strings_bytes,omitempty" jsonschema:"minimum=0,description=(xlsx) text of the shared strings table, held in memory while reading; default 256 MiB"`
}

// IncrementalSpec makes an ERP export incremental: the date filter Field
// (createdSince) starts at the largest Date of the last successful run, and
// documents at exactly that date that were exported already (by Key) are
// skipped, so none is exported twice or missed.
type IncrementalSpec struct {
	// Field is the list filter the watermark feeds, e.g. createdSince.
	Field string `yaml:"field" json:"field" jsonschema:"description=list filter the watermark feeds (e.g. createdSince)"`
	// Key identifies a document (default: the resource's id field, Id).
	Key string `yaml:"key,omitempty" json:"key,omitempty" jsonschema:"description=document field that identifies a record; default Id"`
	// Date is the document field Field compares (default known for
	// salesOrders createdSince: SalesOrderDate, items changedSince: Changed).
	Date string `yaml:"date,omitempty" json:"date,omitempty" jsonschema:"description=document field the filter compares (e.g. SalesOrderDate)"`
}

// SinkSpec configures a sink.
type SinkSpec struct {
	Type string `yaml:"type,omitempty" json:"type,omitempty" jsonschema:"description=the registered type; inferred from the path's extension when omitted"`
	// Path of the output file (csv, xlsx).
	Path string `yaml:"path,omitempty" json:"path,omitempty" jsonschema:"description=output file (csv and xlsx); relative to the job file"`
	// Delimiter (csv), default ",".
	Delimiter string `yaml:"delimiter,omitempty" json:"delimiter,omitempty" jsonschema:"description=csv: field delimiter; default comma"`
	// Encoding (csv): utf-8 (default), utf-8-bom, windows-1252, iso-8859-1, iso-8859-15.
	Encoding string `yaml:"encoding,omitempty" json:"encoding,omitempty" jsonschema:"description=csv: character encoding; default utf-8 (utf-8-bom for Excel),enum=utf-8,enum=utf-8-bom,enum=windows-1252,enum=iso-8859-1,enum=iso-8859-15"`
	// DecimalComma (csv) writes 1234,56 instead of 1234.56.
	DecimalComma bool `yaml:"decimal_comma,omitempty" json:"decimal_comma,omitempty" jsonschema:"description=csv: write a decimal comma instead of a point as German Excel expects"`
	// Header (csv) writes a header row; default true.
	Header *bool `yaml:"header,omitempty" json:"header,omitempty" jsonschema:"description=csv: write a header row; default true"`
	// Sheet (xlsx) name, default "Data".
	Sheet string `yaml:"sheet,omitempty" json:"sheet,omitempty" jsonschema:"description=xlsx: sheet name; default Data"`
	// DateFormat: Excel number format of date cells (xlsx, default dd.mm.yyyy) or
	// Go layout of dates (csv, default 2006-01-02).
	DateFormat     string `yaml:"date_format,omitempty" json:"date_format,omitempty" jsonschema:"description=date format: an Excel number format for xlsx (default dd.mm.yyyy) or a Go layout for csv (default 2006-01-02)"`
	DateTimeFormat string `yaml:"datetime_format,omitempty" json:"datetime_format,omitempty" jsonschema:"description=date and time format: an Excel number format for xlsx or a Go layout for csv"`
	// DecimalFormat (xlsx): Excel number format of decimal cells, default #,##0.00.
	DecimalFormat string `yaml:"decimal_format,omitempty" json:"decimal_format,omitempty" jsonschema:"description=xlsx: Excel number format of decimal cells; default #.##0.00 in German notation"`
	// NeutralizeFormulas prefixes text starting with = + - @ with ' ; default true.
	NeutralizeFormulas *bool `yaml:"neutralize_formulas,omitempty" json:"neutralize_formulas,omitempty" jsonschema:"description=prefix text starting with = + - or @ with an apostrophe so spreadsheets do not run it; default true"`
	// Currency (xlsx): ISO code (EUR, CHF, USD, GBP, ...); amount columns get
	// a currency number format, e.g. #,##0.00 [$€-407] for EUR.
	Currency string `yaml:"currency,omitempty" json:"currency,omitempty" jsonschema:"description=xlsx: ISO currency code (EUR; CHF ...); amount columns get a currency format,pattern=^[A-Za-z]{3}$"`
	// Amounts (xlsx): the columns currency applies to; default every decimal column.
	Amounts []string `yaml:"amounts,omitempty" json:"amounts,omitempty" jsonschema:"description=xlsx: the columns currency applies to; default every decimal column"`
	// Totals (xlsx): a bold totals row with SUM formulas under these columns,
	// or true for every decimal column.
	Totals Totals `yaml:"totals,omitempty" json:"totals,omitempty"`
	// ParametersSheet (xlsx) adds a sheet "Parameter": job, resolved
	// filters and period, record count, time of the run.
	ParametersSheet bool `yaml:"parameters_sheet,omitempty" json:"parameters_sheet,omitempty" jsonschema:"description=xlsx: add a sheet Parameter with the job; filters; period; record count and time of the run"`
	// LinesSheet (xlsx, with an ERP source's include: lineitems) splits the
	// export in two: one row per order on sheet, one row per line item on a
	// second sheet of this name.
	LinesSheet string `yaml:"lines_sheet,omitempty" json:"lines_sheet,omitempty" jsonschema:"description=name of a second sheet for the line items; the first sheet then has one row per order (needs source include: lineitems)"`
	// LinesKey (xlsx) is the order column repeated first on the lines sheet
	// to link each line to its order; default the first order column.
	LinesKey string `yaml:"lines_key,omitempty" json:"lines_key,omitempty" jsonschema:"description=order column repeated on the lines sheet to link a line to its order; default the first order column"`
	// LinesColumns (xlsx) are the columns that go to the lines sheet; default
	// those mapped from a LineItem. or LineTotal. column. Name expressions
	// over line fields here.
	LinesColumns []string `yaml:"lines_columns,omitempty" json:"lines_columns,omitempty" jsonschema:"description=columns of the lines sheet; default those mapped from LineItem.* and LineTotal.*"`

	// Resource (erp): items, stocks, salesOrders, customers.
	Resource string `yaml:"resource,omitempty" json:"resource,omitempty" jsonschema:"description=erp: what to write (items; stocks; salesOrders; customers; categories; customerGroups; items/descriptions)"`
	// Operation (erp): create, update, upsert (items, customers), set, adjust (stocks).
	Operation string `yaml:"operation,omitempty" json:"operation,omitempty" jsonschema:"description=erp: create; update; upsert (items and customers); set or adjust (stocks),enum=create,enum=update,enum=upsert,enum=set,enum=adjust"`
	// MatchBy (erp): the field that identifies an existing record (SKU, GTIN, Number, ExternalNumber).
	MatchBy string `yaml:"match_by,omitempty" json:"match_by,omitempty" jsonschema:"description=erp: the field that finds an existing record (SKU; GTIN; Number; ExternalNumber)"`
	// Lookup (erp): how existing records are found: auto (default), index
	// (read the whole list once) or search (one filtered request per record).
	Lookup string `yaml:"lookup,omitempty" json:"lookup,omitempty" jsonschema:"description=erp: how existing records are found: auto (default); index (read the list once) or search (one request per record),enum=auto,enum=index,enum=search"`
	// Warehouse (erp stocks): name or id of the warehouse for every record,
	// instead of a WarehouseId or Warehouse target.
	Warehouse string `yaml:"warehouse,omitempty" json:"warehouse,omitempty" jsonschema:"description=erp stocks: name or id of the warehouse for every record"`
	// Prune (erp sub-collections that allow it, e.g. items/descriptions):
	// delete the records of each parent the input names that the input
	// does not name.
	Prune bool `yaml:"prune,omitempty" json:"prune,omitempty" jsonschema:"description=erp sub-collections (e.g. items/descriptions): delete what the Wawi holds below each parent the input names and the input does not name; bounded by options.guardrails.max_deletes"`
	// CreateProperties (erp items with Properties.<Name> targets) creates a
	// property or property value the Wawi lacks, once each, instead of
	// failing the record (as create: true does for categories lookups).
	CreateProperties bool `yaml:"create_properties,omitempty" json:"create_properties,omitempty" jsonschema:"description=erp items: create a property (Merkmal) or property value named by a Properties.<Name> target that the Wawi lacks (once each) instead of failing the record"`
	// OnMissing (erp update, stocks): what a record whose item does not exist
	// in the Wawi becomes: fail (default) or skip.
	OnMissing string `yaml:"on_missing,omitempty" json:"on_missing,omitempty" jsonschema:"description=erp update and stocks: a record whose item the Wawi lacks: fail (default) or skip,enum=fail,enum=skip"`
	// DisableWorkflows (erp) sends disableAutomaticWorkflows=true on writes;
	// default true. The job's erp.disable_workflows applies when this is unset.
	DisableWorkflows *bool `yaml:"disable_workflows,omitempty" json:"disable_workflows,omitempty" jsonschema:"description=erp: send disableAutomaticWorkflows=true on writes; default true"`
	// NewCustomers (erp salesOrders): an order without a CustomerId creates
	// its customer from the order's billing address, found again by its
	// e-mail on later orders and runs.
	NewCustomers *NewCustomersSpec `yaml:"new_customers,omitempty" json:"new_customers,omitempty" jsonschema:"description=erp salesOrders: an order whose CustomerId is empty creates the customer from its BillingAddress (found by e-mail on later orders and reruns)"`

	// DATEV (datev) holds the header of the EXTF Buchungsstapel files.
	DATEV *DATEVSpec `yaml:"datev,omitempty" json:"datev,omitempty" jsonschema:"description=datev: the header of the DATEV Buchungsstapel (EXTF) files"`

	// Images (erp items with Images targets): where the item's images go
	// and how they are fetched.
	Images *ImagesSpec `yaml:"images,omitempty" json:"images,omitempty" jsonschema:"description=erp items: how the images of Images targets are fetched and where they go"`
}

// ImagesSpec is sink.images.
type ImagesSpec struct {
	SalesChannel string `yaml:"sales_channel,omitempty" json:"sales_channel,omitempty" jsonschema:"description=name or id of the sales channel the images go to; default the one sales channel that takes images"`
	MaxSize      string `yaml:"max_size,omitempty" json:"max_size,omitempty" jsonschema:"description=largest image taken (e.g. 20MB; 500KB); default 20MB"`
	Timeout      string `yaml:"timeout,omitempty" json:"timeout,omitempty" jsonschema:"description=time one image download may take (Go duration); default 30s"`
	Parallel     int    `yaml:"parallel,omitempty" json:"parallel,omitempty" jsonschema:"description=images read or downloaded at once; default 4,minimum=1,maximum=32"`
}

// NewCustomersSpec is sink.new_customers: what a customer created from an
// order's billing address gets besides the address.
type NewCustomersSpec struct {
	CustomerGroup string `yaml:"customer_group" json:"customer_group" jsonschema:"description=customer group of new customers: name or id"`
	Language      string `yaml:"language,omitempty" json:"language,omitempty" jsonschema:"description=language of new customers (ISO code; default DE),pattern=^[A-Za-z]{2}$"`
}

// DATEVSpec is sink.datev: what the header of each DATEV file says.
type DATEVSpec struct {
	Consultant      int    `yaml:"consultant" json:"consultant" jsonschema:"description=Beraternummer of the tax adviser,minimum=1001,maximum=9999999"`
	Client          int    `yaml:"client" json:"client" jsonschema:"description=Mandantennummer of the company at the adviser,minimum=1,maximum=99999"`
	FiscalYearStart string `yaml:"fiscal_year_start" json:"fiscal_year_start" jsonschema:"description=first day of a fiscal year (WJ-Beginn) as yyyy-mm-dd; the first of a month,pattern=^[0-9]{4}-[0-9]{2}-01$"`
	AccountLength   int    `yaml:"account_length,omitempty" json:"account_length,omitempty" jsonschema:"description=Sachkontenlänge: digits of a general ledger account (personal accounts have one more); default 4,minimum=4,maximum=8"`
	Chart           string `yaml:"chart,omitempty" json:"chart,omitempty" jsonschema:"description=chart of accounts named in the header for the adviser,enum=SKR03,enum=SKR04"`
	Description     string `yaml:"description,omitempty" json:"description,omitempty" jsonschema:"description=Bezeichnung of the batch,maxLength=30"`
	Dictation       string `yaml:"dictation,omitempty" json:"dictation,omitempty" jsonschema:"description=Diktatkürzel: initials of who prepared the batch,maxLength=2"`
	Locked          bool   `yaml:"locked,omitempty" json:"locked,omitempty" jsonschema:"description=Festschreibung: lock the bookings on import; default false so the adviser can review them first"`
	// Accounts turns on document mode: records are lines of accounting
	// documents (the Wawi's accountingData), booked debitor to revenue
	// account, checked for completeness (sinks/datev_docs.go).
	Accounts *DATEVAccountsSpec `yaml:"accounts,omitempty" json:"accounts,omitempty" jsonschema:"description=book accounting documents (lines of invoices; credit notes; cancellations) instead of ready bookings: revenue and debitor accounts; a completeness check and a control workbook"`
	// Period (document mode): the documents the export must hold; one outside it stops the export.
	Period *DATEVPeriodSpec `yaml:"period,omitempty" json:"period,omitempty" jsonschema:"description=document mode: the period every document must fall in (the source's period); one outside stops the export"`
	// Debitors (document mode) also writes EXTF_Debitoren.csv: the
	// debitor accounts used, with names and addresses (category 16).
	Debitors bool `yaml:"debitors,omitempty" json:"debitors,omitempty" jsonschema:"description=document mode: also write EXTF_Debitoren.csv (DATEV Debitoren/Kreditoren) with the name; address and VAT id of each debitor account booked"`
}

// DATEVAccountsSpec is sink.datev.accounts: where revenue and debitor
// accounts come from.
type DATEVAccountsSpec struct {
	Chart       string           `yaml:"chart,omitempty" json:"chart,omitempty" jsonschema:"description=chart whose default revenue accounts apply (SKR03: 8400/8300/8125/8120/8320; SKR04: 4400/4300/4125/4120/4320); default sink.datev.chart,enum=SKR03,enum=SKR04"`
	HomeCountry string           `yaml:"home_country,omitempty" json:"home_country,omitempty" jsonschema:"description=ISO code of the merchant's country; default DE,pattern=^[A-Za-z]{2}$"`
	OSS         *bool            `yaml:"oss,omitempty" json:"oss,omitempty" jsonschema:"description=taxed sales to other EU countries are One-Stop-Shop sales (destination country and rate in the booking); default true"`
	FromSource  *bool            `yaml:"from_source,omitempty" json:"from_source,omitempty" jsonschema:"description=use the revenue account the source names (GeneralLedgerAccount) where it has one; default true"`
	Debitor     DATEVDebitorSpec `yaml:"debitor,omitempty" json:"debitor,omitempty" jsonschema:"description=the personal account of a document: a collective debitor or one per customer (or the mapping's DebitorAccount)"`
	Rules       []DATEVRuleSpec  `yaml:"rules,omitempty" json:"rules,omitempty" jsonschema:"description=revenue accounts by rate; country; VAT id and credit note; the first rule that matches wins; before the chart's defaults"`
}

// DATEVDebitorSpec is sink.datev.accounts.debitor.
type DATEVDebitorSpec struct {
	Collective  int  `yaml:"collective,omitempty" json:"collective,omitempty" jsonschema:"description=Sammeldebitor: one personal account for every customer (e.g. 10000); with per_customer the account of customers whose number does not fit"`
	PerCustomer bool `yaml:"per_customer,omitempty" json:"per_customer,omitempty" jsonschema:"description=one debitor per customer: first + the digits of CustomerNumber"`
	First       int  `yaml:"first,omitempty" json:"first,omitempty" jsonschema:"description=per_customer: the account of customer number 0; default 10000"`
	Last        int  `yaml:"last,omitempty" json:"last,omitempty" jsonschema:"description=per_customer: the last debitor account; default 69999"`
}

// DATEVRuleSpec is one of sink.datev.accounts.rules: each condition given
// must hold.
type DATEVRuleSpec struct {
	Rate       string   `yaml:"rate,omitempty" json:"rate,omitempty" jsonschema:"description=VAT rate in percent (e.g. 19 or 5.5)"`
	Country    []string `yaml:"country,omitempty" json:"country,omitempty" jsonschema:"description=destination countries (ISO codes); EU for any other member state; THIRD for any non-EU country"`
	VATID      *bool    `yaml:"vat_id,omitempty" json:"vat_id,omitempty" jsonschema:"description=the customer has (true) or has no (false) VAT id"`
	CreditNote *bool    `yaml:"credit_note,omitempty" json:"credit_note,omitempty" jsonschema:"description=the document is (true) or is not (false) a credit note or cancellation"`
	Account    int      `yaml:"account" json:"account" jsonschema:"description=the revenue account (Erlöskonto); an automatic account, so no BU-Schlüssel,minimum=1"`
}

// DATEVPeriodSpec is sink.datev.period; dates as in source filters
// (2026-01-01, start of last month), in time_zone.
type DATEVPeriodSpec struct {
	From     string `yaml:"from" json:"from" jsonschema:"description=first day (e.g. start of last month or 2026-01-01)"`
	To       string `yaml:"to" json:"to" jsonschema:"description=last day, included (e.g. end of last month)"`
	TimeZone string `yaml:"time_zone,omitempty" json:"time_zone,omitempty" jsonschema:"description=time zone of relative dates; default Europe/Berlin"`
}

// Totals is sink.totals: true (every decimal column) or a list of column
// names (targets).
type Totals struct {
	All     bool
	Columns []string
}

// IsZero reports whether no totals are asked for (omitempty).
func (t Totals) IsZero() bool { return !t.All && len(t.Columns) == 0 }

// UnmarshalYAML implements goccy/go-yaml's InterfaceUnmarshaler: a boolean
// or a list of names.
func (t *Totals) UnmarshalYAML(unmarshal func(any) error) error {
	var all bool
	if err := unmarshal(&all); err == nil {
		*t = Totals{All: all}
		return nil
	}
	var cols []string
	if err := unmarshal(&cols); err != nil {
		return errors.New("totals: true, false or a list of column names, e.g. [TotalNet, TotalGross]")
	}
	*t = Totals{Columns: cols}
	return nil
}

// MarshalYAML writes what UnmarshalYAML reads.
func (t Totals) MarshalYAML() (any, error) {
	if len(t.Columns) > 0 {
		return t.Columns, nil
	}
	return t.All, nil
}

// MarshalJSON writes true/false or the list, the shape of the JSON schema.
func (t Totals) MarshalJSON() ([]byte, error) {
	v, _ := t.MarshalYAML()
	return json.Marshal(v)
}

// JSONSchema describes sink.totals for the job schema.
func (Totals) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "a bold totals row with SUM formulas: true for every decimal column, or a list of columns",
		OneOf: []*jsonschema.Schema{
			{Type: "boolean"},
			{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
		},
	}
}

// ERPSpec is the Wawi connection of a job. Empty fields fall back to the
// WAWI_* environment variables; values may use ${VAR} so secrets stay out of
// job files.
type ERPSpec struct {
	URL          string  `yaml:"url,omitempty" json:"url,omitempty" jsonschema:"description=base URL of the Wawi REST API (e.g. http://127.0.0.1:64110/api/eazybusiness/); default WAWI_URL"`
	APIKey       string  `yaml:"api_key,omitempty" json:"api_key,omitempty" jsonschema:"description=OnPremise API key; better ${WAWI_API_KEY} or api_key_file than the key itself"`
	APIKeyFile   string  `yaml:"api_key_file,omitempty" json:"api_key_file,omitempty" jsonschema:"description=file holding the OnPremise API key (from etl register --key-file)"`
	ClientID     string  `yaml:"client_id,omitempty" json:"client_id,omitempty" jsonschema:"description=JTL Cloud OAuth client id"`
	ClientSecret string  `yaml:"client_secret,omitempty" json:"client_secret,omitempty" jsonschema:"description=JTL Cloud OAuth client secret; better ${WAWI_CLIENT_SECRET}"`
	TenantID     string  `yaml:"tenant_id,omitempty" json:"tenant_id,omitempty" jsonschema:"description=JTL Cloud tenant id"`
	TokenURL     string  `yaml:"token_url,omitempty" json:"token_url,omitempty" jsonschema:"description=JTL Cloud OAuth token endpoint; default the JTL one"`
	AppID        string  `yaml:"app_id,omitempty" json:"app_id,omitempty" jsonschema:"description=x-appid header: the app id the API key was registered with"`
	AppVersion   string  `yaml:"app_version,omitempty" json:"app_version,omitempty" jsonschema:"description=x-appversion header; default the etl version"`
	APIVersion   string  `yaml:"api_version,omitempty" json:"api_version,omitempty" jsonschema:"description=api-version header; default 1.0"`
	RunAs        string  `yaml:"run_as,omitempty" json:"run_as,omitempty" jsonschema:"description=x-runas header: the Wawi user the writes are made as"`
	RateLimit    float64 `yaml:"rate_limit,omitempty" json:"rate_limit,omitempty" jsonschema:"description=requests per second, shared by all workers"`
	Timeout      string  `yaml:"timeout,omitempty" json:"timeout,omitempty" jsonschema:"description=per request, e.g. 30s"`
	PageSize     int     `yaml:"page_size,omitempty" json:"page_size,omitempty" jsonschema:"description=records per page of list requests"`
	// MaxResponseMB bounds one answer of the Wawi read into memory.
	MaxResponseMB int `yaml:"max_response_mb,omitempty" json:"max_response_mb,omitempty" jsonschema:"minimum=1,description=largest answer of the Wawi read into memory in MiB; default 32"`
	// DisableWorkflows sends disableAutomaticWorkflows=true on writes.
	DisableWorkflows *bool `yaml:"disable_workflows,omitempty" json:"disable_workflows,omitempty" jsonschema:"description=send disableAutomaticWorkflows=true on writes; default true"`
}
