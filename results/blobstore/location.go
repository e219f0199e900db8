package blobstore

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/amrbench/amrbench/results/segment"
)

// Location is a container and a prefix inside it.
type Location struct {
	// ContainerURL is the container's URL, with the SAS query if one was
	// given.
	ContainerURL string
	// Container is the container's name, Prefix the blob name prefix (no
	// leading or trailing slash; may be empty).
	Container, Prefix string
	// SAS is set when the URL carries a shared access signature, which
	// authorizes by itself.
	SAS bool
	// display is the URL without its query, safe to print, and
	// containerDisplay the container's.
	display, containerDisplay string
}

// ErrNotBlobURL is returned by ParseLocation for a string that is not a blob
// container URL.
var ErrNotBlobURL = errors.New("not a blob container URL (https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX)")

// IsURL reports whether s looks like a URL rather than a file name, so a
// caller can tell which of the two it was given.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// containerName is what Azure accepts as a container name.
var containerName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// ParseLocation parses a container URL with an optional prefix. Its errors
// never repeat the query, which may hold a signature.
func ParseLocation(raw string) (Location, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Location{}, ErrNotBlobURL
	}
	if u.Scheme != "https" {
		return Location{}, errors.New("not https: tokens and signatures are only sent over TLS")
	}
	if u.User != nil {
		return Location{}, errors.New("a user name or password in the URL: give a SAS query or use a credential")
	}
	parts, err := blob.ParseURL(raw)
	if err != nil {
		return Location{}, ErrNotBlobURL
	}
	if parts.ContainerName == "" {
		return Location{}, fmt.Errorf("%s names no container: %w", display(u), ErrNotBlobURL)
	}
	if !containerName.MatchString(parts.ContainerName) {
		return Location{}, fmt.Errorf("container %q: 3 to 63 lower-case letters, digits and single hyphens", parts.ContainerName)
	}
	q := u.Query()
	loc := Location{
		Container: parts.ContainerName,
		Prefix:    strings.Trim(parts.BlobName, "/"),
		SAS:       q.Get("sig") != "",
	}
	if strings.Contains(loc.Prefix, "//") {
		return Location{}, fmt.Errorf("prefix %q has an empty part", loc.Prefix)
	}
	c := *u
	c.Path = "/" + parts.ContainerName
	if parts.IPEndpointStyleInfo.AccountName != "" {
		c.Path = "/" + parts.IPEndpointStyleInfo.AccountName + c.Path
	}
	c.RawPath, c.Fragment = "", ""
	loc.ContainerURL = c.String()
	c.RawQuery = ""
	loc.display = c.String()
	loc.containerDisplay = loc.display
	if loc.Prefix != "" {
		loc.display += "/" + loc.Prefix
	}
	return loc, nil
}

// display returns u without its query.
func display(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.String()
}

// String returns the location's URL without its query: safe to print.
func (l Location) String() string { return l.display }

// BlobDisplay returns the URL of the blob name, without any SAS.
func (l Location) BlobDisplay(name string) string { return l.containerDisplay + "/" + name }

// SegmentDir returns the blob "directory" of a segment: PREFIX/seg-<i>-of-<n>.
func (l Location) SegmentDir(seg segment.Segment) string {
	return path.Join(l.Prefix, SegmentDirName(seg))
}

// SegmentDirName returns seg-<i>-of-<n>.
func SegmentDirName(seg segment.Segment) string {
	s, _ := segment.Parse(seg.String()) // the zero segment is the whole test
	return "seg-" + strconv.Itoa(s.Index) + "-of-" + strconv.Itoa(s.Count)
}

// segmentDirPattern matches a segment's directory name.
var segmentDirPattern = regexp.MustCompile(`^seg-([0-9]+)-of-([0-9]+)$`)

// parseSegmentDir reads a segment from its directory name.
func parseSegmentDir(name string) (segment.Segment, bool) {
	m := segmentDirPattern.FindStringSubmatch(name)
	if m == nil {
		return segment.Segment{}, false
	}
	seg, err := segment.Parse(m[1] + "/" + m[2])
	return seg, err == nil
}
