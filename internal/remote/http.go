package remote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
)

// httpConn fetches one URL; https verifies certificates (the system's and
// source.remote.ca_file's).
type httpConn struct {
	u      *url.URL
	o      *Options
	client *http.Client
}

func dialHTTP(ctx context.Context, u *url.URL, o *Options) (conn, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	cfg, err := tlsConfig(o, u.Hostname())
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = cfg
	return &httpConn{u: u, o: o, client: &http.Client{Transport: tr}}, nil
}

func (c *httpConn) list(context.Context, string) ([]entry, error) {
	return nil, fatalf("%s:// cannot list a folder", c.u.Scheme)
}

func (c *httpConn) close() error {
	c.client.CloseIdleConnections()
	return nil
}

func (c *httpConn) open(ctx context.Context, p string) (io.ReadCloser, int64, error) {
	cp := *c.u
	cp.User = nil // sent as a header below, never in the URL
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cp.String(), nil)
	if err != nil {
		return nil, 0, fatalf("cannot build the request")
	}
	switch {
	case c.o.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.o.Token)
	case c.o.Username != "" || c.o.Password != "":
		req.SetBasicAuth(c.o.Username, c.o.Password)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query and all
		}
		var cert *tls.CertificateVerificationError
		if errors.As(err, &cert) {
			return nil, 0, &permanent{err}
		}
		return nil, 0, err
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		resp.Body.Close()
		return nil, 0, fmt.Errorf("server answered %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		return nil, 0, fatalf("server answered %s", resp.Status)
	}
	return resp.Body, resp.ContentLength, nil
}

// tlsConfig verifies serverName with the system's roots and those of
// source.remote.ca_file.
func tlsConfig(o *Options, serverName string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12,
		// ftps servers often want the data connection to resume the
		// control connection's session
		ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	if o.CAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(o.CAFile)
	if err != nil {
		return nil, fatalf("source.remote.ca_file: %v", errors.Unwrap(err))
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fatalf("source.remote.ca_file %s holds no PEM certificate", o.CAFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
