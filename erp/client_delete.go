package erp

import (
	"context"
	"net/http"
	"net/url"
)

// Delete deletes path. A DELETE is idempotent and retried like GET; a
// caller that sees 404 after a retry may take the record as gone.
func (c *Client) Delete(ctx context.Context, path string, query url.Values) error {
	return c.call(ctx, &call{method: http.MethodDelete, path: path, query: query}, nil)
}
