package blobstore

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/amrbench/amrbench/results"
	"github.com/amrbench/amrbench/results/segment"
)

// Reader lists and streams the segments of a test kept under a location.
type Reader struct {
	loc      Location
	access   Access
	pipeline runtime.Pipeline
}

// NewReader returns a reader of loc. It makes no request.
func NewReader(loc Location, access Access) (*Reader, error) {
	if err := access.check(loc); err != nil {
		return nil, err
	}
	opts := access.clientOptions()
	var pipe runtime.PipelineOptions
	if !loc.SAS {
		pipe.PerRetry = []policy.Policy{runtime.NewBearerTokenPolicy(access.Credential, []string{StorageScope}, nil)}
	}
	client, err := azcore.NewClient("amrbench/blobstore", "v1", pipe, &opts)
	if err != nil {
		return nil, err
	}
	return &Reader{loc: loc, access: access, pipeline: client.Pipeline()}, nil
}

// SegmentBlob is a segment's result blob.
type SegmentBlob struct {
	// Name is the blob's name in the container, and URL its URL without
	// any SAS, as merge names it.
	Name, URL string
	Segment   segment.Segment
	Size      int64
}

// Segments lists the result blobs under the location's prefix
// (PREFIX/seg-<i>-of-<n>/result.jsonl), in segment order.
func (r *Reader) Segments(ctx context.Context) ([]SegmentBlob, error) {
	prefix := r.loc.Prefix
	if prefix != "" {
		prefix += "/"
	}
	var out []SegmentBlob
	marker := ""
	for {
		page, err := r.list(ctx, prefix+"seg-", marker)
		if err != nil {
			return nil, err
		}
		for _, b := range page.Blobs {
			dir, file := path.Split(strings.TrimPrefix(b.Name, prefix))
			seg, ok := parseSegmentDir(strings.TrimSuffix(dir, "/"))
			if !ok || file != results.FileName || strings.Count(dir, "/") != 1 {
				continue
			}
			out = append(out, SegmentBlob{Name: b.Name, URL: r.loc.BlobDisplay(b.Name), Segment: seg, Size: b.Properties.ContentLength})
		}
		if page.NextMarker == "" {
			break
		}
		marker = page.NextMarker
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Segment, out[j].Segment
		if a.Count != b.Count {
			return a.Count < b.Count
		}
		return a.Index < b.Index
	})
	return out, nil
}

// listPage is a page of the List Blobs operation's answer.
type listPage struct {
	Blobs []struct {
		Name       string `xml:"Name"`
		Properties struct {
			ContentLength int64 `xml:"Content-Length"`
		} `xml:"Properties"`
	} `xml:"Blobs>Blob"`
	NextMarker string `xml:"NextMarker"`
}

// storageVersion is the Blob service API version of the list request.
const storageVersion = "2021-12-02"

// list sends one List Blobs request. (The SDK's container client would do
// it, but it links Apache Arrow into the binary, 3.4 MB for one request.)
func (r *Reader) list(ctx context.Context, prefix, marker string) (*listPage, error) {
	u, err := url.Parse(r.loc.ContainerURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("restype", "container")
	q.Set("comp", "list")
	q.Set("prefix", prefix)
	if marker != "" {
		q.Set("marker", marker)
	}
	u.RawQuery = q.Encode()
	req, err := runtime.NewRequest(ctx, http.MethodGet, u.String())
	if err != nil {
		return nil, err
	}
	req.Raw().Header.Set("x-ms-version", storageVersion)
	req.Raw().Header.Set("Accept", "application/xml")
	resp, err := r.pipeline.Do(req)
	if err != nil {
		return nil, fmt.Errorf("list %s: %s", r.loc, describe(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list %s: %s", r.loc, describe(runtime.NewResponseError(resp)))
	}
	var page listPage
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&page); err != nil {
		return nil, fmt.Errorf("list %s: %w", r.loc, err)
	}
	return &page, nil
}

// Open streams the blob name.
func (r *Reader) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	client, err := r.access.blobClient(r.loc, name)
	if err != nil {
		return nil, err
	}
	resp, err := client.DownloadStream(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read %s: %s", r.loc.BlobDisplay(name), describe(err))
	}
	return resp.Body, nil
}
