package sinks

// Reading the pictures a file names: local paths relative to the source
// file, or http(s) URLs with a timeout, a size limit and a content check;
// each read once per run and hashed, never kept in memory.

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// refEntry is a path or URL's content as this run found it; done closes
// when it is known (one read per reference, however many records name it).
type refEntry struct {
	done chan struct{}
	ref  imageRef
	err  error
}

// resolve finds the content of a path or URL: its hash and size, read once
// per run.
func (p *imagesPart) resolve(ctx context.Context, ref string) (imageRef, error) {
	key := ref
	if !isURL(ref) {
		key = p.localPath(ref)
	}
	p.refMu.Lock()
	e := p.refs[key]
	if e == nil {
		e = &refEntry{done: make(chan struct{})}
		p.refs[key] = e
		p.refMu.Unlock()
		e.ref, e.err = p.hashRef(ctx, ref)
		if e.err != nil { // not kept: the next record asks again
			p.refMu.Lock()
			delete(p.refs, key)
			p.refMu.Unlock()
		}
		close(e.done)
	} else {
		p.refMu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return imageRef{}, ctx.Err()
		}
	}
	if e.err != nil {
		return imageRef{}, e.err
	}
	r := e.ref
	r.ref = ref
	return r, nil
}

func isURL(ref string) bool {
	l := strings.ToLower(ref)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

func (p *imagesPart) localPath(ref string) string {
	ref = slashPath(ref)
	if filepath.IsAbs(ref) {
		return filepath.Clean(ref)
	}
	return filepath.Join(p.baseDir, filepath.FromSlash(ref))
}

// slashPath reads a relative path written on Windows (bilder\foto.jpg, as
// shop exports made there have them) the same on every system; a
// backslash is no character of a file name a merchant would use.
func slashPath(ref string) string {
	if filepath.Separator == '\\' || filepath.IsAbs(ref) {
		return ref
	}
	return strings.ReplaceAll(ref, `\`, "/")
}

func (p *imagesPart) hashRef(ctx context.Context, ref string) (imageRef, error) {
	h := sha256.New()
	n, err := p.read(ctx, ref, h)
	if err != nil {
		return imageRef{}, err
	}
	r := imageRef{ref: ref, url: isURL(ref), size: n, name: imageName(ref)}
	copy(r.sum[:], h.Sum(nil))
	return r, nil
}

// imageName is the file name the Wawi gets: the path's or URL's last
// segment.
func imageName(ref string) string {
	if isURL(ref) {
		if u, err := url.Parse(ref); err == nil {
			if n := path.Base(u.Path); n != "" && n != "/" && n != "." {
				return n
			}
			return u.Host
		}
	}
	return filepath.Base(filepath.FromSlash(slashPath(ref)))
}

// read copies the picture of a path or URL to w, within the run's bound on
// reads at once, checking that it is a picture within max_size; it
// returns its length.
func (p *imagesPart) read(ctx context.Context, ref string, w io.Writer) (int64, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-p.sem }()
	if isURL(ref) {
		return p.download(ctx, ref, w)
	}
	f, err := os.Open(p.localPath(ref))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("no such file (%s)", p.localPath(ref))
		}
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, errors.New("not a file")
	}
	if st.Size() > p.maxSize {
		return 0, fmt.Errorf("%s, larger than max_size %s", showSize(st.Size()), showSize(p.maxSize))
	}
	return p.copyPicture(f, w)
}

func (p *imagesPart) download(ctx context.Context, ref string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "image/*")
	res, err := p.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
			if ue.Timeout() {
				err = fmt.Errorf("no answer within %s (timeout)", p.hc.Timeout)
			}
		}
		return 0, fmt.Errorf("download: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("download: HTTP %s", res.Status)
	}
	if ct := res.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
		if mt = strings.TrimSpace(mt); !strings.HasPrefix(mt, "image/") && !strings.HasSuffix(mt, "/octet-stream") {
			return 0, fmt.Errorf("download: not an image (Content-Type %s)", ct)
		}
	}
	if res.ContentLength > p.maxSize {
		return 0, fmt.Errorf("download: %s, larger than max_size %s", showSize(res.ContentLength), showSize(p.maxSize))
	}
	n, err := p.copyPicture(res.Body, w)
	if err != nil && ctx.Err() == nil {
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			err = fmt.Errorf("no answer within %s (timeout)", p.hc.Timeout)
		}
		return n, fmt.Errorf("download: %w", err)
	}
	return n, err
}

// copyPicture copies r to w, at most max_size bytes, after checking the
// first bytes' signature.
func (p *imagesPart) copyPicture(r io.Reader, w io.Writer) (int64, error) {
	head := make([]byte, 512)
	k, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, err
	}
	head = head[:k]
	if k == 0 {
		return 0, errors.New("empty")
	}
	if ct := http.DetectContentType(head); !strings.HasPrefix(ct, "image/") {
		return 0, fmt.Errorf("not an image (the content is %s)", ct)
	}
	if _, err := w.Write(head); err != nil {
		return 0, err
	}
	m, err := io.Copy(w, io.LimitReader(r, p.maxSize-int64(k)+1))
	n := int64(k) + m
	if err != nil {
		return n, err
	}
	if n > p.maxSize {
		return n, fmt.Errorf("larger than max_size %s", showSize(p.maxSize))
	}
	return n, nil
}
