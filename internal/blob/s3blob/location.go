package s3blob

import (
	"fmt"
	"net/url"
	"strings"
)

// Location is a parsed S3 location.
type Location struct {
	Bucket string
	// Prefix is the key prefix under which objects/ lies: "" or a path
	// ending in "/".
	Prefix string
	// Endpoint is the server's URL (http://host:port) for an
	// S3-compatible server; "" means AWS. With an endpoint, requests use
	// path-style addressing (http://host:port/bucket/key).
	Endpoint string
	// Region is the signing region; "" means the AWS configuration's,
	// or us-east-1 with an endpoint.
	Region string
}

// ParseLocation parses s3://bucket/prefix?endpoint=http://host:port&region=r.
// Credentials never go in a location: they come from the standard AWS
// chain (environment, shared configuration, instance roles).
func ParseLocation(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" {
		return Location{}, fmt.Errorf("%q is not an s3://bucket/prefix URL", clip(s))
	}
	if u.User != nil {
		return Location{}, fmt.Errorf("s3://%s: credentials do not go in the location (use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the AWS configuration)", u.Host)
	}
	loc := Location{Bucket: u.Host, Region: u.Query().Get("region"), Endpoint: u.Query().Get("endpoint")}
	if !validBucket(loc.Bucket) {
		return Location{}, fmt.Errorf("%q: %q is not a bucket name (3 to 63 of a-z, 0-9, '.', '-')", clip(s), clip(loc.Bucket))
	}
	for k := range u.Query() {
		if k != "region" && k != "endpoint" {
			return Location{}, fmt.Errorf("%q: unknown parameter %q (endpoint and region are known)", clip(s), clip(k))
		}
	}
	p := strings.Trim(u.Path, "/")
	if p != "" {
		for _, seg := range strings.Split(p, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return Location{}, fmt.Errorf("%q: bad prefix %q", clip(s), clip(p))
			}
		}
		loc.Prefix = p + "/"
	}
	if loc.Endpoint != "" {
		e, err := url.Parse(loc.Endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.User != nil {
			return Location{}, fmt.Errorf("%q: endpoint %q is not http(s)://host:port", clip(s), clip(loc.Endpoint))
		}
	}
	return loc, nil
}

// String returns the location as a URL.
func (l Location) String() string {
	s := "s3://" + l.Bucket
	if l.Prefix != "" {
		s += (&url.URL{Path: "/" + strings.TrimSuffix(l.Prefix, "/")}).EscapedPath()
	}
	var q []string
	if l.Endpoint != "" {
		q = append(q, "endpoint="+l.Endpoint)
	}
	if l.Region != "" {
		q = append(q, "region="+url.QueryEscape(l.Region))
	}
	if len(q) > 0 {
		s += "?" + strings.Join(q, "&")
	}
	return s
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	return strings.Trim(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") == "" && b[0] != '.' && b[0] != '-'
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
