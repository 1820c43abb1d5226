package mlflowapi

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cairn-ml/cairn/internal/perr"
)

// OffsetToken returns the page token of MLflow's searches that page by
// offset (experiments, registered models, model versions, metric
// history): base64 of {"offset": n}, as SearchUtils.create_page_token
// writes it.
func OffsetToken(n int) string {
	b, _ := json.Marshal(struct {
		Offset int `json:"offset"`
	}{n})
	return base64.StdEncoding.EncodeToString(b)
}

// ParseOffsetToken returns the offset an OffsetToken holds (0 for ""), or
// an INVALID_PARAMETER_VALUE error.
func ParseOffsetToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(tok)
	}
	if err != nil {
		return 0, Errorf(InvalidParameterValue, "Invalid page token, could not base64-decode")
	}
	var v struct {
		Offset *int `json:"offset"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Offset == nil || *v.Offset < 0 {
		return 0, Errorf(InvalidParameterValue, "Invalid page token, decoded value=%s", perr.Quote(string(b)))
	}
	return *v.Offset, nil
}

// Page returns the part of n items that a page of max items starting at
// the offset in tok covers, as [lo, hi), and the token of the next page
// ("" on the last page).
func Page(n, max int, tok string) (lo, hi int, next string, err error) {
	lo, err = ParseOffsetToken(tok)
	if err != nil {
		return 0, 0, "", err
	}
	lo = min(lo, n)
	hi = n
	if max > 0 && n-lo > max {
		hi = lo + max
		next = OffsetToken(hi)
	}
	return lo, hi, next, nil
}

// Authorized reports whether r carries "Authorization: Bearer <token>"
// with the given token (compared in constant time). An empty token
// authorizes every request.
func Authorized(r *http.Request, token string) bool {
	if token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// ErrUnauthenticated is the error answered to a request without the
// bearer token.
var ErrUnauthenticated = Errorf(Unauthenticated, "This server requires an Authorization: Bearer <token> header with the server's token (MLFLOW_TRACKING_TOKEN in MLflow's clients).")
