// Package s3blob is the shared engine of the blob contract
// (internal/blob): content-addressed blobs in an S3 bucket, so that
// processes on many machines share one store. It speaks plain S3 with the
// AWS SDK, so AWS, versitygw, MinIO and other compatible servers work the
// same.
//
// # Location and credentials
//
// A location is s3://bucket/prefix?endpoint=http://host:port&region=r
// (see ParseLocation); without an endpoint it is AWS. Credentials never
// go in it: they come from the standard AWS chain (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, the shared configuration and AWS_PROFILE, an
// instance or task role). With an endpoint, requests are path-style
// (http://host:port/bucket/key). Open checks that the bucket answers, so
// a missing bucket, refused credentials or an unreachable endpoint fail
// there, each with an error that names the location and says which.
//
// # Layout
//
// The blob with digest sha256:<hex> is the object
// <prefix>objects/<hex[0:2]>/<hex[2:]>, as on disk (internal/blob/dirblob);
// <prefix>objects/.holders/ lists the holders (one small JSON object
// each) and <prefix>objects/.lock/ holds the collection lock's leases.
//
// # Writing and reading
//
// Put reads the bytes first (into memory up to Options.PartSize, into a
// temporary file beyond) to learn their SHA-256, refuses them if they do
// not match an expected digest, then sends them with their SHA-256
// (x-amz-checksum-sha256), which the server checks: bytes damaged on the
// way are refused, never stored. Blobs larger than PartSize go up as a
// multipart upload, Concurrency parts at a time, each part with its
// CRC-32C (x-amz-checksum-crc32c); a failed upload is aborted. A large
// source that is a blob.Sized (a blob file of a folder store, as a data
// set's Push sends) is hashed where it is and its parts read from there:
// no temporary copy. Putting a blob that is there
// already writes it again, which mends a damaged copy. Open streams the
// object behind a blob.Verifier (length and hash checked at the end); Has
// is a HeadObject (nothing downloaded); Walk lists with ListObjectsV2.
//
// # The collection lock
//
// Store implements blob.Locker across machines with lease objects written
// by conditional writes (If-None-Match, If-Match): see lock.go for the
// protocol and its limits (clocks within a few seconds of the server's,
// one LeaseTTL for all, a server with conditional writes).
//
// # Performance
//
// See README.md for figures beside the folder engine; to measure:
//
//	CAIRN_TEST_S3=s3://bucket?endpoint=... go test -run '^$' -bench . ./internal/blob/s3blob
package s3blob
